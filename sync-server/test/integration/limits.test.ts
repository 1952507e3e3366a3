import type { Socket } from 'node:net';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { SessionTokens } from '@govdesk/shared';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, type TestOrganisation } from '../../../test/support/organisation.ts';
import { createSharedDocument, login, metric, startSyncServer, type SyncServerProcess, upgradeStatus } from '../../../test/support/sync-server.ts';
import { stockClient, type StockClient } from '../../../test/support/yjs-clients.ts';

/**
 * The limits that keep one client from hurting the others: frame size, slow
 * consumers, connections per user, frame rate, malformed frames, awareness
 * spoofing and throttling. Each runs against a real server process with the
 * limit set low, with real sockets; frames are built here with lib0, the way
 * any y-protocols client encodes them.
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
const servers: SyncServerProcess[] = [];
const clients: StockClient[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  for (const ws of sockets) ws.terminate();
  await Promise.all(servers.map((server) => server.stop()));
});

interface Setup {
  server: SyncServerProcess;
  zhang: SessionTokens;
  li: SessionTokens;
  /** A document 张伟 owns and 李娜 may edit. */
  documentId: string;
}

async function setup(env: Record<string, string>): Promise<Setup> {
  const server = await startSyncServer({ homeserver, directory: org.directory, env });
  servers.push(server);
  const zhang = await login(server, homeserver, org.zhang);
  const li = await login(server, homeserver, org.li);
  return { server, zhang, li, documentId: await newDocument({ server, zhang, li, documentId: '' }) };
}

const newDocument = ({ server, zhang }: Setup) => createSharedDocument(server, zhang, [[org.li.userId, 'editor']]);

function connectStock(server: SyncServerProcess, documentId: string, session: SessionTokens): StockClient {
  const client = stockClient(server.wsUrl, documentId, session.accessToken);
  clients.push(client);
  return client;
}

// ---- Frames, encoded as y-protocols defines them -------------------------------------------------

const frame = (write: (encoder: encoding.Encoder) => void) => {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
};
const updateFrame = (update: Uint8Array) => frame((e) => (encoding.writeVarUint(e, 0), encoding.writeVarUint(e, 2), encoding.writeVarUint8Array(e, update)));
const awarenessFrame = (entries: { clientId: number; clock: number; state: unknown; raw?: string }[]) =>
  frame((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(
      e,
      frame((inner) => {
        encoding.writeVarUint(inner, entries.length);
        for (const entry of entries) {
          encoding.writeVarUint(inner, entry.clientId);
          encoding.writeVarUint(inner, entry.clock);
          encoding.writeVarString(inner, entry.raw ?? JSON.stringify(entry.state));
        }
      }),
    );
  });
const QUERY_AWARENESS = Uint8Array.of(3);

/** A Yjs update inserting `text`, as an editor's client would send it. */
function insertUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('content').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/** A plain WebSocket on a document: sends what the test says, keeps what it receives, reports how it was closed. */
interface RawClient {
  ws: WebSocket;
  received: Uint8Array[];
  closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
}

