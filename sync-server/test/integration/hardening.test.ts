import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SessionTokens } from '@govdesk/shared';
import type { SyncServer } from '../../src/server.ts';
import type { ContentStore, DocumentRepository, Storage } from '../../src/storage/types.ts';
import { startInProcess as startServerInProcess } from './in-process.ts';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, type TestOrganisation } from '../../../test/support/organisation.ts';
import { api, createSharedDocument, login, metric, startSyncServer, type ServerAddress, type SyncServerProcess, upgradeStatus } from '../../../test/support/sync-server.ts';
import { stockClient, type StockClient } from '../../../test/support/yjs-clients.ts';

/**
 * What bounds the cost of one peer and keeps the server up (issue 7, "bounded
 * cost per peer"): sockets of sessions that ran out, documents of failed
 * upgrades, the connection cap under parallel upgrades, storage that stalls,
 * the OpenID answer of a homeserver, failed rights lookups, and answers after
 * which the server cuts the connection. Real server processes, real sockets,
 * the real test homeserver; where a failure must be provoked inside the server
 * (a disk that stalls, a read that fails), the real server runs in this process
 * on the real SQLite storage, wrapped.
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
const servers: SyncServerProcess[] = [];
const inProcess: SyncServer[] = [];
const clients: StockClient[] = [];
const sockets: WebSocket[] = [];
/** Lets stalled storage go, so that the in-process servers can stop even after a failed test. */
const releases: (() => void)[] = [];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  for (const ws of sockets) ws.terminate();
  for (const release of releases) release();
  await Promise.all([...servers.map((server) => server.stop()), ...inProcess.map((server) => server.close())]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(env: Record<string, string>, homeservers?: Record<string, string>): Promise<SyncServerProcess> {
  const server = await startSyncServer({
    homeserver,
    directory: org.directory,
    env: { ...env, ...(homeservers ? { GOVDESK_SYNC_HOMESERVERS: JSON.stringify({ [homeserver.serverName]: homeserver.baseUrl, ...homeservers }) } : {}) },
  });
  servers.push(server);
  return server;
}

/** A document 张伟 owns and 李娜 may edit. */
const newDocument = (server: ServerAddress, zhang: SessionTokens) => createSharedDocument(server, zhang, [[org.li.userId, 'editor']]);

const socketUrl = (server: ServerAddress, documentId: string, session: SessionTokens) => `${server.wsUrl}/${documentId}?token=${encodeURIComponent(session.accessToken)}`;

interface OpenSocket {
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
}

/** A plain WebSocket on a document, to see exactly how the server closes it. */
function open(server: ServerAddress, documentId: string, session: SessionTokens): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(socketUrl(server, documentId, session));
    sockets.push(ws);
    const closed = new Promise<{ code: number; reason: string }>((done) => ws.once('close', (code, reason) => done({ code, reason: reason.toString() })));
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** An upgrade request without Sec-WebSocket-Key: every check passes, then the handshake fails. */
async function brokenHandshake(server: ServerAddress, documentId: string, session: SessionTokens): Promise<string> {
  const socket = connect({ port: server.port, host: '127.0.0.1' });
  await once(socket, 'connect');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.write(`GET /docs/${documentId}?token=${encodeURIComponent(session.accessToken)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await once(socket, 'close');
  return answer;
}

/** How a socket was closed, or 'still open' if it was not within `ms`. */
const closedWithin = (socket: OpenSocket, ms: number) => Promise.race([socket.closed, sleep(ms).then(() => 'still open' as const)]);

function connectStock(server: ServerAddress, documentId: string, session: SessionTokens): StockClient {
  const client = stockClient(server.wsUrl, documentId, session.accessToken);
  clients.push(client);
  return client;
}

/** The real server in this process, on real SQLite storage that `wrap` may wrap. */
async function startInProcess(env: Record<string, string>, wrap: (storage: Storage) => Storage): Promise<{ target: ServerAddress; logs: Record<string, unknown>[] }> {
  const { server, target, logs } = await startServerInProcess({ homeserver, directory: org.directory, env, wrapStorage: wrap });
  inProcess.push(server);
  return { target, logs };
}

/** `target` with `method` replaced; every other member is the target's own (bound, since the stores keep private fields). */
function replacing<T extends object, K extends keyof T>(target: T, method: K, replacement: T[K]): T {
  return new Proxy(target, {
    get(object, property) {
      if (property === method) return replacement;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

describe('sessions that run out', () => {
  it('closes the sockets of a session whose refresh lifetime passed (4401), and only once it passed: a refresh extends it', async () => {
    const server = await start({ GOVDESK_SYNC_REFRESH_TTL_SECONDS: '4', GOVDESK_SYNC_IDLE_TIMEOUT_SECONDS: '1' });
    const zhang = await login(server, homeserver, org.zhang);
    const documentId = await newDocument(server, zhang);
    const expiring = await login(server, homeserver, org.li);
    const refreshed = await login(server, homeserver, org.li);
    const refreshedAt = Date.now() + 2_000;
    const [dying, living] = [await open(server, documentId, expiring), await open(server, documentId, refreshed)];
    await sleep(refreshedAt - Date.now());
    const { status } = await api(server, null, 'POST', '/api/session/refresh', { refreshToken: refreshed.refreshToken });
    expect(status).toBe(200);

    expect(await closedWithin(dying, 10_000)).toEqual({ code: 4401, reason: 'session ended' });
    // The refreshed session runs until two seconds after the other one; its socket stays.
    expect(living.ws.readyState).toBe(WebSocket.OPEN);
    // The access token itself is still within its lifetime, but its session is over: no new socket, no API call.
    expect(await upgradeStatus(socketUrl(server, documentId, expiring))).toBe(401);
    expect((await api(server, expiring.accessToken, 'GET', '/api/documents')).status).toBe(401);

    // Without another refresh, the second session runs out too.
    expect(await closedWithin(living, 10_000)).toEqual({ code: 4401, reason: 'session ended' });
  });
});

describe('failed upgrades', () => {
  it('keeps no document in memory after an upgrade that failed once the document was loaded', async () => {
    const server = await start({ GOVDESK_SYNC_UNLOAD_AFTER_MS: '200' });
    const zhang = await login(server, homeserver, org.zhang);
    const documentId = await newDocument(server, zhang);
    expect(await metric(server, 'govdesk_sync_documents_loaded')).toBe(0);

    // Valid session and right: the server loads the document, then ws refuses the handshake.
    expect(await brokenHandshake(server, documentId, zhang)).toMatch(/^HTTP\/1\.1 400 /);

    await expect.poll(() => metric(server, 'govdesk_sync_documents_loaded'), { timeout: 5_000 }).toBe(0);
    // And the document still opens normally afterwards.
    const client = connectStock(server, documentId, zhang);
    await client.synced;
    expect(await metric(server, 'govdesk_sync_documents_loaded')).toBe(1);
  });
});

describe('connections per user', () => {
  /** An upgrade attempt that keeps its socket open: its status (101 when it opened). */
  function attempt(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      sockets.push(ws);
      ws.once('open', () => resolve(101));
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  it('holds the cap when many upgrades of one user wait for a document to load, and frees the slots of failed upgrades', async () => {
    // Loading waits until the test lets it go: the window in which the other upgrades of the same user arrive.
    let gate: PromiseWithResolvers<void> | null = null;
    releases.push(() => gate?.resolve());
    let loads = 0;
    const { target } = await startInProcess({ GOVDESK_SYNC_MAX_CONNECTIONS_PER_USER: '2' }, (storage) => {
      const content = storage.content;
      const load = async (...args: Parameters<ContentStore['load']>) => {
        loads += 1;
        while (gate) await gate.promise;
        return content.load(...args);
      };
      return { ...storage, content: replacing(content, 'load', load) };
    });
    const zhang = await login(target, homeserver, org.zhang);
    const li = await login(target, homeserver, org.li);
    const documents = [await newDocument(target, zhang), await newDocument(target, zhang), await newDocument(target, zhang)];

    gate = Promise.withResolvers<void>();
    const attempts = Array.from({ length: 9 }, (_, i) => attempt(socketUrl(target, documents[i % 3] as string, li)));
    await expect.poll(() => loads).toBeGreaterThan(0);
    await sleep(500);
    gate.resolve();
    gate = null;
    const statuses = await Promise.all(attempts);
    expect(statuses.filter((status) => status === 101)).toHaveLength(2);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
    expect(await metric(target, 'govdesk_sync_connections')).toBe(2);

    // Upgrades that fail after taking a slot give it back.
    for (let i = 0; i < 3; i++) expect(await brokenHandshake(target, documents[0] as string, zhang)).toMatch(/^HTTP\/1\.1 400 /);
    expect(await attempt(socketUrl(target, documents[0] as string, zhang))).toBe(101);
    expect(await attempt(socketUrl(target, documents[1] as string, zhang))).toBe(101);
    expect(await attempt(socketUrl(target, documents[2] as string, zhang))).toBe(429);
  });
});

describe('storage that stalls', () => {
  it('stops reading from clients while too much waits to be made durable; a stock client loses nothing and is not dropped', async () => {
    const MAX_PENDING = 64 * 1024;
    let gate: PromiseWithResolvers<void> | null = null;
    releases.push(() => gate?.resolve());
    const { target } = await startInProcess({ GOVDESK_SYNC_MAX_PENDING_BYTES: String(MAX_PENDING), GOVDESK_SYNC_IDLE_TIMEOUT_SECONDS: '1' }, (storage) => {
      const content = storage.content;
      // A disk that stops answering: appends wait until the test lets them through.
      const append = async (...args: Parameters<ContentStore['append']>) => {
        while (gate) await gate.promise;
        return content.append(...args);
      };
      return { ...storage, content: replacing(content, 'append', append) };
    });
    const zhang = await login(target, homeserver, org.zhang);
    const documentId = await newDocument(target, zhang);
    const writer = connectStock(target, documentId, zhang);
    await writer.synced;
    const receivedBefore = await metric(target, 'govdesk_sync_received_bytes_total');

    gate = Promise.withResolvers<void>();
    // 2 MiB of typing, in 8 KiB updates, while nothing can be made durable.
    const CHUNK = 'x'.repeat(8 * 1024);
    const UPDATES = 256;
    for (let i = 0; i < UPDATES; i++) writer.text.insert(writer.text.length, CHUNK);
    // Long enough for the server to read everything it is going to read, and for two rounds of pings (every 0.5 s).
    await sleep(2_000);
    let received = await metric(target, 'govdesk_sync_received_bytes_total');
    for (let previous = -1; received !== previous; await sleep(500)) [previous, received] = [received, await metric(target, 'govdesk_sync_received_bytes_total')];
    // The bound plus what the socket had already read when reading stopped (one read of at most 64 KiB, and the frame in progress).
    expect(received - receivedBefore).toBeLessThan(MAX_PENDING + 64 * 1024 + 2 * CHUNK.length);
    // The client's pongs wait unread too; it is not taken for dead.
    expect(writer.closes).toEqual([]);

    gate.resolve();
    gate = null;
    const reader = connectStock(target, documentId, zhang);
    await expect.poll(() => reader.text.length, { timeout: 30_000 }).toBe(UPDATES * CHUNK.length);
    expect(reader.text.toString()).toBe(writer.text.toString());
    expect(writer.closes).toEqual([]);
  });
});

describe('the OpenID verification', () => {
  it('reads at most 64 KiB of the homeserver’s answer, and tells the client nothing of why a homeserver could not be reached', async () => {
    // An allow-listed homeserver that answers its userinfo with 16 MiB (a valid user and padding), sent as fast as it is read.
    const hostileAnswer: { finished: boolean | null } = { finished: null };
    const hostile = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"sub":"@mallory:big.test","padding":"');
      let left = 16 * 1024;
      const more = (): void => {
        while (left > 0) {
          left -= 1;
          if (!res.write('x'.repeat(1024))) {
            res.once('drain', more);
            return;
          }
        }
        res.end('"}');
      };
      more();
      res.once('close', () => (hostileAnswer.finished = res.writableFinished));
    });
    hostile.listen(0, '127.0.0.1');
    await once(hostile, 'listening');
    // A port nobody listens on.
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const server = await start({}, { 'big.test': `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`, 'down.test': `http://127.0.0.1:${closedPort}` });

      const big = await api(server, null, 'POST', '/api/session', { homeserver: 'big.test', openIdToken: 'token' });
      expect(big).toMatchObject({ status: 502, body: { error: { code: 'homeserver_error' } } });
      // The sync-server stopped reading and closed the connection long before the end of the answer.
      await expect.poll(() => hostileAnswer.finished, { timeout: 10_000 }).toBe(false);

      const down = await api(server, null, 'POST', '/api/session', { homeserver: 'down.test', openIdToken: 'token' });
      expect(down).toMatchObject({ status: 502, body: { error: { code: 'homeserver_unreachable' } } });
      expect(JSON.stringify(down.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|fetch failed|\d{4,5}/);
      // The operator learns why.
      await expect.poll(() => server.logs.some((entry) => JSON.stringify(entry).includes('ECONNREFUSED'))).toBe(true);

      // The real homeserver still logs people in.
      await login(server, homeserver, org.zhang);
    } finally {
      hostile.closeAllConnections();
      hostile.close();
    }
  });
});

