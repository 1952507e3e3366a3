import type { Classification, Directory, DirectorySearchResult, DocTypeId, DocumentRole, Person, SharePrincipal, Unit } from '@govdesk/shared';

/**
 * What the sync-server keeps, behind interfaces so that a PostgreSQL backend
 * can be added without touching the protocol or the HTTP code. Every method is
 * async although the SQLite implementation answers synchronously.
 */

/** The Yjs content of documents: an append-only update log plus a compacted snapshot. */
export interface ContentStore {
  /** Snapshot and the updates logged after it, read consistently. */
  load(documentId: string): Promise<StoredContent>;
  /** Appends every entry and records every client-ID claim in one transaction; resolves once it is durable (fsync'ed). */
  append(entries: readonly LogEntry[], claims?: readonly ClientIdClaim[]): Promise<void>;
  /** Merges the log up to `upToSeq` into the snapshot, off the calling thread, and deletes the merged entries. */
  compact(documentId: string, upToSeq: number): Promise<CompactionResult>;
  close(): Promise<void>;
}

export interface StoredContent {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  /** The sequence number of the last logged update (0 for a new document). */
  lastSeq: number;
  /** Entries and bytes in the log, to decide when to compact. */
  logCount: number;
  logBytes: number;
  /** Who owns which Yjs client ID of the document. */
  owners: { clientId: number; userId: string }[];
}

/** A user took a Yjs client ID of a document (sync/client-owners.ts). */
export interface ClientIdClaim {
  documentId: string;
  clientId: number;
  userId: string;
}

export interface LogEntry {
  documentId: string;
  seq: number;
  update: Uint8Array;
}

export interface CompactionResult {
  mergedUpdates: number;
  logBytesBefore: number;
  snapshotBytes: number;
  durationMs: number;
}

export interface DocumentRecord {
  id: string;
  title: string;
  docType: DocTypeId;
  owningUnitId: string;
  classification: Classification;
  createdBy: string;
  createdAt: string;
}

export interface ShareRecord {
  documentId: string;
  principal: SharePrincipal;
  role: DocumentRole;
  grantedBy: string;
  grantedAt: string;
}

export interface DocumentRepository {
  /** Creates the document and its first owner share atomically. */
  create(document: DocumentRecord, ownerShare: ShareRecord): Promise<void>;
  get(id: string): Promise<DocumentRecord | null>;
  shares(documentId: string): Promise<ShareRecord[]>;
  /** Documents with a share to the user or to one of the units. */
  listShared(userId: string, unitIds: readonly string[]): Promise<DocumentRecord[]>;
  /** Inserts or replaces the share of `share.principal`; `guard` runs inside the transaction with the new share list and may throw to abort. */
  putShare(share: ShareRecord, guard: (shares: ShareRecord[]) => void): Promise<void>;
  /** Deletes the share; `guard` runs inside the transaction with the remaining shares. Resolves false when there was none. */
  deleteShare(documentId: string, principal: SharePrincipal, guard: (remaining: ShareRecord[]) => void): Promise<boolean>;
}

export interface DirectoryRepository {
  /** Makes the search index if the stored directory has none (a database from before it); called once at start. */
  open(): Promise<void>;
  /** Replaces the directory and its search index with `directory` (an import from the operator's files), at once. */
  replace(directory: Directory): Promise<void>;
  load(): Promise<{ units: Unit[]; people: Person[] }>;
  /** People and units by name, pinyin initials or unit name, best matches first (directory/search-index.ts). */
  search(query: string, limit: number): Promise<DirectorySearchResult>;
}

export interface SessionRecord {
  id: string;
  userId: string;
  refreshHash: Buffer;
  previousRefreshHash: Buffer | null;
  createdAt: number;
  expiresAt: number;
}

export interface SessionRepository {
  create(session: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  /** Rotates the refresh token only if `expectedHash` is still current (compare-and-set); false otherwise. */
  rotate(id: string, expectedHash: Buffer, nextHash: Buffer, expiresAt: number): Promise<boolean>;
  delete(id: string): Promise<void>;
  deleteExpired(now: number): Promise<number>;
}

export interface Storage {
  content: ContentStore;
  documents: DocumentRepository;
  directory: DirectoryRepository;
  sessions: SessionRepository;
  /** A 32-byte secret kept with the data, for signing sessions when none is configured. */
  sessionKey(): Promise<Buffer>;
  close(): Promise<void>;
}
