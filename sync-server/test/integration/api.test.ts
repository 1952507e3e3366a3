import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { API_ERRORS, syncApi, type RouteSpec, type SessionTokens } from '@govdesk/shared';
import { repoRoot } from '../../../build/lib/paths.ts';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, UNITS, type TestOrganisation } from '../../../test/support/organisation.ts';
import { api, type JsonBody, login, openIdToken, startSyncServer, type SyncServerProcess, upgradeStatus } from '../../../test/support/sync-server.ts';
import { stockClient, type StockClient } from '../../../test/support/yjs-clients.ts';

/**
 * The JSON API of a real sync-server process: precise errors, the rules for
 * creating and sharing documents, sessions, the operator endpoints, and the
 * process's start and stop. Logins are real: Synapse issues the OpenID tokens.
 */

const homeserver = testHomeserver();
const MAX_BODY_BYTES = 64 * 1024;
let org: TestOrganisation;
let server: SyncServerProcess;
type Name = 'zhang' | 'li' | 'wang' | 'liaison' | 'citizen';
const sessions = {} as Record<Name, SessionTokens>;
const clients: StockClient[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
  server = await startSyncServer({ homeserver, directory: org.directory, env: { GOVDESK_SYNC_MAX_BODY_BYTES: String(MAX_BODY_BYTES) } });
  for (const name of ['zhang', 'li', 'wang', 'liaison', 'citizen'] as const) sessions[name] = await login(server, homeserver, org[name]);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  for (const ws of sockets) ws.terminate();
  await server?.stop();
});

const NOTICE: Record<'title' | 'docType' | 'owningUnitId' | 'classification', string> = { title: '关于做好2026年防汛工作的通知', docType: 'notice', owningUnitId: UNITS.secretariat, classification: 'internal' };

async function createDocument(owner: SessionTokens, fields: Partial<typeof NOTICE> = {}): Promise<string> {
  const { status, body } = await api(server, owner.accessToken, 'POST', '/api/documents', { ...NOTICE, ...fields });
  expect(status, JSON.stringify(body)).toBe(201);
  return body.id as string;
}

const shareWith = (owner: SessionTokens, documentId: string, principal: { type: 'user'; userId: string } | { type: 'unit'; unitId: string }, role: string) =>
  api(server, owner.accessToken, 'PUT', `/api/documents/${documentId}/shares`, { principal, role });
const user = (name: Name) => ({ type: 'user' as const, userId: org[name].userId });
const unit = (unitId: string) => ({ type: 'unit' as const, unitId });
const sharePath = (documentId: string, principal: { type: 'user'; userId: string } | { type: 'unit'; unitId: string }) =>
  `/api/documents/${documentId}/shares/${principal.type}/${encodeURIComponent(principal.type === 'user' ? principal.userId : principal.unitId)}`;

/** A raw request, for what api() cannot send: other content types, broken JSON, other methods. */
async function raw(method: string, pathname: string, init: { token?: string; type?: string; body?: string; target?: SyncServerProcess } = {}) {
  const response = await fetch(`${(init.target ?? server).url}${pathname}`, {
    method,
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.type ? { 'content-type': init.type } : {}) },
    body: init.body,
  });
  const text = await response.text();
  let body: JsonBody = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (metrics): keep the text.
  }
  return { status: response.status, headers: response.headers, body };
}

