#!/usr/bin/env node
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createSyncServer } from './server.ts';
import { DirectoryImportError } from './directory/directory-service.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(78); // EX_CONFIG
}

const log = createLogger(config.logLevel);
let server;
try {
  server = await createSyncServer(config, log);
} catch (error) {
  if (!(error instanceof DirectoryImportError)) throw error;
  log.fatal(error.message);
  process.exit(78);
}
await server.listen();

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // A second signal while stopping, or a stop that hangs, ends the process anyway.
    setTimeout(() => process.exit(1), 15_000).unref();
    void server.close().then(() => {
      log.info('stopped');
      process.exit(0);
    });
  });
}
