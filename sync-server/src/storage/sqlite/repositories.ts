import { randomBytes } from 'node:crypto';
import { Person, type Directory, type DirectorySearchResult, type DocumentRole, type SharePrincipal, type Unit } from '@govdesk/shared';
import { createDirectorySearch, writeSearchIndex } from '../../directory/search-index.ts';
import type { DirectoryRepository, DocumentRecord, DocumentRepository, SessionRecord, SessionRepository, ShareRecord } from '../types.ts';
import type { SqliteDatabase } from './database.ts';

interface DocumentRow {
  id: string;
  title: string;
  doc_type: string;
  owning_unit_id: string;
  classification: string;
  created_by: string;
  created_at: string;
}

interface ShareRow {
  document_id: string;
  principal_type: 'user' | 'unit';
  principal_id: string;
  role: string;
  granted_by: string;
  granted_at: string;
}

const toDocument = (row: DocumentRow): DocumentRecord => ({
  id: row.id,
  title: row.title,
  docType: row.doc_type as DocumentRecord['docType'],
  owningUnitId: row.owning_unit_id,
  classification: row.classification as DocumentRecord['classification'],
  createdBy: row.created_by,
  createdAt: row.created_at,
});

const principalOf = (row: ShareRow): SharePrincipal => (row.principal_type === 'user' ? { type: 'user', userId: row.principal_id } : { type: 'unit', unitId: row.principal_id });
const principalId = (principal: SharePrincipal) => (principal.type === 'user' ? principal.userId : principal.unitId);

const toShare = (row: ShareRow): ShareRecord => ({
  documentId: row.document_id,
  principal: principalOf(row),
  role: row.role as DocumentRole,
  grantedBy: row.granted_by,
  grantedAt: row.granted_at,
});

export class SqliteDocumentRepository implements DocumentRepository {
  readonly #db: SqliteDatabase;
  readonly #insertDocument;
  readonly #selectDocument;
  readonly #selectShares;
  readonly #upsertShare;
  readonly #deleteShare;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insertDocument = db.prepare('INSERT INTO documents (id, title, doc_type, owning_unit_id, classification, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#selectDocument = db.prepare<[string], DocumentRow>('SELECT * FROM documents WHERE id = ?');
    this.#selectShares = db.prepare<[string], ShareRow>('SELECT * FROM document_shares WHERE document_id = ? ORDER BY granted_at, principal_type, principal_id');
    this.#upsertShare = db.prepare(
      'INSERT INTO document_shares (document_id, principal_type, principal_id, role, granted_by, granted_at) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (document_id, principal_type, principal_id) DO UPDATE SET role = excluded.role, granted_by = excluded.granted_by, granted_at = excluded.granted_at',
    );
    this.#deleteShare = db.prepare('DELETE FROM document_shares WHERE document_id = ? AND principal_type = ? AND principal_id = ?');
  }

  #insertShare(share: ShareRecord): void {
    this.#upsertShare.run(share.documentId, share.principal.type, principalId(share.principal), share.role, share.grantedBy, share.grantedAt);
  }

  async create(document: DocumentRecord, ownerShare: ShareRecord): Promise<void> {
    this.#db.transaction(() => {
      this.#insertDocument.run(document.id, document.title, document.docType, document.owningUnitId, document.classification, document.createdBy, document.createdAt);
      this.#insertShare(ownerShare);
    })();
  }

  async get(id: string): Promise<DocumentRecord | null> {
    const row = this.#selectDocument.get(id);
    return row ? toDocument(row) : null;
  }

  async shares(documentId: string): Promise<ShareRecord[]> {
    return this.#selectShares.all(documentId).map(toShare);
  }

  async listShared(userId: string, unitIds: readonly string[]): Promise<DocumentRecord[]> {
    const units = JSON.stringify(unitIds);
    const rows = this.#db
      .prepare<[string, string], DocumentRow>(
        'SELECT DISTINCT d.* FROM documents d JOIN document_shares s ON s.document_id = d.id ' +
          "WHERE (s.principal_type = 'user' AND s.principal_id = ?) OR (s.principal_type = 'unit' AND s.principal_id IN (SELECT value FROM json_each(?))) " +
          'ORDER BY d.created_at DESC, d.id',
      )
      .all(userId, units);
    return rows.map(toDocument);
  }

  async putShare(share: ShareRecord, guard: (shares: ShareRecord[]) => void): Promise<void> {
    this.#db.transaction(() => {
      this.#insertShare(share);
      guard(this.#selectShares.all(share.documentId).map(toShare));
    })();
  }

  async deleteShare(documentId: string, principal: SharePrincipal, guard: (remaining: ShareRecord[]) => void): Promise<boolean> {
    return this.#db.transaction(() => {
      const { changes } = this.#deleteShare.run(documentId, principal.type, principalId(principal));
      if (changes === 0) return false;
      guard(this.#selectShares.all(documentId).map(toShare));
      return true;
    })();
  }
}