describe('failed rights lookups', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  /** Reads of documents that may still succeed before they fail (a disk error), and what happens after a share is written. */
  const reads = { allowed: Infinity, afterShare: () => {} };
  let target: ServerAddress;
  let logs: Record<string, unknown>[];
  let zhang: SessionTokens;
  let li: SessionTokens;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    ({ target, logs } = await startInProcess({}, (storage) => {
      const documents = storage.documents;
      const get: DocumentRepository['get'] = async (id) => {
        if (reads.allowed <= 0) throw new Error('SQLITE_IOERR: disk I/O error');
        reads.allowed -= 1;
        return documents.get(id);
      };
      const withGet = replacing(documents, 'get', get);
      const putShare: DocumentRepository['putShare'] = async (...args) => {
        await documents.putShare(...args);
        reads.afterShare();
      };
      return { ...storage, documents: replacing(withGet, 'putShare', putShare) };
    }));
    zhang = await login(target, homeserver, org.zhang);
    li = await login(target, homeserver, org.li);
  });

  beforeEach(() => {
    reads.allowed = Infinity;
    reads.afterShare = () => {};
  });

  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('closes a socket whose right could not be checked again after the upgrade (4500), logs it, and leaves no promise unhandled', async () => {
    const documentId = await newDocument(target, zhang);
    // The check before the upgrade reads the document; the one after the socket is attached fails.
    reads.allowed = 1;
    const socket = await open(target, documentId, li);
    expect(await closedWithin(socket, 5_000)).toEqual({ code: 4500, reason: 'storage failure' });
    reads.allowed = Infinity;
    expect(unhandled).toEqual([]);
    expect(logs.some((entry) => entry.level === 50 && JSON.stringify(entry).includes('disk I/O error'))).toBe(true);
    // With the disk back, the client's reconnection is checked as any other.
    expect(await upgradeStatus(socketUrl(target, documentId, li))).toBe(101);
  });

  it('closes the sockets whose right could not be checked after a change of shares (4500), and leaves no promise unhandled', async () => {
    const documentId = await newDocument(target, zhang);
    const socket = await open(target, documentId, li);
    reads.afterShare = () => (reads.allowed = 0);
    const shared = await api(target, zhang.accessToken, 'PUT', `/api/documents/${documentId}/shares`, { principal: { type: 'user', userId: org.wang.userId }, role: 'reader' });
    expect(shared.status).toBe(200);
    expect(await closedWithin(socket, 5_000)).toEqual({ code: 4500, reason: 'storage failure' });
    reads.allowed = Infinity;
    expect(unhandled).toEqual([]);
  });
});

