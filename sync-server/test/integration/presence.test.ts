import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider as WebsocketProviderV1 } from 'y-websocket-v1';
import type { SessionTokens } from '@govdesk/shared';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, type TestOrganisation } from '../../../test/support/organisation.ts';
import { createSharedDocument, login, metric, startSyncServer, type SyncServerProcess } from '../../../test/support/sync-server.ts';
import { stockClient } from '../../../test/support/yjs-clients.ts';

/**
 * Presence (y-protocols awareness) that cannot hurt honest peers. A stock
 * WebsocketProvider echoes every presence message it receives back to the
 * server in one frame; whatever the server relays must therefore be a frame
 * the server itself accepts, or it closes honest clients. The clients here are
 * unmodified y-websocket providers, 3.x (the pinned one: it stops reconnecting
 * after close codes 4400–4499) and 1.x (reconnects after any close), against
 * a real server process.
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
const servers: SyncServerProcess[] = [];
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
});

afterAll(async () => {
  for (const cleanup of cleanups) cleanup();
  await Promise.all(servers.map((server) => server.stop()));
});

interface Setup {
  server: SyncServerProcess;
  zhang: SessionTokens;
  li: SessionTokens;
  wang: SessionTokens;
  /** 张伟 owns it, 李娜 edits, 王强 reads. */
  documentId: string;
}

async function setup(env: Record<string, string> = {}): Promise<Setup> {
  const server = await startSyncServer({ homeserver, directory: org.directory, env });
  servers.push(server);
  const [zhang, li, wang] = await Promise.all([login(server, homeserver, org.zhang), login(server, homeserver, org.li), login(server, homeserver, org.wang)]);
  const documentId = await createSharedDocument(server, zhang, [
    [org.li.userId, 'editor'],
    [org.wang.userId, 'reader'],
  ]);
  return { server, zhang, li, wang, documentId };
}

// ---- Stock providers --------------------------------------------------------------------------------

/** What the tests need of a provider, 3.x or 1.x alike. */
interface Provider {
  version: '3.x' | '1.x';
  doc: Y.Doc;
  text: Y.Text;
  awareness: WebsocketProviderV1['awareness'];
  synced: Promise<void>;
  /** Close events the provider saw. */
  closes: { code: number; reason: string }[];
  isConnected(): boolean;
  destroy(): void;
}

/** Destroys once, now or at the end of the file. */
function once(destroy: () => void): () => void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    destroy();
  };
  cleanups.push(run);
  return run;
}

function providerV3(s: Setup, session: SessionTokens): Provider {
  const client = stockClient(s.server.wsUrl, s.documentId, session.accessToken);
  const destroy = once(() => client.destroy());
  return { version: '3.x', doc: client.doc, text: client.text, awareness: client.provider.awareness, synced: client.synced, closes: client.closes, isConnected: () => client.provider.wsconnected, destroy };
}

function providerV1(s: Setup, session: SessionTokens): Provider {
  const doc = new Y.Doc();
  const provider = new WebsocketProviderV1(s.server.wsUrl, s.documentId, doc, { params: { token: session.accessToken }, WebSocketPolyfill: WebSocket as never, disableBc: true, maxBackoffTime: 200 });
  const closes: { code: number; reason: string }[] = [];
  provider.on('connection-close', (event: { code: number; reason: string } | null) => {
    if (event) closes.push({ code: event.code, reason: String(event.reason) });
  });
  const synced = new Promise<void>((resolve) => (provider.synced ? resolve() : provider.once('synced', () => resolve())));
  const destroy = once(() => {
    provider.destroy();
    doc.destroy();
  });
  return { version: '1.x', doc, text: doc.getText('content'), awareness: provider.awareness, synced, closes, isConnected: () => provider.wsconnected, destroy };
}

// ---- Raw sockets and presence frames, encoded as y-protocols defines them ----------------------------

interface Entry {
  clientId: number;
  clock: number;
  state: unknown;
}

function awarenessFrame(entries: Entry[]): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(update, entry.clientId);
    encoding.writeVarUint(update, entry.clock);
    encoding.writeVarString(update, JSON.stringify(entry.state));
  }
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, 1);
  encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
  return encoding.toUint8Array(frame);
}

interface RawClient {
  ws: WebSocket;
  received: Uint8Array[];
  isClosed(): boolean;
  /** Client ID → the last presence state received for it (null: removed). */
  presence(): Map<number, unknown>;
}

