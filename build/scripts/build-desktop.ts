/** npm run build: the renderer, browser mode's bridge, Electron main and preload. */
import { say, seconds } from '../lib/log.ts';
import { buildDesktop } from '../lib/desktop-build.ts';

const started = performance.now();
const result = await buildDesktop({ force: process.argv.includes('--force') });
say(`desktop ${result} in ${seconds(started)}`);
