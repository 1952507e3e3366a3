import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { metric } from '../../../test/support/sync-server.ts';
import { fullSync } from '../harness/crash.ts';
import { docProblems } from '../harness/doc-check.ts';
import { FUZZ_SERVER_ENV, runFuzz } from '../harness/fuzz.ts';
import { startGovdesk, type Govdesk } from '../harness/govdesk.ts';
import { encodeSyncStep2, encodeUpdateMessage, splitMessages } from '@govdesk/shared';
import { closeOf, frameBytes, openSocket } from '../harness/wire.ts';

/**
 * Protocol fuzzing with a real process and real sockets: at least 100,000
 * random and mutated frames while two stock y-websocket clients edit the same
 * document and other users forge their Yjs client IDs. The server must stay
 * up, and every copy of each document — both honest clients, what the live
 * server serves a new client, what it serves after unloading the document
 * (in the middle of the run and at its end) and after a restart — must show
 * the same visible items in the same order, with every honest edit and no
 * forged one. The same harness runs 1,000,000 frames in `npm run bench:fuzz`.
 */

const homeserver = testHomeserver();
let setup: Govdesk;

beforeAll(async () => {
  setup = await startGovdesk(homeserver, FUZZ_SERVER_ENV);
});

afterAll(async () => {
  await setup?.stop();
});