/** A plain WebSocket on a document, to see exactly how the server closes it. */
function openSocket(documentId: string, token: string, target = server): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${target.wsUrl}/${documentId}?token=${encodeURIComponent(token)}`);
    sockets.push(ws);
    const closed = new Promise<{ code: number; reason: string }>((done) => ws.once('close', (code, reason) => done({ code, reason: reason.toString() })));
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('errors', () => {
  it('answers 400 invalid_request with every problem and its path', async () => {
    const { status, body } = await api(server, sessions.zhang.accessToken, 'POST', '/api/documents', { title: 42, docType: 'memo', owningUnitId: 'Not A Unit', extra: true });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_request', message: expect.any(String) });
    const byPath = Object.fromEntries((body.error.details as { path: string; code: string; message: string }[]).map((detail) => [detail.path, detail]));
    expect(Object.keys(byPath).sort()).toEqual(['classification', 'docType', 'owningUnitId', 'title']);
    expect(byPath.docType).toMatchObject({ code: 'invalid_value', message: expect.stringContaining('notice') });
    expect(byPath.owningUnitId?.message).toBe('unit IDs are lower-case letters, digits and hyphens');

    // Nested paths are named in full.
    const share = await api(server, sessions.zhang.accessToken, 'PUT', `/api/documents/${await createDocument(sessions.zhang)}/shares`, { principal: { type: 'user', userId: 'zhangwei' }, role: 'admin' });
    expect(share.status).toBe(400);
    expect((share.body.error.details as { path: string }[]).map((detail) => detail.path).sort()).toEqual(['principal.userId', 'role']);
  });

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    const { status, body } = await raw('POST', '/api/documents', { token: sessions.zhang.accessToken, type: 'application/json', body: '{"title": "关于' });
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_json');
  });

  it('answers 415 for a body that is not application/json', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const { status, body } = await raw('POST', '/api/documents', { token: sessions.zhang.accessToken, type, body: JSON.stringify(NOTICE) });
      expect(status, String(type)).toBe(415);
      expect(body.error.code).toBe('unsupported_media_type');
    }
    // A charset parameter is still JSON.
    expect((await raw('POST', '/api/documents', { token: sessions.zhang.accessToken, type: 'application/json; charset=utf-8', body: JSON.stringify(NOTICE) })).status).toBe(201);
  });

  it('answers 413 for a body over the limit, declared or streamed, and keeps serving', async () => {
    const big = JSON.stringify({ ...NOTICE, padding: 'x'.repeat(MAX_BODY_BYTES) });
    const declared = await raw('POST', '/api/documents', { token: sessions.zhang.accessToken, type: 'application/json', body: big });
    expect(declared.status).toBe(413);
    expect(declared.body.error.code).toBe('body_too_large');

    // Chunked, from a client that never stops sending: the server answers 413 once the limit is passed and then
    // cuts the connection, instead of reading (and throwing away) the endless upload.
    const socket = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(`POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${sessions.zhang.accessToken}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = `4000\r\n${'x'.repeat(0x4000)}\r\n`;
    let open = true;
    void ended.then(() => (open = false));
    const sender = (async () => {
      while (open && !socket.destroyed) if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), ended]);
    })();
    // Node's own default would keep reading until its request timeout (five minutes).
    await Promise.race([ended, sleep(10_000)]);
    expect(open, 'the server was still reading the upload after 10 s').toBe(false);
    await sender;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"body_too_large"');

    expect((await api(server, sessions.zhang.accessToken, 'GET', '/api/documents')).status).toBe(200);
  });

  it('answers 401 without a valid session, before looking at the body', async () => {
    for (const token of [null, 'not-a-token', `${sessions.zhang.accessToken}x`]) {
      const { status, body } = await api(server, token, 'POST', '/api/documents', { nonsense: true });
      expect(status, String(token)).toBe(401);
      expect(body.error.code).toBe('unauthorized');
    }
    expect((await raw('GET', '/api/documents', { token: undefined })).headers.get('content-type')).toMatch(/^application\/json/);
    // The scheme name is case-insensitive.
    const lowerCase = await fetch(`${server.url}/api/documents`, { headers: { authorization: `bearer ${sessions.zhang.accessToken}` } });
    expect(lowerCase.status).toBe(200);
  });

  it('answers 404 alike for a document that does not exist and one the caller may not see', async () => {
    const documentId = await createDocument(sessions.zhang);
    const hidden = await api(server, sessions.wang.accessToken, 'GET', `/api/documents/${documentId}`);
    const missing = await api(server, sessions.wang.accessToken, 'GET', `/api/documents/d_${'A'.repeat(22)}`);
    const notAnId = await api(server, sessions.wang.accessToken, 'GET', '/api/documents/..%2F..%2Fetc');
    // Nothing tells a stranger that the document exists.
    expect(hidden).toEqual(missing);
    expect(notAnId).toEqual(missing);
    expect(hidden).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'no such document' } } });
    for (const [method, suffix, body] of [
      ['GET', '/shares', undefined],
      ['PUT', '/shares', { principal: user('wang'), role: 'owner' }],
      ['DELETE', `/shares/user/${encodeURIComponent(org.zhang.userId)}`, undefined],
    ] as const) {
      expect((await api(server, sessions.wang.accessToken, method, `/api/documents/${documentId}${suffix}`, body)).status, `${method} ${suffix}`).toBe(404);
    }
    expect((await api(server, sessions.zhang.accessToken, 'GET', '/api/nothing-here')).body.error.code).toBe('not_found');
  });

  it('answers 405 for a known path with another method, saying which methods it allows', async () => {
    for (const [method, pathname, allow] of [
      ['PATCH', '/api/documents', 'POST, GET'],
      ['DELETE', '/api/documents', 'POST, GET'],
      ['GET', '/api/session', 'POST, DELETE'],
      ['POST', '/healthz', 'GET'],
    ] as const) {
      const { status, headers, body } = await raw(method, pathname, { token: sessions.zhang.accessToken });
      expect(status, `${method} ${pathname}`).toBe(405);
      expect(body.error.code).toBe('method_not_allowed');
      expect(headers.get('allow')).toBe(allow);
    }
  });

  it('answers 400 for a path with a broken %-escape, not 500', async () => {
    const { status, body } = await raw('GET', '/api/documents/%E0%A4%A', { token: sessions.zhang.accessToken });
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_path');
  });
});