function rawClient(server: SyncServerProcess, documentId: string, session: SessionTokens): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.wsUrl}/${documentId}?token=${encodeURIComponent(session.accessToken)}`);
    sockets.push(ws);
    const received: Uint8Array[] = [];
    let isClosed = false;
    ws.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.once('close', (code, reason) => {
        isClosed = true;
        done({ code, reason: reason.toString() });
      }),
    );
    ws.once('open', () => resolve({ ws, received, closed, isClosed: () => isClosed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function upgradeStatusOf(server: SyncServerProcess, documentId: string, session: SessionTokens): Promise<number> {
  return upgradeStatus(`${server.wsUrl}/${documentId}?token=${encodeURIComponent(session.accessToken)}`);
}

/** What a fresh client syncs from the server: the stored document as anyone would get it now. */
async function contentOnServer(server: SyncServerProcess, documentId: string, session: SessionTokens): Promise<string> {
  const client = connectStock(server, documentId, session);
  await client.synced;
  const text = client.text.toString();
  client.destroy();
  return text;
}

/** Two stock clients that have converged on `text`: the bystanders every test checks are unaffected. */
async function bystanders(server: SyncServerProcess, documentId: string, zhang: SessionTokens, li: SessionTokens, text: string) {
  const owner = connectStock(server, documentId, zhang);
  const editor = connectStock(server, documentId, li);
  await Promise.all([owner.synced, editor.synced]);
  owner.text.insert(0, text);
  await expect.poll(() => editor.text.toString()).toBe(text);
  return { owner, editor };
}

/** The bystanders are still connected and still sync both ways. */
async function stillWorking(owner: StockClient, editor: StockClient, addition: string): Promise<void> {
  expect(owner.closes).toEqual([]);
  expect(editor.closes).toEqual([]);
  editor.text.insert(editor.text.length, addition);
  await expect.poll(() => owner.text.toString()).toBe(editor.text.toString());
}

// ---- The tests --------------------------------------------------------------------------------------

describe('frame size', () => {
  it('closes a connection that sends a frame over GOVDESK_SYNC_MAX_FRAME_BYTES with 1009, and the document stays intact', async () => {
    const s = await setup({ GOVDESK_SYNC_MAX_FRAME_BYTES: String(64 * 1024) });
    const { owner, editor } = await bystanders(s.server, s.documentId, s.zhang, s.li, '正文');

    // Just under the limit is fine.
    const fits = await rawClient(s.server, s.documentId, s.li);
    fits.ws.send(updateFrame(insertUpdate('甲'.repeat(20_000))));
    await expect.poll(() => owner.text.length).toBe(2 + 20_000);

    const big = await rawClient(s.server, s.documentId, s.li);
    big.ws.send(updateFrame(insertUpdate('乙'.repeat(30_000))));
    expect((await big.closed).code).toBe(1009);
    // Operators see it: the refused frame and the closed connection are counted.
    expect(await metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'too_large' })).toBe(1);
    expect(await metric(s.server, 'govdesk_sync_closed_connections_total', { reason: 'too_large' })).toBe(1);
    expect(owner.text.toString()).not.toContain('乙');
    await stillWorking(owner, editor, '。');
    expect(fits.isClosed()).toBe(false);
    const stored = await contentOnServer(s.server, s.documentId, s.zhang);
    expect(stored).toBe(owner.text.toString());
    expect(stored).not.toContain('乙');
  });
});

describe('slow consumers', () => {
  it('drops a client that stops reading once its unsent data passes GOVDESK_SYNC_MAX_BUFFERED_BYTES; server memory stays bounded', async () => {
    const MAX_BUFFERED = 8 * 1024 * 1024;
    // No compaction during the test: it would hold a merged copy of everything written, which is not what is measured.
    const s = await setup({ GOVDESK_SYNC_MAX_BUFFERED_BYTES: String(MAX_BUFFERED), GOVDESK_SYNC_COMPACT_AFTER_BYTES: String(2 ** 40), GOVDESK_SYNC_COMPACT_AFTER_UPDATES: '1000000' });
    const memory = async () => ({
      rss: await metric(s.server, 'govdesk_sync_process_resident_memory_bytes'),
      // Where Node keeps Buffers, and so the data queued on sockets.
      external: await metric(s.server, 'govdesk_sync_nodejs_external_memory_bytes'),
    });
    const reader = await rawClient(s.server, s.documentId, s.li);
    // The server opens with sync step 1: the connection is fully attached before the reader goes quiet.
    await expect.poll(() => reader.received.length).toBeGreaterThan(0);
    const socket = (reader.ws as unknown as { _socket: Socket })._socket;
    socket.pause();

    const writer = await rawClient(s.server, s.documentId, s.zhang);
    const before = await memory();
    // About 200 MB of edits (half a megabyte inserted, then deleted, each time), 25 times what the reader may hold back.
    const doc = new Y.Doc();
    const text = doc.getText('content');
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    let sent = 0;
    let echoed = 0;
    let expected = 0;
    let onEcho = () => {};
    writer.ws.on('message', (data: Buffer) => {
      if (data[0] === 0 && data[1] === 2) echoed += 1;
      onEcho();
    });
    for (let round = 0; round < 400; round++) {
      text.insert(0, '汛'.repeat(170_000));
      text.delete(0, text.length);
      for (const update of updates.splice(0)) {
        writer.ws.send(updateFrame(update));
        sent += update.length;
        expected += 1;
      }
      // The writer waits for its edits to come back (the server's word that they are durable) before the next ones,
      // so that it never falls behind itself: only the reader is slow.
      await new Promise<void>((resolve) => {
        onEcho = () => echoed >= expected && resolve();
        onEcho();
      });
      // Once dropped, the reader reads again (before the server gives up on the close handshake and cuts it off).
      if (socket.isPaused() && round % 10 === 9 && (await metric(s.server, 'govdesk_sync_closed_connections_total', { reason: 'slow_consumer' })) > 0) socket.resume();
    }
    expect(sent).toBeGreaterThan(24 * MAX_BUFFERED);
    expect(await metric(s.server, 'govdesk_sync_closed_connections_total', { reason: 'slow_consumer' })).toBe(1);

    // The reader, reading again, found the close frame behind what had been queued for it; the writer, who reads, stays.
    expect(await reader.closed).toEqual({ code: 4508, reason: 'slow consumer' });
    expect(writer.isClosed()).toBe(false);

    // Without the cap the server would now hold all ~200 MB for the reader, which never reads again (measured with
    // the cap off: external memory +250 MB, RSS +320 MB); with it, what remains is garbage not yet collected.
    const after = await memory();
    expect(after.external - before.external).toBeLessThan(sent / 2);
    expect(after.rss - before.rss).toBeLessThan(sent);
  });
});

describe('connections per user', () => {
  it('refuses the n+1th upgrade of one user with 429, and only for that user', async () => {
    const s = await setup({ GOVDESK_SYNC_MAX_CONNECTIONS_PER_USER: '3' });
    const second = await newDocument(s);
    const open = [await rawClient(s.server, s.documentId, s.li), await rawClient(s.server, second, s.li), await rawClient(s.server, s.documentId, s.li)];
    expect(await upgradeStatusOf(s.server, second, s.li)).toBe(429);
    expect(await metric(s.server, 'govdesk_sync_refused_upgrades_total', { status: '429' })).toBe(1);
    // A new session of the same user counts too: the limit is per person, not per login.
    expect(await upgradeStatusOf(s.server, s.documentId, await login(s.server, homeserver, org.li))).toBe(429);
    // Someone else is not affected.
    expect(await upgradeStatusOf(s.server, s.documentId, s.zhang)).toBe(101);
    for (const client of open) expect(client.isClosed()).toBe(false);

    // Closing one makes room for one.
    open[0]?.ws.close();
    await open[0]?.closed;
    await expect.poll(() => upgradeStatusOf(s.server, second, s.li)).toBe(101);
  });
});

describe('frame rate', () => {
  it('closes a connection whose burst passes GOVDESK_SYNC_FRAME_BURST with 4529', async () => {
    const s = await setup({ GOVDESK_SYNC_FRAME_BURST: '20', GOVDESK_SYNC_FRAMES_PER_SECOND: '1' });
    const { owner, editor } = await bystanders(s.server, s.documentId, s.zhang, s.li, '正文');
    const flooder = await rawClient(s.server, s.documentId, s.li);
    for (let i = 0; i < 40; i++) flooder.ws.send(QUERY_AWARENESS);
    expect(await flooder.closed).toEqual({ code: 4529, reason: 'rate limited' });
    expect(await metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    await stillWorking(owner, editor, '。');
    expect(await contentOnServer(s.server, s.documentId, s.zhang)).toBe('正文。');
  });
});

describe('malformed frames', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup({});
  });

  const update = insertUpdate('恶意内容');
  it.each([
    ['an unknown message type', Uint8Array.of(7, 0, 0)],
    ['an update cut short inside correct framing', updateFrame(update.subarray(0, update.length - 3))],
    ['an update whose declared length runs past the frame', updateFrame(update).subarray(0, 10)],
    ['a text frame', '{"type":"update"}'],
    ['awareness whose state is not JSON', awarenessFrame([{ clientId: 4242, clock: 1, state: null, raw: '{"user":{"name":' }])],
    ['a valid update followed by garbage in the same frame', Uint8Array.from([...updateFrame(update), 0xff, 0xff])],
  ] as const)('closes the connection that sends %s with 4400; the document and other clients are unaffected', async (_what, bad) => {
    const documentId = await newDocument(s);
    const { owner, editor } = await bystanders(s.server, documentId, s.zhang, s.li, '关于做好2026年防汛工作的通知');
    const malformedBefore = await metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'malformed' });

    const attacker = await rawClient(s.server, documentId, s.li);
    attacker.ws.send(bad);
    expect(await attacker.closed).toEqual({ code: 4400, reason: 'malformed frame' });
    expect(await metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'malformed' })).toBe(malformedBefore + 1);

    await stillWorking(owner, editor, '（征求意见稿）');
    const stored = await contentOnServer(s.server, documentId, s.zhang);
    expect(stored).toBe('关于做好2026年防汛工作的通知（征求意见稿）');
    expect(stored).not.toContain('恶意');
    // The server lives on: the attacker may reconnect and behave.
    expect(await upgradeStatusOf(s.server, documentId, s.li)).toBe(101);
  });
});

describe('awareness', () => {
  /** Decodes the awareness messages among received frames: clientId → last state seen. */
  function awarenessStates(frames: Uint8Array[]): { messages: number; states: Map<number, unknown> } {
    const states = new Map<number, unknown>();
    let messages = 0;
    for (const bytes of frames) {
      if (bytes[0] !== 1) continue;
      messages += 1;
      // type (1) • varUint8Array(update); the update: count • (clientId • clock • state string)*
      const decoder = { pos: 1, bytes };
      const readVarUint = () => {
        let value = 0;
        let mult = 1;
        for (;;) {
          const byte = decoder.bytes[decoder.pos++] as number;
          value += (byte & 0x7f) * mult;
          mult *= 128;
          if (byte < 0x80) return value;
        }
      };
      readVarUint();
      const count = readVarUint();
      for (let i = 0; i < count; i++) {
        const clientId = readVarUint();
        readVarUint();
        const length = readVarUint();
        const text = new TextDecoder().decode(bytes.subarray(decoder.pos, decoder.pos + length));
        decoder.pos += length;
        states.set(clientId, JSON.parse(text));
      }
    }
    return { messages, states };
  }

  it("drops a frame that changes or removes another connection's presence, and counts it", async () => {
    const s = await setup({ GOVDESK_SYNC_AWARENESS_INTERVAL_MS: '10' });
    const victim = await rawClient(s.server, s.documentId, s.zhang);
    const observer = await rawClient(s.server, s.documentId, s.zhang);
    const attacker = await rawClient(s.server, s.documentId, s.li);
    victim.ws.send(awarenessFrame([{ clientId: 1001, clock: 1, state: { user: { name: '张伟' } } }]));
    // Relayed with the sender's user ID stamped on it by the server.
    await expect.poll(() => awarenessStates(observer.received).states.get(1001)).toEqual({ user: { name: '张伟', id: org.zhang.userId } });

    attacker.ws.send(awarenessFrame([{ clientId: 1001, clock: 5, state: { user: { name: '冒充的张伟' } } }]));
    attacker.ws.send(awarenessFrame([{ clientId: 1001, clock: 6, state: null }]));
    // Mixed with its own presence, the whole frame goes.
    attacker.ws.send(awarenessFrame([{ clientId: 2002, clock: 1, state: { user: { name: '李娜' } } }, { clientId: 1001, clock: 7, state: null }]));
    // Its own presence alone goes through; once the observer sees it, the frames before it have been handled.
    attacker.ws.send(awarenessFrame([{ clientId: 2003, clock: 1, state: { user: { name: '李娜' } } }]));
    await expect.poll(() => awarenessStates(observer.received).states.get(2003)).toEqual({ user: { name: '李娜', id: org.li.userId } });

    const seen = awarenessStates(observer.received).states;
    expect(seen.get(1001)).toEqual({ user: { name: '张伟', id: org.zhang.userId } });
    expect(seen.has(2002)).toBe(false);
    expect(await metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'awareness_spoof' })).toBe(3);
    expect(attacker.isClosed()).toBe(false);

    // A newcomer asking for everyone's presence gets the real one.
    const newcomer = await rawClient(s.server, s.documentId, s.zhang);
    newcomer.ws.send(QUERY_AWARENESS);
    await expect.poll(() => awarenessStates(newcomer.received).states.get(1001)).toEqual({ user: { name: '张伟', id: org.zhang.userId } });

    // When the victim leaves, its presence goes with it, and the ID is free again.
    victim.ws.close();
    await expect.poll(() => awarenessStates(observer.received).states.get(1001)).toBeNull();
  });

  it('forwards a storm of presence updates batched, about one message per GOVDESK_SYNC_AWARENESS_INTERVAL_MS', async () => {
    const INTERVAL = 200;
    const s = await setup({ GOVDESK_SYNC_AWARENESS_INTERVAL_MS: String(INTERVAL) });
    const observer = await rawClient(s.server, s.documentId, s.zhang);
    const mover = await rawClient(s.server, s.documentId, s.li);
    const before = awarenessStates(observer.received).messages;

    const started = performance.now();
    const MOVES = 100;
    for (let clock = 1; clock <= MOVES; clock++) {
      mover.ws.send(awarenessFrame([{ clientId: 3003, clock, state: { user: { name: '李娜' }, cursor: { index: clock } } }]));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // The last position arrives.
    await expect.poll(() => awarenessStates(observer.received).states.get(3003)).toEqual({ user: { name: '李娜', id: org.li.userId }, cursor: { index: MOVES } });
    const elapsed = performance.now() - started;
    const messages = awarenessStates(observer.received).messages - before;
    expect(messages).toBeGreaterThanOrEqual(1);
    expect(messages).toBeLessThanOrEqual(Math.ceil(elapsed / INTERVAL) + 1);
    expect(messages).toBeLessThan(MOVES / 4);
  });
});
