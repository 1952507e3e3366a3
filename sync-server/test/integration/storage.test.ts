import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { SessionTokens } from '@govdesk/shared';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, type TestOrganisation } from '../../../test/support/organisation.ts';
import { createSharedDocument, login, metric, startSyncServer, type SyncServerProcess } from '../../../test/support/sync-server.ts';
import { stockClient, type StockClient } from '../../../test/support/yjs-clients.ts';

/**
 * Durability and compaction, checked from outside: stock clients write, the
 * server is stopped (gracefully or with SIGKILL) and started again on the same
 * data directory, and the SQLite file itself is read (read-only) to see that
 * the update log stays bounded.
 */

const homeserver = testHomeserver();
const COMPACT_AFTER = 20;
let org: TestOrganisation;
const servers: SyncServerProcess[] = [];
const clients: StockClient[] = [];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all(servers.map((server) => server.stop()));
});

async function start(env: Record<string, string>, previous?: SyncServerProcess): Promise<{ server: SyncServerProcess; zhang: SessionTokens; li: SessionTokens }> {
  const server = await startSyncServer({ homeserver, directory: org.directory, env, ...(previous ? { dataDir: previous.dataDir, port: previous.port } : {}) });
  servers.push(server);
  return { server, zhang: await login(server, homeserver, org.zhang), li: await login(server, homeserver, org.li) };
}

const newDocument = (server: SyncServerProcess, zhang: SessionTokens) => createSharedDocument(server, zhang, [[org.li.userId, 'editor']]);

function connect(server: SyncServerProcess, documentId: string, session: SessionTokens): StockClient {
  const client = stockClient(server.wsUrl, documentId, session.accessToken);
  clients.push(client);
  return client;
}

/** Writes `count` separate updates (one transaction each, as typing does) and waits until the other client has them all. */
async function type(writer: StockClient, observer: StockClient, count: number, label: string): Promise<void> {
  for (let i = 0; i < count; i++) writer.text.insert(writer.text.length, `${label}${i}；`);
  // The server sends an update on only once it is durable: when the observer has everything, so has the disk.
  await expect.poll(() => observer.text.toString(), { timeout: 10_000 }).toBe(writer.text.toString());
}

/** The document as a fresh client syncs it from the server: text and exact Yjs state. */
async function fromServer(server: SyncServerProcess, documentId: string, session: SessionTokens): Promise<Y.Doc> {
  const client = connect(server, documentId, session);
  await client.synced;
  return client.doc;
}

function expectSameDocument(actual: Y.Doc, expected: Y.Doc): void {
  expect(actual.getText('content').toString()).toBe(expected.getText('content').toString());
  expect(Y.decodeStateVector(Y.encodeStateVector(actual))).toEqual(Y.decodeStateVector(Y.encodeStateVector(expected)));
}

/** What the server has on disk for a document, read from the SQLite file without writing to it. */
function onDisk(server: SyncServerProcess, documentId: string): { updates: number[]; snapshot: { lastSeq: number; bytes: number } | null } {
  const db = new Database(path.join(server.dataDir, 'sync-server.db'), { readonly: true, fileMustExist: true });
  try {
    const updates = db.prepare<[string], { seq: number }>('SELECT seq FROM document_updates WHERE document_id = ? ORDER BY seq').all(documentId);
    const snapshot = db.prepare<[string], { last_seq: number; bytes: number }>('SELECT last_seq, length(state) AS bytes FROM document_snapshots WHERE document_id = ?').get(documentId);
    return { updates: updates.map((row) => row.seq), snapshot: snapshot ? { lastSeq: snapshot.last_seq, bytes: snapshot.bytes } : null };
  } finally {
    db.close();
  }
}

/** Every stored blob of a document (snapshot and log rows) that contains `text`, read from the SQLite file. */
function storedRowsContaining(server: SyncServerProcess, documentId: string, text: string): number {
  const db = new Database(path.join(server.dataDir, 'sync-server.db'), { readonly: true, fileMustExist: true });
  try {
    const needle = Buffer.from(text);
    const blobs = [
      ...db.prepare<[string], { data: Buffer }>('SELECT data FROM document_updates WHERE document_id = ?').all(documentId),
      ...db.prepare<[string], { data: Buffer }>('SELECT state AS data FROM document_snapshots WHERE document_id = ?').all(documentId),
    ];
    return blobs.filter((row) => row.data.includes(needle)).length;
  } finally {
    db.close();
  }
}

