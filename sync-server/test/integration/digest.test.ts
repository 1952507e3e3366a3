import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { base64ToBytes, contentDigest, DocumentDigest, type SessionTokens } from '@govdesk/shared';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, UNITS, type TestOrganisation } from '../../../test/support/organisation.ts';
import { api, login, metric, startSyncServer, type SyncServerProcess } from '../../../test/support/sync-server.ts';
import { stockClient, type StockClient } from '../../../test/support/yjs-clients.ts';

/**
 * GET /api/documents/:id/digest against a real server process: the digest of
 * what the server's copy shows and the snapshot it shows it at, from memory
 * while the document is loaded and from the store (snapshot + log) once it is
 * not, for every role and for nobody else.
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
let server: SyncServerProcess;
const sessions: Record<'zhang' | 'li' | 'wang', SessionTokens> = {} as never;
const clients: StockClient[] = [];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
  // Documents unload soon after their last client leaves, and the log is compacted often, so both ways of reading are exercised.
  server = await startSyncServer({ homeserver, directory: org.directory, env: { GOVDESK_SYNC_UNLOAD_AFTER_MS: '100', GOVDESK_SYNC_COMPACT_AFTER_UPDATES: '5' } });
  for (const name of ['zhang', 'li', 'wang'] as const) sessions[name] = await login(server, homeserver, org[name]);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await server.stop();
});

async function digestOf(session: SessionTokens | null, documentId: string): Promise<{ status: number; body: DocumentDigest }> {
  const { status, body } = await api(server, session?.accessToken ?? null, 'GET', `/api/documents/${encodeURIComponent(documentId)}/digest`);
  if (status === 200) DocumentDigest.parse(body);
  return { status, body: body as DocumentDigest };
}

const sameSnapshot = (answer: DocumentDigest, doc: Y.Doc) => Y.equalSnapshots(Y.decodeSnapshot(base64ToBytes(answer.snapshot)), Y.snapshot(doc));

describe('the document digest', () => {
  it('describes the server’s copy, loaded or stored, to every role and to nobody else', async () => {
    const created = await api(server, sessions.zhang.accessToken, 'POST', '/api/documents', { title: '关于做好2026年防汛工作的通知', docType: 'notice', owningUnitId: UNITS.secretariat, classification: 'internal' });
    expect(created.status).toBe(201);
    const documentId = created.body.id as string;
    expect((await api(server, sessions.zhang.accessToken, 'PUT', `/api/documents/${documentId}/shares`, { principal: { type: 'user', userId: org.li.userId }, role: 'reader' })).status).toBe(200);

    const empty = await digestOf(sessions.zhang, documentId);
    expect(empty.status).toBe(200);
    expect(empty.body.digest).toBe(contentDigest(new Y.Doc()));

    const client = stockClient(server.wsUrl, documentId, sessions.zhang.accessToken);
    clients.push(client);
    await client.synced;
    // Several updates, so that the stored copy is a compacted snapshot plus a log.
    for (const [index, line] of ['一、总体要求', '二、工作重点', '三、保障措施'].entries()) {
      client.text.insert(client.text.length, `${line}\n`);
      client.text.format(0, 2 + index, { bold: true });
    }
    client.doc.getMap('meta').set('docNumber', '粤府办〔2026〕12号');
    client.doc.getXmlFragment('body').insert(0, [new Y.XmlElement('paragraph')]);
    client.text.delete(0, 3);

    // Loaded: once the server holds everything the client wrote, both show the same.
    await expect.poll(async () => sameSnapshot((await digestOf(sessions.zhang, documentId)).body, client.doc)).toBe(true);
    const live = await digestOf(sessions.zhang, documentId);
    expect(live.body.digest).toBe(contentDigest(client.doc));
    expect(live.body.digest).not.toBe(empty.body.digest);
    // A reader reads the same; someone without a right, a bad ID and no session learn nothing.
    expect(await digestOf(sessions.li, documentId)).toEqual(live);
    expect((await digestOf(sessions.wang, documentId)).status).toBe(404);
    expect((await digestOf(sessions.zhang, 'd_no-such-document')).status).toBe(404);
    expect((await digestOf(sessions.zhang, 'not an id')).status).toBe(404);
    expect((await digestOf(null, documentId)).status).toBe(401);

    // Stored: the last client leaves, the document unloads, and the answer comes from the snapshot and the log.
    await expect.poll(() => metric(server, 'govdesk_sync_compactions_total', { outcome: 'ok' })).toBeGreaterThan(0);
    client.destroy();
    await expect.poll(() => metric(server, 'govdesk_sync_documents_loaded')).toBe(0);
    expect(await digestOf(sessions.li, documentId)).toEqual(live);
    expect(await metric(server, 'govdesk_sync_documents_loaded')).toBe(0);
  });

  it('is in the OpenAPI document', async () => {
    const { body } = await api(server, null, 'GET', '/api/openapi.json');
    expect(body.paths['/api/documents/{id}/digest'].get).toMatchObject({ operationId: 'getDocumentDigest', security: [{ session: [] }] });
  });
});
