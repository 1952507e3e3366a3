import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeUpdateMessage, type SessionTokens } from '@govdesk/shared';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, type TestOrganisation } from '../../../test/support/organisation.ts';
import { createSharedDocument, login, metric, startSyncServer, type SyncServerProcess } from '../../../test/support/sync-server.ts';
import { stockClient, type StockClient } from '../../../test/support/yjs-clients.ts';
import { handWritten } from '../harness/updates.ts';

/**
 * The server's integrity promises, tried from outside with stock clients for
 * the honest users and hand-made frames for the attacker: no accepted update
 * makes copies diverge, and Yjs client IDs are owned by users (an editor who
 * writes the next clocks of a colleague's client ID would make every replica
 * skip the colleague's own next edits as "already known").
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
let server: SyncServerProcess;
const sessions: Record<'zhang' | 'li' | 'wang', SessionTokens> = {} as never;
const clients: StockClient[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
  server = await startSyncServer({ homeserver, directory: org.directory });
  for (const name of ['zhang', 'li', 'wang'] as const) sessions[name] = await login(server, homeserver, org[name]);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  for (const socket of sockets) socket.terminate();
  await server.stop();
});

function connect(session: SessionTokens, documentId: string): StockClient {
  const client = stockClient(server.wsUrl, documentId, session.accessToken);
  clients.push(client);
  return client;
}

/** A raw socket for hand-made frames, open once the server has greeted it. */
async function rawSocket(session: SessionTokens, documentId: string): Promise<WebSocket> {
  const socket = new WebSocket(`${server.wsUrl}/${documentId}?token=${session.accessToken}`);
  sockets.push(socket);
  await new Promise((resolve, reject) => {
    socket.once('message', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** An update under `victim`'s client ID, at the clocks it would use next, from a copy of what the attacker has received. */
function forgeUnder(victim: Y.Doc, received: Y.Doc, text: string): Uint8Array {
  const forger = new Y.Doc();
  Y.applyUpdate(forger, Y.encodeStateAsUpdate(received));
  forger.clientID = victim.clientID;
  const before = Y.encodeStateVector(forger);
  forger.getText('content').insert(0, text);
  return Y.encodeStateAsUpdate(forger, before);
}

const documentWithEditors = () =>
  createSharedDocument(
    server,
    sessions.zhang,
    [
      [org.li.userId, 'editor'],
      [org.wang.userId, 'reader'],
    ],
    '关于加强值班工作的通知',
  );

const owned = () => metric(server, 'govdesk_sync_dropped_frames_total', { reason: 'client_id_owned' });

describe('Yjs client IDs owned by users', () => {
  it('the attack is real: with plain Yjs a forgery at the victim\'s next clocks makes its own next edit vanish elsewhere', () => {
    const victim = new Y.Doc();
    const elsewhere = new Y.Doc();
    victim.getText('content').insert(0, '正文');
    Y.applyUpdate(elsewhere, Y.encodeStateAsUpdate(victim));
    Y.applyUpdate(elsewhere, forgeUnder(victim, elsewhere, '伪造'));
    const before = Y.encodeStateVector(victim);
    victim.getText('content').insert(2, '补充');
    Y.applyUpdate(elsewhere, Y.encodeStateAsUpdate(victim, before));
    expect(elsewhere.getText('content').toString()).not.toContain('补充');
  });

  it("refuses an editor's update under the owner's client ID; the owner's next edit reaches a third client; a restart keeps the claim", async () => {
    const documentId = await documentWithEditors();
    const owner = connect(sessions.zhang, documentId);
    const reader = connect(sessions.wang, documentId);
    await Promise.all([owner.synced, reader.synced]);
    owner.text.insert(0, '各单位：');
    await expect.poll(() => reader.text.toString()).toBe('各单位：');

    const attacker = await rawSocket(sessions.li, documentId);
    const refusedBefore = await owned();
    attacker.send(encodeUpdateMessage(forgeUnder(owner.doc, reader.doc, '此件作废')));
    await expect.poll(owned).toBe(refusedBefore + 1);
    expect(attacker.readyState).toBe(WebSocket.OPEN);

    owner.text.insert(owner.text.length, '请做好值班安排。');
    await expect.poll(() => reader.text.toString()).toBe('各单位：请做好值班安排。');
    expect(reader.text.toString()).not.toContain('此件作废');

    // After a restart the claim is still there: the same forgery is refused again.
    for (const client of [owner, reader]) client.provider.disconnect();
    attacker.terminate();
    await server.stop();
    server = await server.restart();
    const attackerAgain = await rawSocket(sessions.li, documentId);
    attackerAgain.send(encodeUpdateMessage(forgeUnder(owner.doc, reader.doc, '此件作废')));
    await expect.poll(owned).toBe(1);
    const late = connect(sessions.wang, documentId);
    await late.synced;
    expect(late.text.toString()).toBe('各单位：请做好值班安排。');
  });

  it("keeps the owner's offline text when the forgery arrives while the owner is offline", async () => {
    const documentId = await documentWithEditors();
    const owner = connect(sessions.zhang, documentId);
    const colleague = connect(sessions.li, documentId);
    const reader = connect(sessions.wang, documentId);
    await Promise.all([owner.synced, colleague.synced, reader.synced]);
    owner.text.insert(0, '通知：');
    await expect.poll(() => reader.text.toString()).toBe('通知：');

    owner.provider.disconnect();
    owner.text.insert(owner.text.length, '明日八时开会'); // typed offline
    const attacker = await rawSocket(sessions.li, documentId);
    const refusedBefore = await owned();
    attacker.send(encodeUpdateMessage(forgeUnder(owner.doc, reader.doc, '会议取消，无需参加')));
    await expect.poll(owned).toBe(refusedBefore + 1);

    owner.provider.connect();
    const expected = '通知：明日八时开会';
    await expect.poll(() => [owner, colleague, reader].map((client) => client.text.toString()), { timeout: 10_000 }).toEqual([expected, expected, expected]);
    const fresh = connect(sessions.wang, documentId);
    await fresh.synced;
    expect(fresh.text.toString()).toBe(expected);
    expect(owner.closes).toEqual([]);
  });

  it('lets the same user keep writing under a client ID from another session (re-login, a second device)', async () => {
    const documentId = await documentWithEditors();
    const first = connect(sessions.zhang, documentId);
    await first.synced;
    first.text.insert(0, '甲');
    const reader = connect(sessions.wang, documentId);
    await expect.poll(() => reader.text.toString()).toBe('甲');
    // A new session of the same user sends an edit made under the same client ID (offline edits uploaded later).
    const relogin = await login(server, homeserver, org.zhang);
    const device = await rawSocket(relogin, documentId);
    const before = Y.encodeStateVector(first.doc);
    first.provider.disconnect();
    first.text.insert(1, '乙');
    device.send(encodeUpdateMessage(Y.encodeStateAsUpdate(first.doc, before)));
    await expect.poll(() => reader.text.toString()).toBe('甲乙');
  });
});

/** Resolves with the close code when the socket closes. */
const closeCode = (socket: WebSocket) => new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

/** Owner and colleague, both editors, on "abcdef" typed by the owner (client `a`); the colleague's raw socket as the attacker. */
async function abcdefWithAttacker() {
  const documentId = await documentWithEditors();
  const owner = connect(sessions.zhang, documentId);
  const colleague = connect(sessions.li, documentId);
  await Promise.all([owner.synced, colleague.synced]);
  owner.text.insert(0, 'abcdef');
  await expect.poll(() => colleague.text.toString()).toBe('abcdef');
  const attacker = await rawSocket(sessions.li, documentId);
  return { documentId, owner, colleague, attacker, closed: closeCode(attacker), a: owner.doc.clientID };
}

describe('no accepted update makes copies diverge', () => {
  it("refuses a right origin left of the origin before applying it: the sender is closed, nobody else notices", async () => {
    const { owner, colleague, attacker, closed, a } = await abcdefWithAttacker();
    attacker.send(encodeUpdateMessage(handWritten(1050, 0, { origin: Y.createID(a, 2), rightOrigin: Y.createID(a, 1) }, { string: 'X' })));
    expect(await closed).toBe(4400);
    owner.text.insert(6, '。');
    await expect.poll(() => colleague.text.toString()).toBe('abcdef。');
    expect([owner.closes, colleague.closes]).toEqual([[], []]);
  });

  it('refuses a crossing that shows only once applied, drops the document from memory and brings everyone back to the copy in the log, losing no honest edit', async () => {
    const { documentId, owner, colleague, attacker, closed, a } = await abcdefWithAttacker();
    // "Y" appended, then "X" whose origin is that "Y" and whose right origin is "b": the pre-check cannot place "Y" yet.
    const crossing = Y.mergeUpdates([handWritten(1050, 0, { origin: Y.createID(a, 5) }, { string: 'Y' }), handWritten(1050, 1, { origin: Y.createID(1050, 0), rightOrigin: Y.createID(a, 1) }, { string: 'X' })]);
    attacker.send(encodeUpdateMessage(crossing));
    expect(await closed).toBe(4400);
    // The honest clients are told to come back (a code stock providers reconnect after) ...
    await expect.poll(() => [owner.closes.map((c) => c.code), colleague.closes.map((c) => c.code)]).toEqual([[4520], [4520]]);
    // ... and go on editing: nothing of the refused update, nothing honest lost.
    colleague.text.insert(0, '【急】');
    const expected = '【急】abcdef';
    await expect.poll(() => [owner.text.toString(), colleague.text.toString()], { timeout: 10_000 }).toEqual([expected, expected]);
    const fresh = connect(sessions.wang, documentId);
    await fresh.synced;
    expect(fresh.text.toString()).toBe(expected);
  });
});