describe('answers after which the connection is cut', () => {
  it('says Connection: close with a 413, so that a keep-alive client gets every answer instead of a reset', async () => {
    const MAX_BODY = 64 * 1024;
    const server = await start({ GOVDESK_SYNC_MAX_BODY_BYTES: String(MAX_BODY) });
    const zhang = await login(server, homeserver, org.zhang);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const body = JSON.stringify({ title: '关于做好2026年防汛工作的通知', padding: 'x'.repeat(MAX_BODY + 1024) });
    const post = () =>
      new Promise<{ status: number | undefined; connection: string | undefined; code: unknown }>((resolve, reject) => {
        const req = request(`${server.url}/api/documents`, {
          method: 'POST',
          agent,
          headers: { authorization: `Bearer ${zhang.accessToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        });
        req.once('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.once('end', () => resolve({ status: res.statusCode, connection: res.headers.connection, code: (JSON.parse(text) as { error: { code: unknown } }).error.code }));
          res.once('error', reject);
        });
        req.once('error', reject);
        req.end(body);
      });
    const outcomes: unknown[] = [];
    for (let i = 0; i < 40; i++) outcomes.push(await post().catch((error: NodeJS.ErrnoException) => ({ error: error.code ?? error.message })));
    agent.destroy();
    for (const outcome of outcomes) expect(outcome).toEqual({ status: 413, connection: 'close', code: 'body_too_large' });
    // The server keeps serving on new connections.
    expect((await api(server, zhang.accessToken, 'GET', '/api/documents')).status).toBe(200);
  });
});