describe('durable storage', () => {
  it('keeps no deleted text once the log is compacted', async () => {
    const { server, zhang, li } = await start({ GOVDESK_SYNC_COMPACT_AFTER_UPDATES: String(COMPACT_AFTER) });
    const documentId = await newDocument(server, zhang);
    const writer = connect(server, documentId, zhang);
    const observer = connect(server, documentId, li);
    await Promise.all([writer.synced, observer.synced]);
    const withdrawn = '此段为误贴的内部意见，已删除';
    writer.text.insert(0, withdrawn);
    await expect.poll(() => observer.text.toString()).toBe(withdrawn);
    expect(storedRowsContaining(server, documentId, withdrawn)).toBe(1);
    writer.text.delete(0, withdrawn.length);
    await type(writer, observer, 2 * COMPACT_AFTER, '正文');
    await expect.poll(() => onDisk(server, documentId).snapshot !== null).toBe(true);
    await expect.poll(() => storedRowsContaining(server, documentId, withdrawn)).toBe(0);
    expect(observer.text.toString()).not.toContain('误贴');
  });

  it('compacts the log in the background so it stays bounded, and a restart (graceful, then SIGKILL) yields exactly what the clients had', async () => {
    let { server, zhang, li } = await start({ GOVDESK_SYNC_COMPACT_AFTER_UPDATES: String(COMPACT_AFTER) });
    const documentId = await newDocument(server, zhang);
    const writer = connect(server, documentId, zhang);
    const observer = connect(server, documentId, li);
    await Promise.all([writer.synced, observer.synced]);

    // Five waves of edits, each twice the threshold: each wave is compacted away behind the writer.
    for (let wave = 0; wave < 5; wave++) {
      await type(writer, observer, 2 * COMPACT_AFTER, `第${wave}-`);
      // Compaction runs in a worker behind the writer; on a busy machine it may take a few seconds to catch up.
      await expect.poll(() => metric(server, 'govdesk_sync_compactions_total', { outcome: 'ok' }), { timeout: 10_000 }).toBeGreaterThanOrEqual(wave + 1);
      await expect.poll(() => onDisk(server, documentId).updates.length, { timeout: 10_000 }).toBeLessThan(COMPACT_AFTER);
    }
    expect(await metric(server, 'govdesk_sync_compactions_total', { outcome: 'failed' })).toBe(0);
    // A few more after the last compaction, so that the restart has a snapshot and a log to load (a compaction still catching up with the last wave may take the first few along).
    let written = 10 * COMPACT_AFTER;
    do {
      await type(writer, observer, 3, `续${written}`);
      written += 3;
      // Compaction runs behind the writer: the log is bounded once it has caught up.
      await expect.poll(() => onDisk(server, documentId).updates.length, { timeout: 10_000 }).toBeLessThan(2 * COMPACT_AFTER);
    } while (onDisk(server, documentId).updates.length < 3 && written < 10 * COMPACT_AFTER + 30);

    const disk = onDisk(server, documentId);
    // The log holds only the updates since the last compaction, the snapshot the rest.
    expect(disk.snapshot).not.toBeNull();
    expect(disk.updates.length).toBeGreaterThanOrEqual(3);
    expect(disk.updates.length).toBeLessThan(2 * COMPACT_AFTER);
    // Every update logged once, none lost in between: the log continues the snapshot without a gap or an overlap.
    const lastSeq = disk.snapshot?.lastSeq ?? 0;
    expect(disk.updates).toEqual(Array.from({ length: written - lastSeq }, (_, i) => lastSeq + 1 + i));

    // Graceful restart. The clients are kept from reconnecting meanwhile: they would send back anything the server lost.
    writer.provider.disconnect();
    observer.provider.disconnect();
    expect(await server.stop()).toBe(0);
    ({ server, zhang } = await start({ GOVDESK_SYNC_COMPACT_AFTER_UPDATES: String(COMPACT_AFTER) }, server));
    expectSameDocument(await fromServer(server, documentId, zhang), writer.doc);

    // The same clients carry on (their sessions survive the restart), crossing the threshold again.
    writer.provider.connect();
    observer.provider.connect();
    await expect.poll(() => writer.provider.synced && observer.provider.synced).toBe(true);
    await type(writer, observer, 2 * COMPACT_AFTER + 7, '再');

    // A crash: no chance to flush or close anything.
    expect(await server.stop('SIGKILL')).toBeNull();
    writer.provider.disconnect();
    observer.provider.disconnect();
    ({ server, zhang, li } = await start({ GOVDESK_SYNC_COMPACT_AFTER_UPDATES: String(COMPACT_AFTER) }, server));
    const recovered = await fromServer(server, documentId, zhang);
    expectSameDocument(recovered, writer.doc);
    expect(recovered.getText('content').toString()).toContain('第0-0；');
    expect(recovered.getText('content').toString()).toContain(`再${2 * COMPACT_AFTER + 6}；`);

    // Whatever the crash left in the log (a compaction may have been under way) is compacted after the load.
    await expect.poll(() => onDisk(server, documentId).updates.length).toBeLessThan(COMPACT_AFTER);
    expectSameDocument(await fromServer(server, documentId, li), writer.doc);
  });

  it('compacts a document whose log grew long under a laxer setting as soon as it is loaded', async () => {
    const lax = await start({ GOVDESK_SYNC_COMPACT_AFTER_UPDATES: '100000' });
    let { server, li } = lax;
    const { zhang } = lax;
    const documentId = await newDocument(server, zhang);
    const writer = connect(server, documentId, zhang);
    const observer = connect(server, documentId, li);
    await Promise.all([writer.synced, observer.synced]);
    await type(writer, observer, 5 * COMPACT_AFTER, '条');
    expect(onDisk(server, documentId)).toMatchObject({ snapshot: null, updates: { length: 5 * COMPACT_AFTER } });
    writer.provider.disconnect();
    observer.provider.disconnect();

    expect(await server.stop()).toBe(0);
    ({ server, li } = await start({ GOVDESK_SYNC_COMPACT_AFTER_UPDATES: String(COMPACT_AFTER) }, server));
    expectSameDocument(await fromServer(server, documentId, li), writer.doc);
    await expect.poll(() => metric(server, 'govdesk_sync_compactions_total', { outcome: 'ok' })).toBe(1);
    await expect.poll(() => onDisk(server, documentId).updates.length).toBe(0);
    expect(onDisk(server, documentId).snapshot?.lastSeq).toBe(5 * COMPACT_AFTER);
  });

  it('unloads a document after its last client left, and loads it again intact', async () => {
    const { server, zhang, li } = await start({ GOVDESK_SYNC_UNLOAD_AFTER_MS: '200', GOVDESK_SYNC_COMPACT_AFTER_UPDATES: String(COMPACT_AFTER) });
    const documentId = await newDocument(server, zhang);
    const writer = connect(server, documentId, zhang);
    const observer = connect(server, documentId, li);
    await Promise.all([writer.synced, observer.synced]);
    await type(writer, observer, COMPACT_AFTER + 5, '项');
    expect(await metric(server, 'govdesk_sync_documents_loaded')).toBe(1);

    writer.provider.disconnect();
    observer.provider.disconnect();
    await expect.poll(() => metric(server, 'govdesk_sync_connections')).toBe(0);
    await expect.poll(() => metric(server, 'govdesk_sync_documents_loaded')).toBe(0);

    const again = await fromServer(server, documentId, li);
    expect(await metric(server, 'govdesk_sync_documents_loaded')).toBe(1);
    expectSameDocument(again, writer.doc);

    // And it keeps working: an edit after the reload reaches the writer when it comes back.
    again.getText('content').insert(0, '【修改】');
    writer.provider.connect();
    await expect.poll(() => writer.text.toString().startsWith('【修改】项0；')).toBe(true);
  });
});
