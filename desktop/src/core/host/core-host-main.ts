/**
 * Entry of the core process: Electron main starts it with utilityProcess.fork
 * (desktop/dist/core/core-host.cjs), so a crash in SQLite or in a sync
 * connection takes down this process, not the windows, and the main thread
 * never waits on a query. Plain Node: Electron provides `process.parentPort`
 * in a utility process, and nothing here imports electron.
 */
import path from 'node:path';
import { createCore } from '../core.ts';
import { WrongKeyError } from '../store/local-store.ts';
import { serveCore, type HostPort } from './core-host.ts';

const port = (process as NodeJS.Process & { parentPort?: HostPort | null }).parentPort;
if (!port) {
  process.stderr.write('core-host: no parent port; this file runs only as an Electron utility process\n');
  process.exit(1);
}

// This file runs as desktop/dist/core/core-host.cjs; the compaction worker is bundled beside it.
const compactionWorker = path.join(__dirname, 'compaction-worker.cjs');
const log = (message: string, details?: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ process: 'core', message, ...details })}\n`);

serveCore(port, {
  createCore: (options) => createCore({ ...options, compactionWorker, log }),
  isWrongKeyError: (error) => error instanceof WrongKeyError,
  exit: (code) => process.exit(code),
  log,
});
