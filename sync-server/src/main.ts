#!/usr/bin/env node
import { loadConfigOrExit } from './config.ts';
import { createLogger } from './logger.ts';
import { createSyncServer } from './server.ts';
import { DirectoryImportError } from './directory/directory-service.ts';

const config = loadConfigOrExit();

const log = createLogger(config.logLevel);
let server;
try {
  server = await createSyncServer(config, log);
} catch (error) {
  // A bad directory file is the operator's configuration (EX_CONFIG); anything else (an unwritable data directory, a
  // database from a newer version) is still reported as one JSON log line rather than a bare stack trace.
  log.fatal({ err: error }, error instanceof DirectoryImportError ? error.message : 'the sync-server could not start');
  process.exit(error instanceof DirectoryImportError ? 78 : 1);
}
try {
  await server.listen();
} catch (error) {
  log.fatal({ err: error, host: config.host, port: config.port }, 'the sync-server could not listen');
  process.exit(1);
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) {
      // A second signal while stopping (Ctrl-C twice) means now: what is not yet durable was never acknowledged.
      log.warn({ signal }, 'stopping at once');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    // A stop that hangs ends the process anyway.
    setTimeout(() => process.exit(1), 15_000).unref();
    server.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.fatal({ err: error }, 'graceful shutdown failed');
        process.exit(1);
      },
    );
  });
}