export class SqliteDirectoryRepository implements DirectoryRepository {
  readonly #db: SqliteDatabase;
  readonly #search: (query: string, limit: number) => DirectorySearchResult;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#search = createDirectorySearch(db);
  }

  /** Indexes a directory imported before the index existed (an upgraded database). */
  async open(): Promise<void> {
    const indexed = this.#db.prepare('SELECT 1 FROM dir_units UNION ALL SELECT 1 FROM dir_people LIMIT 1').get();
    const held = this.#db.prepare('SELECT 1 FROM directory_units UNION ALL SELECT 1 FROM directory_people LIMIT 1').get();
    if (held && !indexed) {
      const directory = await this.load();
      this.#db.transaction(() => writeSearchIndex(this.#db, directory))();
    }
  }

  async search(query: string, limit: number): Promise<DirectorySearchResult> {
    return this.#search(query, limit);
  }

  async replace(directory: Directory): Promise<void> {
    const insertUnit = this.#db.prepare('INSERT INTO directory_units (id, name, parent_id, uscc) VALUES (?, ?, ?, ?)');
    const insertPerson = this.#db.prepare('INSERT INTO directory_people (user_id, person) VALUES (?, ?)');
    this.#db.transaction(() => {
      this.#db.exec('DELETE FROM directory_units; DELETE FROM directory_people;');
      for (const unit of directory.units) insertUnit.run(unit.id, unit.name, unit.parentId, unit.uscc ?? null);
      for (const person of directory.people) insertPerson.run(person.userId, JSON.stringify(person));
      writeSearchIndex(this.#db, directory);
    })();
  }

  async load(): Promise<{ units: Unit[]; people: Person[] }> {
    const units = this.#db
      .prepare<[], { id: string; name: string; parent_id: string | null; uscc: string | null }>('SELECT * FROM directory_units ORDER BY id')
      .all()
      .map((row) => ({ id: row.id, name: row.name, parentId: row.parent_id, ...(row.uscc ? { uscc: row.uscc } : {}) }));
    // Rows were validated when imported; parse again so a hand-edited database cannot smuggle in a bad record.
    const people = this.#db
      .prepare<[], { person: string }>('SELECT person FROM directory_people ORDER BY user_id')
      .all()
      .map((row) => Person.parse(JSON.parse(row.person)));
    return { units, people };
  }
}

interface SessionRow {
  id: string;
  user_id: string;
  refresh_hash: Buffer;
  previous_refresh_hash: Buffer | null;
  created_at: number;
  expires_at: number;
}

export class SqliteSessionRepository implements SessionRepository {
  readonly #insert;
  readonly #select;
  readonly #rotate;
  readonly #delete;
  readonly #deleteExpired;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare('INSERT INTO sessions (id, user_id, refresh_hash, previous_refresh_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.#select = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
    this.#rotate = db.prepare('UPDATE sessions SET previous_refresh_hash = refresh_hash, refresh_hash = ?, expires_at = ? WHERE id = ? AND refresh_hash = ?');
    this.#delete = db.prepare('DELETE FROM sessions WHERE id = ?');
    this.#deleteExpired = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');
  }

  async create(session: SessionRecord): Promise<void> {
    this.#insert.run(session.id, session.userId, session.refreshHash, session.previousRefreshHash, session.createdAt, session.expiresAt);
  }

  async get(id: string): Promise<SessionRecord | null> {
    const row = this.#select.get(id);
    return row
      ? { id: row.id, userId: row.user_id, refreshHash: row.refresh_hash, previousRefreshHash: row.previous_refresh_hash, createdAt: row.created_at, expiresAt: row.expires_at }
      : null;
  }

  async rotate(id: string, expectedHash: Buffer, nextHash: Buffer, expiresAt: number): Promise<boolean> {
    return this.#rotate.run(nextHash, expiresAt, id, expectedHash).changes === 1;
  }

  async delete(id: string): Promise<void> {
    this.#delete.run(id);
  }

  async deleteExpired(now: number): Promise<number> {
    return this.#deleteExpired.run(now).changes;
  }
}

export function sessionKeyFrom(db: SqliteDatabase): Buffer {
  return db.transaction(() => {
    const existing = db.prepare<[], { value: Buffer }>("SELECT value FROM meta WHERE key = 'session_key'").get();
    if (existing) return existing.value;
    const key = randomBytes(32);
    db.prepare("INSERT INTO meta (key, value) VALUES ('session_key', ?)").run(key);
    return key;
  }).immediate();
}