describe('creating documents', () => {
  it('makes the creator owner, with what they asked for', async () => {
    const { status, body } = await api(server, sessions.zhang.accessToken, 'POST', '/api/documents', { ...NOTICE, title: '  关于召开全省防汛工作会议的通知 ', owningUnitId: UNITS.organ });
    expect(status).toBe(201);
    expect(syncApi.createDocument.response.parse(body)).toMatchObject({ title: '关于召开全省防汛工作会议的通知', docType: 'notice', owningUnitId: UNITS.organ, classification: 'internal', createdBy: org.zhang.userId, myRole: 'owner' });
    expect((await api(server, sessions.zhang.accessToken, 'GET', `/api/documents/${body.id}`)).body).toEqual(body);
  });

  it('lets only civil servants create, for their own unit or a unit above it', async () => {
    for (const name of ['liaison', 'citizen'] as const) {
      const { status, body } = await api(server, sessions[name].accessToken, 'POST', '/api/documents', { ...NOTICE, classification: 'external' });
      expect(status, name).toBe(403);
      expect(body.error.code).toBe('not_allowed');
    }
    // 张伟 is in 秘书一处: 督查室 is a sibling, not his.
    const sibling = await api(server, sessions.zhang.accessToken, 'POST', '/api/documents', { ...NOTICE, owningUnitId: UNITS.inspection });
    expect(sibling).toMatchObject({ status: 403, body: { error: { code: 'not_allowed' } } });
    const unknown = await api(server, sessions.zhang.accessToken, 'POST', '/api/documents', { ...NOTICE, owningUnitId: 'no-such-unit' });
    expect(unknown).toMatchObject({ status: 403, body: { error: { code: 'not_allowed' } } });
    expect((await api(server, sessions.wang.accessToken, 'POST', '/api/documents', { ...NOTICE, owningUnitId: UNITS.inspection })).status).toBe(201);
  });

  it('refuses classified material with 422 classified_refused and the 涉密不上网 message', async () => {
    const before = (await api(server, sessions.zhang.accessToken, 'GET', '/api/documents')).body.documents.length as number;
    for (const [fields, field] of [
      [{ title: '秘密★1年 关于某项工程的请示' }, 'title'],
      [{ title: '绝密★启用前' }, 'title'],
      [{ classification: '机密' }, 'classification'],
      [{ classification: 'top_secret' }, 'classification'],
      // Classified and otherwise wrong: the refusal still wins, so the user learns the reason that matters.
      [{ title: '机密', docType: 'memo' }, 'title'],
    ] as const) {
      const { status, body } = await api(server, sessions.zhang.accessToken, 'POST', '/api/documents', { ...NOTICE, ...fields });
      expect(status, JSON.stringify(fields)).toBe(422);
      expect(body.error).toMatchObject({ code: 'classified_refused', message: '涉密信息不得在本系统处理（涉密不上网，上网不涉密）' });
      expect(body.error.details).toContainEqual({ path: field, code: 'classified_refused', message: '涉密信息不得在本系统处理（涉密不上网，上网不涉密）' });
    }
    // The ordinary use of the words is not a marking.
    expect((await api(server, sessions.zhang.accessToken, 'POST', '/api/documents', { ...NOTICE, title: '关于学习《保守国家秘密法》的通知' })).status).toBe(201);
    expect((await api(server, sessions.zhang.accessToken, 'GET', '/api/documents')).body.documents).toHaveLength(before + 1);
  });
});

describe('listing documents', () => {
  it('lists owned documents, documents shared directly and through the user’s unit or a unit above it, newest first', async () => {
    const ids: Record<string, string> = {};
    // Sequential, a few milliseconds apart: creation times have millisecond resolution.
    ids.own = await createDocument(sessions.zhang, { title: '张伟起草的通知' });
    await sleep(5);
    ids.direct = await createDocument(sessions.li, { title: '李娜直接共享' });
    expect((await shareWith(sessions.li, ids.direct, user('zhang'), 'commenter')).status).toBe(200);
    await sleep(5);
    ids.viaOrgan = await createDocument(sessions.wang, { title: '办公厅共享', owningUnitId: UNITS.organ });
    expect((await shareWith(sessions.wang, ids.viaOrgan, unit(UNITS.organ), 'reader')).status).toBe(200);
    await sleep(5);
    ids.viaOwnUnit = await createDocument(sessions.wang, { title: '共享给秘书一处', owningUnitId: UNITS.inspection });
    expect((await shareWith(sessions.wang, ids.viaOwnUnit, unit(UNITS.secretariat), 'editor')).status).toBe(200);
    await sleep(5);
    ids.otherUnit = await createDocument(sessions.wang, { title: '只给督查室', owningUnitId: UNITS.inspection });
    expect((await shareWith(sessions.wang, ids.otherUnit, unit(UNITS.inspection), 'editor')).status).toBe(200);
    ids.private = await createDocument(sessions.li, { title: '李娜私有' });

    const { status, body } = await api(server, sessions.zhang.accessToken, 'GET', '/api/documents');
    expect(status).toBe(200);
    const documents = syncApi.listDocuments.response.parse(body).documents;
    const mine = documents.filter((document) => Object.values(ids).includes(document.id));
    expect(mine.map((document) => [document.id, document.myRole])).toEqual([
      [ids.viaOwnUnit, 'editor'],
      [ids.viaOrgan, 'reader'],
      [ids.direct, 'commenter'],
      [ids.own, 'owner'],
    ]);
    // Newest first across the whole list, not only among these.
    const times = documents.map((document) => document.createdAt);
    expect(times).toEqual([...times].sort().reverse());

    // 王强 sees the organ-wide document and the one for his own unit, not the one for 秘书一处 (a sibling).
    const wang = (await api(server, sessions.wang.accessToken, 'GET', '/api/documents')).body.documents.map((document: { id: string }) => document.id);
    expect(wang).toEqual(expect.arrayContaining([ids.viaOrgan, ids.otherUnit, ids.viaOwnUnit]));
    expect(wang).not.toContain(ids.direct);
    expect(wang).not.toContain(ids.private);
  });

  it('gives the strongest of a user’s direct and unit grants', async () => {
    const documentId = await createDocument(sessions.zhang);
    await shareWith(sessions.zhang, documentId, unit(UNITS.organ), 'editor');
    await shareWith(sessions.zhang, documentId, user('li'), 'reader');
    expect((await api(server, sessions.li.accessToken, 'GET', `/api/documents/${documentId}`)).body.myRole).toBe('editor');
  });
});

