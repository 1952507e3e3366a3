import path from 'node:path';
import type { Storage } from '../types.ts';
import { SqliteContentStore } from './content-store.ts';
import { openDatabase } from './database.ts';
import { SqliteDirectoryRepository, SqliteDocumentRepository, SqliteSessionRepository, sessionKeyFrom } from './repositories.ts';

/** The default storage: one SQLite file, `<dataDir>/sync-server.db`. */
export function openSqliteStorage(dataDir: string): Storage {
  const file = path.join(dataDir, 'sync-server.db');
  const db = openDatabase(file);
  const content = new SqliteContentStore(db, file);
  return {
    content,
    documents: new SqliteDocumentRepository(db),
    directory: new SqliteDirectoryRepository(db),
    sessions: new SqliteSessionRepository(db),
    sessionKey: async () => sessionKeyFrom(db),
    async close() {
      await content.close();
      db.close();
    },
  };
}
