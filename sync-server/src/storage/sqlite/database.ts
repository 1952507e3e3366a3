import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how far a
 * database has come. Never edit a released migration: add one.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;

  CREATE TABLE document_updates (
    document_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (document_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE document_snapshots (
    document_id TEXT PRIMARY KEY,
    state BLOB NOT NULL,
    last_seq INTEGER NOT NULL,
    updated_at TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    owning_unit_id TEXT NOT NULL,
    classification TEXT NOT NULL CHECK (classification IN ('internal', 'external')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE document_shares (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    principal_type TEXT NOT NULL CHECK (principal_type IN ('user', 'unit')),
    principal_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'commenter', 'reader')),
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (document_id, principal_type, principal_id)
  ) WITHOUT ROWID;
  CREATE INDEX document_shares_by_principal ON document_shares (principal_type, principal_id);

  CREATE TABLE directory_units (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id TEXT,
    uscc TEXT
  ) WITHOUT ROWID;

  CREATE TABLE directory_people (
    user_id TEXT PRIMARY KEY,
    person TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    refresh_hash BLOB NOT NULL,
    previous_refresh_hash BLOB,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX sessions_by_expiry ON sessions (expires_at);
  `,
  // Yjs client IDs owned by users (sync/client-owners.ts); written in the same transaction as the log rows that claim them.
  `
  CREATE TABLE document_client_owners (
    document_id TEXT NOT NULL,
    client_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (document_id, client_id)
  ) WITHOUT ROWID;
  `,
  // The directory's search index (directory/search-index.ts), derived from directory_units and directory_people at
  // every import; a database that had a directory before gets its index when it is next opened.
  `
  CREATE TABLE dir_units (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    parent INTEGER,
    name TEXT NOT NULL,
    full_name TEXT NOT NULL,
    depth INTEGER NOT NULL,
    last_unit INTEGER NOT NULL,
    first_person INTEGER NOT NULL,
    last_person INTEGER NOT NULL
  );
  CREATE TABLE dir_people (
    n INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE,
    class TEXT NOT NULL,
    name TEXT NOT NULL,
    unit INTEGER,
    title TEXT,
    initials TEXT NOT NULL
  );
  CREATE TABLE dir_search (
    term TEXT NOT NULL,
    rank INTEGER NOT NULL,
    person INTEGER NOT NULL,
    PRIMARY KEY (term, rank, person)
  ) WITHOUT ROWID;
  `,
];

/**
 * Opens the sync-server database: WAL, and synchronous=FULL so that a commit
 * has reached the disk before the server tells anyone about it.
 */
export function openDatabase(file: string): SqliteDatabase {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Text people delete, and the log rows compaction removes, are overwritten on disk rather than left in free pages.
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`the database schema (version ${current}) is newer than this sync-server (${MIGRATIONS.length}); refusing to open it`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