describe('shares', () => {
  it('shows who has access to owners and editors only', async () => {
    const documentId = await createDocument(sessions.zhang);
    await shareWith(sessions.zhang, documentId, user('li'), 'editor');
    await shareWith(sessions.zhang, documentId, user('wang'), 'commenter');
    const seen = await api(server, sessions.li.accessToken, 'GET', `/api/documents/${documentId}/shares`);
    expect(seen.status).toBe(200);
    expect(syncApi.listShares.response.parse(seen.body).shares.map((share) => [share.principal, share.role, share.grantedBy])).toEqual(
      expect.arrayContaining([
        [user('zhang'), 'owner', org.zhang.userId],
        [user('li'), 'editor', org.zhang.userId],
        [user('wang'), 'commenter', org.zhang.userId],
      ]),
    );
    expect(await api(server, sessions.wang.accessToken, 'GET', `/api/documents/${documentId}/shares`)).toMatchObject({ status: 403, body: { error: { code: 'not_allowed' } } });
    await shareWith(sessions.zhang, documentId, user('wang'), 'reader');
    expect((await api(server, sessions.wang.accessToken, 'GET', `/api/documents/${documentId}/shares`)).status).toBe(403);
  });

  it('lets only owners share and revoke', async () => {
    const documentId = await createDocument(sessions.zhang);
    await shareWith(sessions.zhang, documentId, user('li'), 'editor');
    expect(await shareWith(sessions.li, documentId, user('wang'), 'reader')).toMatchObject({ status: 403, body: { error: { code: 'not_allowed' } } });
    expect(await api(server, sessions.li.accessToken, 'DELETE', sharePath(documentId, user('zhang')))).toMatchObject({ status: 403, body: { error: { code: 'not_allowed' } } });
    // An editor cannot make themselves owner either.
    expect((await shareWith(sessions.li, documentId, user('li'), 'owner')).status).toBe(403);
    expect((await api(server, sessions.li.accessToken, 'GET', `/api/documents/${documentId}`)).body.myRole).toBe('editor');
  });

  it('upserts: sharing again with the same principal changes the role, it does not add a share', async () => {
    const documentId = await createDocument(sessions.zhang);
    for (const role of ['reader', 'commenter', 'editor', 'owner', 'reader'] as const) {
      const { status, body } = await shareWith(sessions.zhang, documentId, user('li'), role);
      expect(status).toBe(200);
      expect(syncApi.putShare.response.parse(body)).toMatchObject({ principal: user('li'), role, grantedBy: org.zhang.userId });
      expect((await api(server, sessions.li.accessToken, 'GET', `/api/documents/${documentId}`)).body.myRole).toBe(role);
    }
    const shares = (await api(server, sessions.zhang.accessToken, 'GET', `/api/documents/${documentId}/shares`)).body.shares as { principal: { userId?: string } }[];
    expect(shares.filter((share) => share.principal.userId === org.li.userId)).toHaveLength(1);
    expect(shares).toHaveLength(2);
  });

  it('shares with units, and refuses unknown units and unknown share paths', async () => {
    const documentId = await createDocument(sessions.zhang);
    expect(await shareWith(sessions.zhang, documentId, unit('no-such-unit'), 'reader')).toMatchObject({ status: 404, body: { error: { code: 'unknown_principal' } } });
    expect((await shareWith(sessions.zhang, documentId, unit(UNITS.secretariat), 'commenter')).status).toBe(200);
    expect((await api(server, sessions.li.accessToken, 'GET', `/api/documents/${documentId}`)).body.myRole).toBe('commenter');
    expect((await api(server, sessions.wang.accessToken, 'GET', `/api/documents/${documentId}`)).status).toBe(404);

    expect(await api(server, sessions.zhang.accessToken, 'DELETE', sharePath(documentId, unit(UNITS.inspection)))).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await api(server, sessions.zhang.accessToken, 'DELETE', `/api/documents/${documentId}/shares/group/everyone`)).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect((await api(server, sessions.zhang.accessToken, 'DELETE', `/api/documents/${documentId}/shares/user/not-a-user-id`)).status).toBe(400);
  });

  it('keeps at least one owner: removing or downgrading the last one is 409 last_owner', async () => {
    const documentId = await createDocument(sessions.zhang);
    expect(await shareWith(sessions.zhang, documentId, user('zhang'), 'editor')).toMatchObject({ status: 409, body: { error: { code: 'last_owner' } } });
    expect(await api(server, sessions.zhang.accessToken, 'DELETE', sharePath(documentId, user('zhang')))).toMatchObject({ status: 409, body: { error: { code: 'last_owner' } } });
    // Refused changes leave the rights as they were.
    expect((await api(server, sessions.zhang.accessToken, 'GET', `/api/documents/${documentId}`)).body.myRole).toBe('owner');

    // A unit holding owner does not count: someone must answer for the document by name.
    expect((await shareWith(sessions.zhang, documentId, unit(UNITS.secretariat), 'owner')).status).toBe(200);
    expect((await shareWith(sessions.zhang, documentId, user('zhang'), 'reader')).status).toBe(409);

    // With a second owner, the first may step down.
    expect((await shareWith(sessions.zhang, documentId, user('li'), 'owner')).status).toBe(200);
    expect((await api(server, sessions.zhang.accessToken, 'DELETE', sharePath(documentId, user('zhang')))).status).toBe(200);
    expect(await shareWith(sessions.li, documentId, user('li'), 'editor')).toMatchObject({ status: 409, body: { error: { code: 'last_owner' } } });
  });

  it('revoking a unit share takes effect for its members at once, open sockets included', async () => {
    const documentId = await createDocument(sessions.zhang);
    await shareWith(sessions.zhang, documentId, unit(UNITS.secretariat), 'editor');
    const { closed } = await openSocket(documentId, sessions.li.accessToken);
    const revoked = await api(server, sessions.zhang.accessToken, 'DELETE', sharePath(documentId, unit(UNITS.secretariat)));
    expect(revoked).toEqual({ status: 200, body: { ok: true } });
    expect(await closed).toEqual({ code: 4403, reason: 'access revoked' });
    expect((await api(server, sessions.li.accessToken, 'GET', `/api/documents/${documentId}`)).status).toBe(404);
    expect(await upgradeStatus(`${server.wsUrl}/${documentId}?token=${sessions.li.accessToken}`)).toBe(403);
    // The owner's own right is untouched.
    expect((await api(server, sessions.zhang.accessToken, 'GET', `/api/documents/${documentId}`)).body.myRole).toBe('owner');
  });
});

