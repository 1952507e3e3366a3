#!/usr/bin/env node
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createSyncServer } from './server.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(78); // EX_CONFIG
}

const log = createLogger(config.logLevel);
const server = createSyncServer(config, log);
await server.listen();

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    void server.close().then(() => {
      log.info('stopped');
      process.exit(0);
    });
  });
}
