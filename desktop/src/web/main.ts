#!/usr/bin/env node
/**
 * Browser mode: the desktop app without Electron. Runs core in this process,
 * serves the built renderer on loopback and prints the URL to open.
 *
 *   node desktop/src/web/main.ts [--port N] [--homeserver URL] [--data DIR]
 */
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../core/core.ts';
import { WrongKeyError } from '../core/store/local-store.ts';
import { loadOrCreateKeyFile } from './key-file.ts';
import { startBrowserMode } from './server.ts';

const desktopDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.GOVDESK_BROWSER_PORT ?? '0' },
    homeserver: { type: 'string', default: process.env.GOVDESK_DEFAULT_HOMESERVER_URL },
    data: { type: 'string', default: process.env.GOVDESK_DATA_DIR ?? path.join(homedir(), '.local/share/govdesk-browser-mode') },
    'key-file': { type: 'string', default: process.env.GOVDESK_KEY_FILE },
    'sync-server': { type: 'string', default: process.env.GOVDESK_SYNC_SERVER_URL },
  },
});

const dataDir = path.resolve(values.data);
const log = (message: string, details?: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ message, ...details })}\n`);
let core;
try {
  core = await createCore({
    dataDir,
    databaseKey: loadOrCreateKeyFile(values['key-file'] ?? path.join(dataDir, 'cache.key')),
    defaultHomeserverUrl: values.homeserver ?? null,
    syncServerUrl: values['sync-server'] ?? null,
    log,
  });
} catch (error) {
  if (!(error instanceof WrongKeyError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(78);
}
const app = await startBrowserMode({
  core,
  port: Number(values.port),
  rendererDir: path.join(desktopDir, 'dist/renderer'),
  bridgeScript: path.join(desktopDir, 'dist/web/bridge.js'),
  log,
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