describe('sessions', () => {
  it('tells the caller who they are', async () => {
    const { status, body } = await api(server, sessions.li.accessToken, 'GET', '/api/directory/me');
    expect(status).toBe(200);
    expect(syncApi.me.response.parse(body)).toMatchObject({ person: { userId: org.li.userId, class: 'civil_servant', unitId: UNITS.secretariat }, units: [{ id: UNITS.secretariat }, { id: UNITS.organ }] });
    expect((await api(server, sessions.citizen.accessToken, 'GET', '/api/directory/me')).body).toMatchObject({ person: { class: 'citizen' }, units: [] });
  });

  it('refresh rotates the refresh token; presenting a used one ends the session and closes its sockets with 4401', async () => {
    const first = await login(server, homeserver, org.li);
    const other = await login(server, homeserver, org.li);
    const documentId = await createDocument(sessions.zhang);
    await shareWith(sessions.zhang, documentId, user('li'), 'editor');
    const socket = await openSocket(documentId, first.accessToken);
    const otherSocket = await openSocket(documentId, other.accessToken);

    const refreshed = await api(server, null, 'POST', '/api/session/refresh', { refreshToken: first.refreshToken });
    expect(refreshed.status).toBe(200);
    const second = syncApi.refreshSession.response.parse(refreshed.body);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.user.userId).toBe(org.li.userId);
    expect((await api(server, second.accessToken, 'GET', `/api/documents/${documentId}`)).status).toBe(200);

    // The refresh token again, as a thief holding a copy would present it.
    const reused = await api(server, null, 'POST', '/api/session/refresh', { refreshToken: first.refreshToken });
    expect(reused).toMatchObject({ status: 401, body: { error: { code: 'invalid_refresh_token' } } });
    expect(await socket.closed).toEqual({ code: 4401, reason: 'session ended' });
    for (const token of [first.accessToken, second.accessToken]) expect((await api(server, token, 'GET', '/api/documents')).body.error.message).toBe('the session has ended');
    expect((await api(server, null, 'POST', '/api/session/refresh', { refreshToken: second.refreshToken })).status).toBe(401);

    // Another session of the same user is not affected.
    expect(otherSocket.ws.readyState).toBe(WebSocket.OPEN);
    expect((await api(server, other.accessToken, 'GET', '/api/documents')).status).toBe(200);
    otherSocket.ws.close();
  });

  it('refuses refresh tokens that were never issued', async () => {
    for (const refreshToken of ['nonsense', `${sessions.li.refreshToken.split('.')[0]}.forged`, '.']) {
      expect(await api(server, null, 'POST', '/api/session/refresh', { refreshToken })).toMatchObject({ status: 401, body: { error: { code: 'invalid_refresh_token' } } });
    }
    // A guess at a session's refresh token does not end that session.
    expect((await api(server, sessions.li.accessToken, 'GET', '/api/documents')).status).toBe(200);
  });

  it('DELETE /api/session logs out and closes that session’s sockets, and only those', async () => {
    const leaving = await login(server, homeserver, org.li);
    const documentId = await createDocument(sessions.zhang);
    await shareWith(sessions.zhang, documentId, user('li'), 'reader');
    const socket = await openSocket(documentId, leaving.accessToken);
    const staying = await openSocket(documentId, sessions.li.accessToken);

    expect(await api(server, leaving.accessToken, 'DELETE', '/api/session')).toEqual({ status: 200, body: { ok: true } });
    expect(await socket.closed).toEqual({ code: 4401, reason: 'session ended' });
    expect(await api(server, leaving.accessToken, 'GET', '/api/documents')).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'the session has ended' } } });
    expect((await api(server, null, 'POST', '/api/session/refresh', { refreshToken: leaving.refreshToken })).status).toBe(401);
    expect(await upgradeStatus(`${server.wsUrl}/${documentId}?token=${leaving.accessToken}`)).toBe(401);

    expect(staying.ws.readyState).toBe(WebSocket.OPEN);
    staying.ws.close();
  });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and describes every route of the shared table as the server serves it', async () => {
    const { status, body: doc } = await api(server, null, 'GET', '/api/openapi.json');
    expect(status).toBe(200);
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'http', scheme: 'bearer' });

    for (const [operationId, spec] of Object.entries(syncApi) as [string, RouteSpec][]) {
      const templated = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const operation = doc.paths[templated]?.[spec.method.toLowerCase()];
      expect(operation, `${spec.method} ${spec.path}`).toBeDefined();
      expect(operation.operationId).toBe(operationId);
      expect(operation.security).toEqual(spec.auth ? [{ session: [] }] : []);
      const names = [...templated.matchAll(/\{([A-Za-z]+)\}/g)].map(([, name]) => name);
      expect(operation.parameters.filter((parameter: { in: string }) => parameter.in === 'path').map((parameter: { name: string; required: boolean }) => [parameter.name, parameter.required])).toEqual(names.map((name) => [name, true]));
      expect(operation.responses[spec.status].content['application/json'].schema).toBeTypeOf('object');
      // The errors the table names, and those the HTTP layer gives every route of the kind (as the tests above show).
      const documented = (status: number) => (operation.responses[status]?.description ?? '') as string;
      for (const code of spec.errors) expect(documented(API_ERRORS[code]), `${operationId} ${code}`).toContain(code);
      if (spec.auth) expect(documented(401)).toContain('unauthorized');
      if (spec.body) {
        expect(documented(400)).toContain('invalid_json');
        expect(documented(413)).toContain('body_too_large');
        expect(documented(415)).toContain('unsupported_media_type');
      }
      if (spec.path.includes(':')) expect(documented(400)).toContain('invalid_path');
      if (spec.body) expect(operation.requestBody).toMatchObject({ required: true, content: { 'application/json': { schema: expect.any(Object) } } });
      else expect(operation.requestBody).toBeUndefined();
    }

    const operations = Object.entries(doc.paths as Record<string, Record<string, { operationId: string; responses: Record<string, { description?: unknown }> }>>).flatMap(([pathname, item]) =>
      Object.entries(item).map(([method, operation]) => ({ pathname, method, operation })),
    );
    for (const { pathname, method, operation } of operations) {
      expect(pathname).toMatch(/^\//);
      expect(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']).toContain(method);
      for (const [code, response] of Object.entries(operation.responses)) {
        expect(code).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(response.description, `${method} ${pathname} ${code}`).toBeTypeOf('string');
      }
    }
    const operationIds = operations.map(({ operation }) => operation.operationId);
    expect(new Set(operationIds).size).toBe(operationIds.length);

    // Every $ref points at something in the document.
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]*"/g) ?? [];
    for (const ref of refs) {
      const pointer = (JSON.parse(`{${ref}}`) as { $ref: string }).$ref;
      expect(pointer.startsWith('#/'), pointer).toBe(true);
      const target = pointer
        .slice(2)
        .split('/')
        .reduce<JsonBody>((at, key) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
      expect(target, pointer).toBeDefined();
    }

    // The request schema says what the server enforces.
    const create = doc.paths['/api/documents'].post.requestBody.content['application/json'].schema;
    expect(create.required).toEqual(expect.arrayContaining(['title', 'docType', 'owningUnitId', 'classification']));
    expect(create.properties.docType.enum).toHaveLength(15);
    expect(create.properties.classification.enum).toEqual(['internal', 'external']);
    expect(doc.paths['/docs/{documentId}'].get.description).toContain('4508');
  });
});

