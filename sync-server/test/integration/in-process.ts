import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Directory } from '@govdesk/shared';
import type { RunningHomeserver } from '../../../build/homeserver/index.ts';
import type { ServerAddress } from '../../../test/support/sync-server.ts';
import { loadConfig } from '../../src/config.ts';
import type { Feature } from '../../src/feature.ts';
import { createSyncServer, type SyncServer } from '../../src/server.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/storage.ts';
import type { Storage } from '../../src/storage/types.ts';

export interface InProcessServer {
  server: SyncServer;
  /** What the process helpers (api, login, metric) need of a server: its URLs. */
  target: ServerAddress;
  /** Every line the server logged, parsed. */
  logs: Record<string, unknown>[];
}

export interface InProcessOptions {
  homeserver: RunningHomeserver;
  directory: Directory;
  /** GOVDESK_SYNC_* settings. */
  env?: Record<string, string>;
  /** Wraps the real SQLite storage, e.g. to make the disk stall or fail. */
  wrapStorage?: (storage: Storage) => Storage;
  /** Features served besides the server's own. */
  features?: readonly Feature[];
}

/**
 * The real server in this process, on real SQLite storage, for tests that
 * reach inside it: storage that misbehaves, features of the test's own. The
 * test closes it (`server.close()`).
 */
export async function startInProcess(options: InProcessOptions): Promise<InProcessServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'govdesk-sync-'));
  const directoryFile = path.join(dataDir, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(options.directory));
  const config = loadConfig({
    GOVDESK_SYNC_PORT: '0',
    GOVDESK_SYNC_DATA_DIR: dataDir,
    GOVDESK_SYNC_DIRECTORY_FILE: directoryFile,
    GOVDESK_SYNC_HOMESERVERS: JSON.stringify({ [options.homeserver.serverName]: options.homeserver.baseUrl }),
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const storage = openSqliteStorage(dataDir);
  const server = await createSyncServer(config, log, { storage: options.wrapStorage?.(storage) ?? storage, features: options.features });
  const port = await server.listen();
  return { server, target: { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/docs`, port }, logs };
}
