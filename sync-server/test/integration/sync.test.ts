import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { SessionTokens } from '@govdesk/shared';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, UNITS, type TestOrganisation } from '../../../test/support/organisation.ts';
import { api, type JsonBody, login, metric, startSyncServer, type SyncServerProcess, upgradeStatus } from '../../../test/support/sync-server.ts';
import { stockClient, type StockClient } from '../../../test/support/yjs-clients.ts';

/**
 * The sync-server with real processes: a real Synapse issues the OpenID
 * tokens, the server runs as its own process on a real SQLite file, and the
 * clients are unmodified y-websocket WebsocketProviders.
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
let server: SyncServerProcess;
const sessions: Record<'zhang' | 'li' | 'wang' | 'liaison' | 'citizen', SessionTokens> = {} as never;
const clients: StockClient[] = [];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
  server = await startSyncServer({ homeserver, directory: org.directory });
  for (const name of ['zhang', 'li', 'wang', 'liaison', 'citizen'] as const) sessions[name] = await login(server, homeserver, org[name]);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await server.stop();
});

function connect(session: SessionTokens, documentId: string, target = server): StockClient {
  const client = stockClient(target.wsUrl, documentId, session.accessToken);
  clients.push(client);
  return client;
}

async function createDocument(owner: SessionTokens, classification: 'internal' | 'external' = 'internal', title = '关于做好2026年防汛工作的通知'): Promise<string> {
  const { status, body } = await api(server, owner.accessToken, 'POST', '/api/documents', { title, docType: 'notice', owningUnitId: UNITS.secretariat, classification });
  expect(status, JSON.stringify(body)).toBe(201);
  return body.id as string;
}

async function share(owner: SessionTokens, documentId: string, userId: string, role: string): Promise<{ status: number; body: JsonBody }> {
  return api(server, owner.accessToken, 'PUT', `/api/documents/${documentId}/shares`, { principal: { type: 'user', userId }, role });
}

describe('document sync', () => {
  it('gets a session from a real OpenID token issued by the real Synapse, and refuses forged tokens and foreign homeservers', async () => {
    expect(sessions.zhang.user).toEqual({ userId: org.zhang.userId, class: 'civil_servant', displayName: '张伟' });
    expect(sessions.liaison.user.class).toBe('enterprise_liaison');
    expect(Date.parse(sessions.zhang.accessTokenExpiresAt) - Date.now()).toBeGreaterThan(14 * 60 * 1000);

    const forged = await api(server, null, 'POST', '/api/session', { homeserver: homeserver.serverName, openIdToken: 'forged-token' });
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 'invalid_openid_token' } } });
    const foreign = await api(server, null, 'POST', '/api/session', { homeserver: 'matrix.evil.example', openIdToken: 'whatever' });
    expect(foreign).toMatchObject({ status: 403, body: { error: { code: 'homeserver_not_allowed' } } });
  });

  it('makes two stock y-websocket clients converge through the server', async () => {
    const documentId = await createDocument(sessions.zhang);
    expect((await share(sessions.zhang, documentId, org.li.userId, 'editor')).status).toBe(200);
    const a = connect(sessions.zhang, documentId);
    const b = connect(sessions.li, documentId);
    await Promise.all([a.synced, b.synced]);

    // Concurrent edits on both sides.
    a.text.insert(0, '关于做好2026年防汛工作的通知');
    b.text.insert(0, '【征求意见稿】');
    b.doc.getMap('meta').set('docNumber', '粤府办〔2026〕12号');

    const expected = ['【征求意见稿】关于做好2026年防汛工作的通知', '关于做好2026年防汛工作的通知【征求意见稿】'];
    await expect.poll(() => [a.text.toString(), b.text.toString()], { timeout: 5_000 }).toSatisfy(([x, y]) => x === y && expected.includes(x as string));
    expect(a.text.toString()).toContain('关于做好2026年防汛工作的通知');
    expect(a.text.toString()).toContain('【征求意见稿】');
    await expect.poll(() => a.doc.getMap('meta').get('docNumber')).toBe('粤府办〔2026〕12号');
    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(b.doc));
  });

  it("drops a reader's edit: it reaches neither the other client nor the stored document", async () => {
    const documentId = await createDocument(sessions.zhang);
    await share(sessions.zhang, documentId, org.wang.userId, 'reader');
    await share(sessions.zhang, documentId, org.li.userId, 'commenter');
    const writer = connect(sessions.zhang, documentId);
    const reader = connect(sessions.wang, documentId);
    const commenter = connect(sessions.li, documentId);
    await Promise.all([writer.synced, reader.synced, commenter.synced]);
    const droppedBefore = await metric(server, 'govdesk_sync_dropped_frames_total', { reason: 'read_only' });

    reader.text.insert(0, '读者擅自修改');
    commenter.text.insert(0, '评论人擅自修改');
    writer.text.insert(0, '正文');
    // The writer's later edit reaching the reader shows the reader's frame was processed before it.
    await expect.poll(() => reader.text.toString().includes('正文')).toBe(true);
    await expect.poll(() => metric(server, 'govdesk_sync_dropped_frames_total', { reason: 'read_only' })).toBeGreaterThanOrEqual(droppedBefore + 2);
    expect(writer.text.toString()).toBe('正文');

    // What is stored: a fresh client after a restart of the server sees only the writer's text.
    const restartedServer = await restart();
    const fresh = connect(sessions.zhang, documentId, restartedServer);
    await fresh.synced;
    expect(fresh.text.toString()).toBe('正文');
  });

  it('refuses missing, forged and expired tokens, and users without a right, before the upgrade', async () => {
    const documentId = await createDocument(sessions.zhang);
    const url = (token?: string) => `${server.wsUrl}/${documentId}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
    expect(await upgradeStatus(url())).toBe(401);
    expect(await upgradeStatus(url('not-a-token'))).toBe(401);
    // Right shape, wrong key.
    const [prefix, payload] = sessions.zhang.accessToken.split('.');
    expect(await upgradeStatus(url(`${prefix}.${payload}.${Buffer.alloc(32).toString('base64url')}`))).toBe(401);
    // Claims altered, signature kept.
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: org.wang.userId })).toString('base64url');
    expect(await upgradeStatus(url(`${prefix}.${altered}.${sessions.zhang.accessToken.split('.')[2]}`))).toBe(401);
    // Valid session, no right on this document.
    expect(await upgradeStatus(url(sessions.wang.accessToken))).toBe(403);
    expect(await upgradeStatus(url(sessions.zhang.accessToken))).toBe(101);
    // Non-browser clients may send the token in the Authorization header; the scheme name is case-insensitive.
    expect(await upgradeStatus(url(), { authorization: `bearer ${sessions.zhang.accessToken}` })).toBe(101);
    expect(await upgradeStatus(url(), { authorization: `Bearer ${sessions.wang.accessToken}` })).toBe(403);
    // A broken %-escape in the document name is a wrong address, not a server error.
    expect(await upgradeStatus(`${server.wsUrl}/%E0%A4%A?token=${sessions.zhang.accessToken}`)).toBe(404);

    const shortLived = await startSyncServer({ homeserver, directory: org.directory, env: { GOVDESK_SYNC_SESSION_TTL_SECONDS: '1' } });
    try {
      const session = await login(shortLived, homeserver, org.zhang);
      const created = await api(shortLived, session.accessToken, 'POST', '/api/documents', { title: '短期会话测试', docType: 'letter', owningUnitId: UNITS.secretariat, classification: 'internal' });
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expect(await upgradeStatus(`${shortLived.wsUrl}/${created.body.id}?token=${session.accessToken}`)).toBe(401);
      expect((await api(shortLived, session.accessToken, 'GET', '/api/documents')).body).toMatchObject({ error: { code: 'unauthorized', message: 'the session token has expired' } });
    } finally {
      await shortLived.stop();
    }
  });

  it("closes a revoked user's sockets within one second", async () => {
    const documentId = await createDocument(sessions.zhang);
    await share(sessions.zhang, documentId, org.li.userId, 'editor');
    const editor = connect(sessions.li, documentId);
    await editor.synced;
    const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
      editor.provider.ws?.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason, at: performance.now() }));
    });
    const revokedAt = performance.now();
    const revoked = await api(server, sessions.zhang.accessToken, 'DELETE', `/api/documents/${documentId}/shares/user/${encodeURIComponent(org.li.userId)}`);
    expect(revoked.status).toBe(200);
    const close = await closed;
    expect(close.code).toBe(4403);
    expect(close.reason).toBe('access revoked');
    expect(close.at - revokedAt).toBeLessThan(1_000);
    editor.provider.disconnect();
    expect(await upgradeStatus(`${server.wsUrl}/${documentId}?token=${sessions.li.accessToken}`)).toBe(403);
  });

  it('downgrades a connected editor to reader at once: their next edit is dropped', async () => {
    const documentId = await createDocument(sessions.zhang);
    await share(sessions.zhang, documentId, org.li.userId, 'editor');
    const owner = connect(sessions.zhang, documentId);
    const editor = connect(sessions.li, documentId);
    await Promise.all([owner.synced, editor.synced]);
    editor.text.insert(0, '修改一');
    await expect.poll(() => owner.text.toString()).toBe('修改一');
    expect((await share(sessions.zhang, documentId, org.li.userId, 'reader')).status).toBe(200);
    editor.text.insert(0, '修改二');
    owner.text.insert(0, '定稿');
    await expect.poll(() => editor.text.toString().includes('定稿')).toBe(true);
    expect(owner.text.toString()).toBe('定稿修改一');
  });

  it('never gives an internal document to an enterprise liaison or a citizen', async () => {
    const internal = await createDocument(sessions.zhang, 'internal');
    for (const outsider of [org.liaison, org.citizen]) {
      expect(await share(sessions.zhang, internal, outsider.userId, 'reader')).toMatchObject({ status: 403, body: { error: { code: 'internal_to_external' } } });
    }
    expect(await upgradeStatus(`${server.wsUrl}/${internal}?token=${sessions.liaison.accessToken}`)).toBe(403);
    expect((await api(server, sessions.liaison.accessToken, 'GET', `/api/documents/${internal}`)).status).toBe(404);

    // An external document can be shared with them, and they can work on it.
    const external = await createDocument(sessions.zhang, 'external', '关于征求企业意见的函');
    expect((await share(sessions.zhang, external, org.liaison.userId, 'editor')).status).toBe(200);
    const liaison = connect(sessions.liaison, external);
    const owner = connect(sessions.zhang, external);
    await Promise.all([liaison.synced, owner.synced]);
    liaison.text.insert(0, '企业意见：同意');
    await expect.poll(() => owner.text.toString()).toBe('企业意见：同意');

    // External users never create documents; citizens have no unit to own one.
    const attempt = await api(server, sessions.liaison.accessToken, 'POST', '/api/documents', { title: '企业自拟', docType: 'letter', owningUnitId: UNITS.secretariat, classification: 'external' });
    expect(attempt).toMatchObject({ status: 403, body: { error: { code: 'not_allowed' } } });
  });
});

async function restart(): Promise<SyncServerProcess> {
  for (const client of clients.splice(0)) client.destroy();
  expect(await server.stop()).toBe(0);
  server = await server.restart();
  for (const name of Object.keys(sessions) as (keyof typeof sessions)[]) sessions[name] = await login(server, homeserver, org[name]);
  return server;
}