describe('protocol fuzzing', () => {
  it('refuses an update that decodes but would corrupt the document, and asks for what an incomplete one lacks', async () => {
    const documentId = await setup.createDocument();
    const ws = await openSocket(setup.socketUrl(documentId));
    const stateVectors: Map<number, number>[] = [];
    ws.on('message', (data) => {
      for (const message of splitMessages(frameBytes(data))) if (message.kind === 'sync-step1') stateVectors.push(Y.decodeStateVector(message.stateVector));
    });
    // A real client writes a text and a map entry.
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (update: Uint8Array) => updates.push(update));
    source.getText('content').insert(0, '正文');
    source.getMap('meta').set('docNumber', '粤府办〔2026〕12号');
    for (const update of updates) ws.send(encodeUpdateMessage(update));

    // Incomplete: the second of two edits, the first never sent. Dropped, and the server sends its state vector ...
    const droppedBefore = await metric(setup.server, 'govdesk_sync_dropped_frames_total', { reason: 'incomplete' });
    const edits: Uint8Array[] = [];
    source.on('update', (update: Uint8Array) => edits.push(update));
    source.getText('content').insert(1, '一');
    source.getText('content').insert(2, '二');
    ws.send(encodeUpdateMessage(edits[1] as Uint8Array));
    await expect.poll(() => stateVectors.some((sv) => sv.get(source.clientID) === 3), { timeout: 5_000 }).toBe(true);
    expect(await metric(setup.server, 'govdesk_sync_dropped_frames_total', { reason: 'incomplete' })).toBe(droppedBefore + 1);
    // ... which a client answers with everything the server lacks.
    const serverState = stateVectors.find((sv) => sv.get(source.clientID) === 3) as Map<number, number>;
    ws.send(encodeSyncStep2(Y.encodeStateAsUpdate(source, encodeStateVector(serverState))));
    await expect.poll(async () => (await fullSync(setup.socketUrl(documentId))).doc.getText('content').toString()).toBe('正一二文');

    // Malformed: an insertion whose left neighbour is in the text and right neighbour in the map. Yjs would link it into both.
    const [textItem, mapItem] = updates.map((update) => Y.decodeUpdate(update).structs[0] as Y.Item);
    const closed = closeOf(ws);
    ws.send(encodeUpdateMessage(itemBetween(4242, textItem!.id, mapItem!.id, '跨类型')));
    expect(await closed).toEqual({ code: 4400, reason: 'malformed update' });

    // The document is untouched and sound.
    const { doc: stored } = await fullSync(setup.socketUrl(documentId));
    expect(stored.getText('content').toString()).toBe('正一二文');
    expect(stored.getMap('meta').get('docNumber')).toBe('粤府办〔2026〕12号');
    expect(docProblems(stored)).toEqual([]);
  });

  it('stays up under 100,000 random, mutated and forged frames, and every copy of every document shows the same', async () => {
    const report = await runFuzz(setup, {
      frames: 100_000,
      documents: 5,
      parallel: 24,
      seed: 20260302,
      maxFrameBytes: Number(FUZZ_SERVER_ENV.GOVDESK_SYNC_MAX_FRAME_BYTES),
      frameBurst: 2_000,
      floodShare: 0.002,
      honestEditMs: 50,
      forgeShare: 0.02,
      // Unloaded in the middle of each document's run and at its end (FUZZ_SERVER_ENV unloads after 500 ms), as in bench:fuzz.
      reloadsPerDocument: 1,
    });
    // Printed whole, so that a failing run shows every broken promise at once (the checks below are soft for the same reason).
    console.log(
      JSON.stringify({
        divergence: report.divergence.slice(0, 20),
        divergentCopies: report.divergence.length,
        forged: report.forged,
        clientIdsTakenOver: report.honest.clientIdsTakenOver,
        probes: `${report.honest.probesSeen}/${report.honest.probesSent}`,
        converged: report.honest.converged,
        reloads: report.reloads,
        unexpectedCloses: report.unexpectedCloses.slice(0, 20),
        unexpectedCloseCount: report.unexpectedCloses.length,
        closes: report.closes,
        droppedFrames: report.server.droppedFrames,
        closedConnections: report.server.closedConnections,
        storedDetail: report.storedDetail,
      }, null, 2),
    );
    // The server read and parsed at least 100,000 frames; its own byte counter agrees.
    expect.soft(report.framesProcessed).toBeGreaterThanOrEqual(100_000);
    expect.soft(report.server.receivedBytes).toBeGreaterThanOrEqual(report.bytesProcessed);
    // Every close as predicted: each malformed frame closed its socket with 4400 and the server counted each one; the
    // divergence reproduction (rightOrigin left of origin) was refused with 4400 malformed update; forgeries were dropped
    // with the connection left open.
    expect.soft(report.unexpectedCloses).toEqual([]);
    expect.soft(report.server.droppedFrames.malformed).toBe((report.closes['4400 malformed frame'] ?? 0) + (report.closes['4400 malformed update'] ?? 0));
    expect.soft(report.closes['4400 malformed frame']).toBeGreaterThan(1_000);
    // Every kind of frame was tried.
    for (const [category, stats] of Object.entries(report.byCategory)) expect.soft(stats.sent, category).toBeGreaterThan(0);
    // Up throughout, and every socket gone afterwards (no leaked connections).
    expect.soft(report.server.aliveThroughout).toBe(true);
    expect.soft(report.server.healthFailures).toBe(0);
    expect.soft(report.server.connectionsAfter).toBe(0);
    // Each document really left memory and was read back, in the middle of its run and at its end.
    expect.soft(report.documents).toBe(5);
    expect.soft(report.reloads).toEqual({ expected: 10, observed: 10 });
    // No divergence: both honest clients, the live server, the server after unloading and after a restart show the same
    // visible items in the same order, at every checkpoint of every document; the honest documents are sound.
    expect.soft(report.divergence).toEqual([]);
    expect.soft(report.honest.converged).toBe(true);
    expect.soft(report.honest.problems).toEqual([]);
    expect.soft(report.storedMatches, report.storedDetail).toBe(true);
    // Zero takeovers: every honest edit (probe) reached the other client and the server (compared above), the honest
    // clients kept their client IDs, no copy shows forged text, and the server refused forgeries as such.
    expect.soft(report.honest.probesSeen).toBe(report.honest.probesSent);
    expect.soft(report.honest.clientIdsTakenOver).toBe(0);
    expect.soft(report.forged.documentsShowingForgedText).toEqual([]);
    expect.soft(report.server.droppedFrames.client_id_owned ?? 0).toBeGreaterThan(0);
  }, 400_000);
});

/** A V1 update with one string item inserted between `origin` and `rightOrigin`, wherever they are. */
function itemBetween(client: number, origin: Y.ID, rightOrigin: Y.ID, text: string): Uint8Array {
  const encoder = encoding.createEncoder();
  for (const value of [1, 1, client, 0]) encoding.writeVarUint(encoder, value);
  encoding.writeUint8(encoder, 4 | 0x80 | 0x40); // ContentString, with origin and right origin
  for (const value of [origin.client, origin.clock, rightOrigin.client, rightOrigin.clock]) encoding.writeVarUint(encoder, value);
  encoding.writeVarString(encoder, text);
  encoding.writeVarUint(encoder, 0); // no deletions
  return encoding.toUint8Array(encoder);
}

function encodeStateVector(stateVector: Map<number, number>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, stateVector.size);
  for (const [client, clock] of stateVector) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, clock);
  }
  return encoding.toUint8Array(encoder);
}
