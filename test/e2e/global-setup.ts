import { existsSync } from 'node:fs';
import { buildDesktop } from '../../build/lib/desktop-build.ts';
import { startHomeserver, stopHomeserver } from '../../build/homeserver/index.ts';

/** The built renderer and the test homeserver; stops the homeserver afterwards if it started it here. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const chromium = process.env.GOVDESK_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) throw new Error(`end-to-end tests need Chromium at ${chromium}: run npm test as root (it installs Debian's chromium), or apt-get install chromium fonts-noto-cjk`);
  await buildDesktop();
  const { reused } = await startHomeserver('test');
  return async () => {
    if (!reused) await stopHomeserver('test');
  };
}
