#!/usr/bin/env node
/**
 * Browser mode: the desktop app without Electron. Runs core in this process,
 * serves the built renderer on loopback and prints the URL to open.
 *
 *   node desktop/src/web/main.ts [--port N] [--homeserver URL] [--data DIR]
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../core/core.ts';
import { startBrowserMode } from './server.ts';

const desktopDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.GOVDESK_BROWSER_PORT ?? '0' },
    homeserver: { type: 'string', default: process.env.GOVDESK_DEFAULT_HOMESERVER_URL },
    data: { type: 'string', default: process.env.GOVDESK_DATA_DIR },
  },
});

const core = createCore({ defaultHomeserverUrl: values.homeserver ?? null });
const app = await startBrowserMode({
  core,
  port: Number(values.port),
  rendererDir: path.join(desktopDir, 'dist/renderer'),
  bridgeScript: path.join(desktopDir, 'dist/web/bridge.js'),
  log: (message, details) => process.stderr.write(`${JSON.stringify({ message, ...details })}\n`),
});
// The one line a launcher reads to find the app.
process.stdout.write(`GOVDESK_APP_URL=${app.url}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app
      .close()
      .then(() => core.close())
      .then(() => process.exit(0));
  });
}