describe('operator endpoints', () => {
  it('answers /healthz', async () => {
    const { status, headers, body } = await raw('GET', '/healthz');
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', instance: expect.any(String) });
    expect(headers.get('cache-control')).toBe('no-store');
  });

  it('serves every metric the issue asks for, in Prometheus text', async () => {
    // Some traffic first, so that counters with values are there too.
    const documentId = await createDocument(sessions.zhang);
    const client = stockClient(server.wsUrl, documentId, sessions.zhang.accessToken);
    clients.push(client);
    await client.synced;
    client.text.insert(0, '度量');
    await expect.poll(async () => /govdesk_sync_updates_total [1-9]/.test((await raw('GET', '/metrics')).body as string)).toBe(true);

    const { status, headers, body } = await raw('GET', '/metrics');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = body as string;
    for (const [name, type] of [
      ['govdesk_sync_connections', 'gauge'],
      ['govdesk_sync_documents_loaded', 'gauge'],
      ['govdesk_sync_updates_total', 'counter'],
      ['govdesk_sync_updates_per_second', 'gauge'],
      ['govdesk_sync_update_bytes_total', 'counter'],
      ['govdesk_sync_received_bytes_total', 'counter'],
      ['govdesk_sync_sent_bytes_total', 'counter'],
      ['govdesk_sync_dropped_frames_total', 'counter'],
      ['govdesk_sync_closed_connections_total', 'counter'],
      ['govdesk_sync_refused_upgrades_total', 'counter'],
      ['govdesk_sync_persist_seconds', 'histogram'],
      ['govdesk_sync_persist_batch_updates', 'histogram'],
      ['govdesk_sync_compactions_total', 'counter'],
      ['govdesk_sync_compaction_seconds', 'histogram'],
      ['govdesk_sync_http_requests_total', 'counter'],
      ['govdesk_sync_process_resident_memory_bytes', 'gauge'],
      ['govdesk_sync_nodejs_eventloop_lag_seconds', 'gauge'],
    ]) {
      expect(text, name).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(text).toMatch(/^govdesk_sync_connections [1-9]/m);
    expect(text).toMatch(/^govdesk_sync_documents_loaded [1-9]/m);
    expect(text).toMatch(/^govdesk_sync_persist_seconds_count [1-9]/m);
    expect(text).toMatch(/^govdesk_sync_http_requests_total\{method="POST",route="\/api\/documents",status="201"\} [1-9]/m);
  });
});

describe('rate limits and the metrics token', () => {
  let guarded: SyncServerProcess;
  const METRICS_TOKEN = 'metrics-token-for-the-test-0123456789';

  beforeAll(async () => {
    guarded = await startSyncServer({ homeserver, directory: org.directory, env: { GOVDESK_SYNC_SESSIONS_PER_MINUTE: '3', GOVDESK_SYNC_METRICS_TOKEN: METRICS_TOKEN } });
  });
  afterAll(async () => {
    await guarded?.stop();
  });

  it('answers 429 to the fourth login attempt in a minute from one address; refreshing is not limited by address', async () => {
    const attempt = async () => api(guarded, null, 'POST', '/api/session', { homeserver: homeserver.serverName, openIdToken: await openIdToken(homeserver, org.wang) });
    const first = await attempt();
    expect(first.status).toBe(201);
    expect((await attempt()).status).toBe(201);
    expect((await api(guarded, null, 'POST', '/api/session', { homeserver: homeserver.serverName, openIdToken: 'guessed' })).status).toBe(401);
    expect(await attempt()).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    // Only logins (which make the server ask the homeserver) are limited: sessions already made keep working and
    // refreshing, since a refresh token is a secret that cannot be guessed and ends its session when reused.
    expect((await api(guarded, first.body.accessToken, 'GET', '/api/documents')).status).toBe(200);
    expect((await api(guarded, null, 'POST', '/api/session/refresh', { refreshToken: first.body.refreshToken })).status).toBe(200);
  });

  it('serves /metrics only with the bearer metrics token when one is configured', async () => {
    expect((await raw('GET', '/metrics', { target: guarded })).status).toBe(403);
    expect((await raw('GET', '/metrics', { target: guarded, token: 'wrong-token-of-the-same-size-1234567' })).body).toMatchObject({ error: { code: 'not_allowed' } });
    const allowed = await raw('GET', '/metrics', { target: guarded, token: METRICS_TOKEN });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain('# TYPE govdesk_sync_connections gauge');
  });
});

describe('the process', () => {
  function run(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [path.join(repoRoot, 'sync-server/src/main.ts')], {
      env: { PATH: process.env.PATH, GOVDESK_SYNC_PORT: '0', GOVDESK_SYNC_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'govdesk-sync-')), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // A server that starts despite the bad setting would run forever: stop it, and the test fails on the exit code.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    return new Promise((resolve) =>
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      }),
    );
  }

  it('exits with 78 (EX_CONFIG) naming the bad setting and its environment variable', async () => {
    for (const [variable, value, setting] of [
      ['GOVDESK_SYNC_MAX_FRAME_BYTES', '0', 'limits.maxFrameBytes'],
      ['GOVDESK_SYNC_COMPACT_AFTER_UPDATES', 'many', 'storage.compactAfterUpdates'],
      ['GOVDESK_SYNC_LOG_LEVEL', 'verbose', 'logLevel'],
      ['GOVDESK_SYNC_METRICS_TOKEN', 'short', 'metricsToken'],
    ]) {
      const { code, output } = await run({ [variable as string]: value as string });
      expect(code, output).toBe(78);
      expect(output).toContain(`${setting}:`);
      expect(output).toContain(variable);
    }
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'govdesk-config-')), 'sync-server.json');
    writeFileSync(file, '{"port": 8780,');
    const broken = await run({ GOVDESK_SYNC_CONFIG: file });
    expect(broken.code).toBe(78);
    expect(broken.output).toContain(file);
  });

  it('exits with 1 and says why when its port is taken', async () => {
    const { code, output } = await run({ GOVDESK_SYNC_PORT: String(server.port) });
    expect(code).toBe(1);
    expect(output).toContain('the sync-server could not listen');
    expect(output).toContain('EADDRINUSE');
  });

  it('exits with 78 naming the line of the bad entry in the directory file', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'govdesk-directory-')), 'directory.json');
    const directory = structuredClone(org.directory);
    (directory.people[1] as { unitId: string }).unitId = 'no-such-unit';
    const text = JSON.stringify(directory, null, 2);
    writeFileSync(file, text);
    const { code, output } = await run({ GOVDESK_SYNC_DIRECTORY_FILE: file });
    expect(code).toBe(78);
    expect(output).toContain(file);
    // The line the bad person's object starts on: the one before their userId.
    const line = text.split('\n').findIndex((row) => row.includes(`"userId": "${directory.people[1]?.userId}"`));
    expect(output).toContain(`directory.json 第 ${line} 行：所属单位编码 no-such-unit 不存在`);

    const missing = await run({ GOVDESK_SYNC_DIRECTORY_FILE: `${file}.missing` });
    expect(missing.code).toBe(78);
    expect(missing.output).toContain(`${file}.missing`);
  });

  it('stops at once on a second signal while a graceful stop is waiting for a client', async () => {
    const own = await startSyncServer({ homeserver, directory: org.directory });
    const zhang = await login(own, homeserver, org.zhang);
    const created = await api(own, zhang.accessToken, 'POST', '/api/documents', NOTICE);
    // A client that stops reading never answers the close handshake: a graceful stop waits for it for a while.
    const { ws } = await openSocket(created.body.id, zhang.accessToken, own);
    (ws as unknown as { _socket: Socket })._socket.pause();
    own.child.kill('SIGTERM');
    await expect.poll(() => own.logs.some((entry) => entry.msg === 'shutting down')).toBe(true);
    own.child.kill('SIGINT');
    expect(await own.exited).toBe(1);
    expect(own.logs.map((entry) => entry.msg)).toContain('stopping at once');
    expect(own.logs.map((entry) => entry.msg)).not.toContain('stopped');
  });

  it('shuts down gracefully on SIGTERM: clients get 1001, what the server acknowledged is durable, exit code 0', async () => {
    const own = await startSyncServer({ homeserver, directory: org.directory });
    const zhang = await login(own, homeserver, org.zhang);
    const li = await login(own, homeserver, org.li);
    const created = await api(own, zhang.accessToken, 'POST', '/api/documents', NOTICE);
    await api(own, zhang.accessToken, 'PUT', `/api/documents/${created.body.id}/shares`, { principal: user('li'), role: 'reader' });
    const writer = stockClient(own.wsUrl, created.body.id, zhang.accessToken);
    const reader = stockClient(own.wsUrl, created.body.id, li.accessToken);
    clients.push(writer, reader);
    await Promise.all([writer.synced, reader.synced]);
    const closes = [writer, reader].map(
      (client) => new Promise<{ code: number; reason: string }>((resolve) => client.provider.ws?.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason }))),
    );

    // A stream of large edits, and the signal while the server is still taking them in.
    const lines = Array.from({ length: 200 }, (_, i) => `第${i + 1}段：${'防汛抗旱'.repeat(2_500)}。`);
    writer.text.insert(0, lines[0] as string);
    await expect.poll(() => reader.text.length).toBeGreaterThan(0);
    for (const line of lines.slice(1)) writer.text.insert(writer.text.length, line);
    own.child.kill('SIGTERM');

    for (const close of await Promise.all(closes)) expect(close).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(await own.exited).toBe(0);
    const acknowledged = reader.text.toString();
    writer.provider.disconnect();
    reader.provider.disconnect();

    const restarted = await own.restart();
    try {
      const session = await login(restarted, homeserver, org.zhang);
      const fresh = stockClient(restarted.wsUrl, created.body.id, session.accessToken);
      clients.push(fresh);
      await fresh.synced;
      const stored = fresh.text.toString();
      // The server sends an update to anyone only once it is durable, and drains its queue before it closes the
      // sockets: what the reader had at the close is exactly what is stored. And it is what the writer wrote, in order.
      expect(stored).toBe(acknowledged);
      expect(stored.length).toBeGreaterThan(0);
      expect(lines.join('').startsWith(stored)).toBe(true);
    } finally {
      await restarted.stop();
    }
  });
});
