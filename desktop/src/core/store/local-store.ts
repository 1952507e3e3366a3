import { Compactor, type WorkerLocation } from './compactor.ts';
import { DocumentCache } from './document-cache.ts';
import { DocumentLog } from './document-log.ts';
import { openCacheDatabase, type CacheDatabase } from './database.ts';
import { MatrixCache } from './matrix-cache.ts';
import { Outbox } from './outbox.ts';
import { Search } from './search.ts';
import { KeyValueTable } from './settings.ts';
import { SyncClocks } from './sync-clocks.ts';

export { WrongKeyError } from './database.ts';

/**
 * Core's offline store: one encrypted SQLite file (SQLCipher) holding the
 * Yjs replicas, sync clocks, the document list, the Matrix cache, the outbox,
 * settings and (in browser mode) secrets, with full-text search over them.
 */
export class LocalStore {
  readonly db: CacheDatabase;
  readonly file: string;
  /** Where a damaged cache was moved at open, if it was; everything is fetched again from the servers. */
  readonly quarantined: string | null;
  readonly settings: KeyValueTable;
  readonly secrets: KeyValueTable;
  readonly documentLog: DocumentLog;
  readonly syncClocks: SyncClocks;
  readonly documents: DocumentCache;
  readonly matrix: MatrixCache;
  readonly outbox: Outbox;
  readonly search: Search;
  /** Merges document logs into snapshots in a worker thread. */
  readonly compactor: Compactor;

  constructor(dataDir: string, key: Uint8Array, compactionWorker?: WorkerLocation) {
    const opened = openCacheDatabase(dataDir, key);
    this.db = opened.db;
    this.file = opened.file;
    this.quarantined = opened.quarantined;
    this.settings = new KeyValueTable(this.db, 'settings');
    this.secrets = new KeyValueTable(this.db, 'secrets');
    this.documentLog = new DocumentLog(this.db);
    this.syncClocks = new SyncClocks(this.db);
    this.documents = new DocumentCache(this.db);
    this.matrix = new MatrixCache(this.db);
    this.outbox = new Outbox(this.db);
    this.search = new Search(this.db);
    this.compactor = new Compactor(dataDir, key, compactionWorker);
  }

  secret(name: string): string | null {
    return this.secrets.getRaw(name);
  }

  setSecret(name: string, value: string): void {
    this.secrets.setRaw(name, value);
  }

  deleteSecret(name: string): void {
    this.secrets.delete(name);
  }

  close(): void {
    void this.compactor.close();
    if (this.db.open) this.db.close();
  }
}

/** Opens (creating it if needed) the cache in `dataDir`; throws WrongKeyError without touching anything when the key is wrong. */
export function openLocalStore(dataDir: string, key: Uint8Array, compactionWorker?: WorkerLocation): LocalStore {
  return new LocalStore(dataDir, key, compactionWorker);
}