function rawClient(s: Setup, session: SessionTokens): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${s.server.wsUrl}/${s.documentId}?token=${encodeURIComponent(session.accessToken)}`);
    cleanups.push(() => ws.terminate());
    const received: Uint8Array[] = [];
    let closed = false;
    ws.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
    ws.once('close', () => (closed = true));
    const presence = () => {
      const states = new Map<number, unknown>();
      for (const frame of received) {
        const decoder = decoding.createDecoder(frame);
        if (decoding.readVarUint(decoder) !== 1) continue;
        const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
        const count = decoding.readVarUint(update);
        for (let i = 0; i < count; i++) {
          const clientId = decoding.readVarUint(update);
          decoding.readVarUint(update);
          states.set(clientId, JSON.parse(decoding.readVarString(update)));
        }
      }
      return states;
    };
    ws.once('open', () => resolve({ ws, received, isClosed: () => closed, presence }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- The tests ----------------------------------------------------------------------------------------

describe('a presence flood', () => {
  it('from a reader (two frames of 600 states) while stock y-websocket 3.x and 1.x providers edit: neither is closed and every edit arrives', async () => {
    const s = await setup();
    const v3 = providerV3(s, s.zhang);
    const v1 = providerV1(s, s.li);
    v3.awareness.setLocalState({ user: { name: '张伟' } });
    v1.awareness.setLocalState({ user: { name: '李娜' } });
    await Promise.all([v3.synced, v1.synced]);
    const reader = await rawClient(s, s.wang);

    const EDITS = 100;
    const flood = (first: number) => awarenessFrame(Array.from({ length: 600 }, (_, i) => ({ clientId: first + i, clock: 1, state: { user: { name: `王强${first + i}` }, cursor: { index: i } } })));
    for (let i = 0; i < EDITS; i++) {
      if (i === 10) {
        // Each frame is within the parser's 1,000-entry limit; relayed together they would not be.
        reader.ws.send(flood(100_000));
        reader.ws.send(flood(200_000));
      }
      v3.text.insert(v3.text.length, `甲${i}；`);
      v1.text.insert(0, `乙${i}；`);
      await sleep(10);
    }

    const contains = (text: Y.Text, marker: string) => Array.from({ length: EDITS }, (_, i) => `${marker}${i}；`).every((edit) => text.toString().includes(edit));
    await expect.poll(() => contains(v3.text, '乙') && contains(v1.text, '甲'), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => v3.text.toString() === v1.text.toString()).toBe(true);
    expect(v3.closes).toEqual([]);
    expect(v1.closes).toEqual([]);
    // The flood itself was refused: a connection may speak for a few client IDs only.
    expect(await metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'awareness_limit' })).toBe(2);
    expect(reader.isClosed()).toBe(false);
  });

  it('relays honest presence that does not fit one frame in several messages, each of which a stock client may send back', async () => {
    // A 64 KiB frame limit and ten 7 KB presence states: one message with all of them would be over the limit, and a
    // stock client echoing it would be cut off (1009).
    const s = await setup({ GOVDESK_SYNC_MAX_FRAME_BYTES: String(64 * 1024) });
    const providers = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? providerV3(s, s.zhang) : providerV1(s, s.li)));
    await Promise.all(providers.map((provider) => provider.synced));
    providers.forEach((provider, i) => provider.awareness.setLocalState({ user: { name: `参会人${i}` }, note: String(i).repeat(7000) }));
    // Latecomers get everyone's presence at once when they join.
    const late = [providerV3(s, s.zhang), providerV1(s, s.li)];
    await Promise.all(late.map((provider) => provider.synced));

    const everyone = [...providers, ...late];
    await expect.poll(() => everyone.every((provider) => [...providers].every((other) => (provider.awareness.getStates().get(other.doc.clientID) as { note?: string } | undefined)?.note?.length === 7000)), { timeout: 10_000 }).toBe(true);
    // Edits still flow both ways.
    providers[0]!.text.insert(0, '正文');
    late[1]!.text.insert(0, '标题');
    await expect.poll(() => everyone.every((provider) => provider.text.length === 4)).toBe(true);
    for (const provider of everyone) expect(provider.closes, provider.version).toEqual([]);
  });
});

describe('what one connection may put into presence', () => {
  it('a few client IDs, a few KiB per state and a byte rate; beyond them frames are dropped and counted, the connection stays', async () => {
    const s = await setup({ GOVDESK_SYNC_AWARENESS_INTERVAL_MS: '10' });
    const observer = await rawClient(s, s.zhang);
    const client = await rawClient(s, s.li);
    client.ws.send(awarenessFrame([1, 2, 3, 4].map((clientId) => ({ clientId, clock: 1, state: { user: { name: '李娜' } } }))));
    client.ws.send(awarenessFrame([{ clientId: 5, clock: 1, state: { user: { name: '李娜' } } }]));
    // Nearly 8 KiB: the server's stamp would take it over the limit.
    client.ws.send(awarenessFrame([{ clientId: 1, clock: 2, state: { note: 'x'.repeat(8 * 1024 - 20) } }]));
    // The frame after them is handled after them.
    client.ws.send(awarenessFrame([{ clientId: 4, clock: 2, state: { user: { name: '李娜' }, cursor: 1 } }]));
    await expect.poll(() => observer.presence().get(4)).toMatchObject({ cursor: 1 });
    expect([...observer.presence().keys()].sort()).toEqual([1, 2, 3, 4]);
    expect(observer.presence().get(1)).toEqual({ user: { name: '李娜', id: org.li.userId } });
    expect(await metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'awareness_limit' })).toBe(2);

    // Forty 4 KB states at once are more than the byte burst allows: the rest is dropped until the budget refills.
    for (let clock = 3; clock < 43; clock++) client.ws.send(awarenessFrame([{ clientId: 2, clock, state: { note: 'y'.repeat(4000) } }]));
    await expect.poll(async () => metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'awareness_rate' })).toBeGreaterThan(0);
    expect(client.isClosed()).toBe(false);

    // Leaving takes the presence along, and the connection's IDs are free again.
    client.ws.close();
    await expect.poll(() => [1, 2, 3, 4].map((id) => observer.presence().get(id))).toEqual([null, null, null, null]);
  });
});

describe('presence and identity', () => {
  it("stamps every presence state with the authenticated user's ID (user.id), whatever the client claimed", async () => {
    const s = await setup();
    const v3 = providerV3(s, s.zhang);
    const v1 = providerV1(s, s.li);
    await Promise.all([v3.synced, v1.synced]);
    v3.awareness.setLocalState({ user: { name: '张伟', color: '#d4380d' } });
    // 李娜 pretends to be 张伟.
    v1.awareness.setLocalState({ user: { name: '张伟', id: org.zhang.userId }, cursor: { index: 3 } });
    await expect.poll(() => v1.awareness.getStates().get(v3.doc.clientID)).toEqual({ user: { name: '张伟', color: '#d4380d', id: org.zhang.userId } });
    await expect.poll(() => v3.awareness.getStates().get(v1.doc.clientID)).toEqual({ user: { name: '张伟', id: org.li.userId }, cursor: { index: 3 } });

    // A state without a user object gets one.
    const raw = await rawClient(s, s.wang);
    raw.ws.send(awarenessFrame([{ clientId: 9009, clock: 1, state: { user: 'admin', cursor: null } }]));
    await expect.poll(() => v3.awareness.getStates().get(9009)).toEqual({ user: { id: org.wang.userId }, cursor: null });
  });

  it("drops a presence state under a client ID another user owns, also after the owner left; the owner may use it again", async () => {
    const s = await setup({ GOVDESK_SYNC_AWARENESS_INTERVAL_MS: '10' });
    const observer = await rawClient(s, s.wang);
    const zhang = await rawClient(s, s.zhang);
    zhang.ws.send(awarenessFrame([{ clientId: 5005, clock: 1, state: { user: { name: '张伟' } } }]));
    await expect.poll(() => observer.presence().get(5005)).toEqual({ user: { name: '张伟', id: org.zhang.userId } });
    zhang.ws.close();
    await expect.poll(() => observer.presence().get(5005)).toBeNull();

    // 李娜 takes over 张伟's client ID: her state is dropped; her own ID goes through (and shows the frame before it was handled).
    const li = await rawClient(s, s.li);
    li.ws.send(awarenessFrame([{ clientId: 5005, clock: 2, state: { user: { name: '张伟' } } }]));
    li.ws.send(awarenessFrame([{ clientId: 5006, clock: 1, state: { user: { name: '李娜' } } }]));
    await expect.poll(() => observer.presence().get(5006)).toEqual({ user: { name: '李娜', id: org.li.userId } });
    expect(observer.presence().get(5005)).toBeNull();
    expect(await metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'awareness_spoof' })).toBe(1);

    // A client ID under which 张伟 wrote content is his too, once his client has gone.
    // (Its stock provider's first presence has clock 0, which y-protocols never takes: the ID is claimed by the content alone.)
    const writer = providerV3(s, s.zhang);
    await writer.synced;
    writer.text.insert(0, '正文');
    await expect.poll(() => observer.received.some((frame) => frame[0] === 0 && frame[1] === 2)).toBe(true);
    writer.destroy();
    // The stock client sent 李娜's presence back when it joined, before its edit: dropped and counted as well.
    const spoofsBefore = await metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'awareness_spoof' });
    li.ws.send(awarenessFrame([{ clientId: writer.doc.clientID, clock: 100, state: { user: { name: '张伟' } } }]));
    li.ws.send(awarenessFrame([{ clientId: 5006, clock: 2, state: { user: { name: '李娜' }, cursor: 2 } }]));
    await expect.poll(() => observer.presence().get(5006)).toMatchObject({ cursor: 2 });
    expect(observer.presence().has(writer.doc.clientID)).toBe(false);
    expect(await metric(s.server, 'govdesk_sync_dropped_frames_total', { reason: 'awareness_spoof' })).toBe(spoofsBefore + 1);

    // 张伟 comes back with the same ID: it is his.
    const again = await rawClient(s, s.zhang);
    again.ws.send(awarenessFrame([{ clientId: 5005, clock: 3, state: { user: { name: '张伟' }, back: true } }]));
    await expect.poll(() => observer.presence().get(5005)).toEqual({ user: { name: '张伟', id: org.zhang.userId }, back: true });
  });

  it('forgets who spoke for a client ID once y-protocols times its state out (30 s without renewal)', { timeout: 90_000 }, async () => {
    const s = await setup({ GOVDESK_SYNC_AWARENESS_INTERVAL_MS: '10' });
    const observer = await rawClient(s, s.wang);
    const quiet = await rawClient(s, s.zhang);
    const other = await rawClient(s, s.zhang);
    quiet.ws.send(awarenessFrame([1, 2, 3, 4].map((clientId) => ({ clientId, clock: 1, state: { user: { name: '张伟' } } }))));
    await expect.poll(() => observer.presence().size).toBe(4);
    // No renewal: the server's Awareness removes the states after 30 s.
    await expect.poll(() => [1, 2, 3, 4].map((id) => observer.presence().get(id)), { timeout: 45_000, interval: 1_000 }).toEqual([null, null, null, null]);

    // The quiet connection no longer speaks for them: it has room for a new ID, and another connection may take one over.
    quiet.ws.send(awarenessFrame([{ clientId: 5, clock: 1, state: { user: { name: '张伟' } } }]));
    other.ws.send(awarenessFrame([{ clientId: 1, clock: 2, state: { user: { name: '张伟' }, device: 'laptop' } }]));
    await expect.poll(() => [observer.presence().get(5), observer.presence().get(1)]).toEqual([
      { user: { name: '张伟', id: org.zhang.userId } },
      { user: { name: '张伟', id: org.zhang.userId }, device: 'laptop' },
    ]);
  });
});

describe('close codes', () => {
  it('a stock y-websocket 3.x provider closed for its frame rate reconnects, and its edits arrive', async () => {
    const s = await setup({ GOVDESK_SYNC_FRAME_BURST: '20', GOVDESK_SYNC_FRAMES_PER_SECOND: '1' });
    const hasty = providerV3(s, s.zhang);
    const calm = providerV3(s, s.li);
    await Promise.all([hasty.synced, calm.synced]);
    for (let i = 0; i < 40; i++) hasty.text.insert(hasty.text.length, `${i}、`);
    await expect.poll(() => hasty.closes.map((close) => close.reason)).toContain('rate limited');
    expect(hasty.closes.find((close) => close.reason === 'rate limited')?.code).toBe(4529);
    // It comes back by itself (a new connection has a new budget) and sends what the server lacks.
    await expect.poll(() => calm.text.toString(), { timeout: 10_000 }).toBe(hasty.text.toString());
    expect(hasty.isConnected()).toBe(true);
  });
});
