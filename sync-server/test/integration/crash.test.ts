import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { fullSync, missingUpdates, runCrashCycles } from '../harness/crash.ts';
import { startGovdesk, type Govdesk } from '../harness/govdesk.ts';
import { encodeUpdateMessage } from '@govdesk/shared';
import { openSocket, textAppendUpdate } from '../harness/wire.ts';

/**
 * Crash safety with a real process: while writers edit, the server is killed
 * with SIGKILL and restarted on the same SQLite file, and every update any
 * client had received from it must be in the recovered document. The same
 * harness runs 100 cycles in `npm run bench:crash`.
 */

const homeserver = testHomeserver();
let setup: Govdesk;

beforeAll(async () => {
  // Frequent compaction, so that some kills land while the worker merges the log into the snapshot.
  setup = await startGovdesk(homeserver, { GOVDESK_SYNC_COMPACT_AFTER_UPDATES: '150' });
});

afterAll(async () => {
  await setup?.stop();
});

describe('crash safety', () => {
  it('the loss check fails on an update the server never had', async () => {
    // The assertion below is only worth something if it can fail.
    const documentId = await setup.createDocument();
    const ws = await openSocket(setup.socketUrl(documentId));
    ws.send(encodeUpdateMessage(textAppendUpdate(1001, 0, '已发送')));
    ws.close();
    await expect.poll(async () => (await fullSync(setup.socketUrl(documentId))).doc.getText('content').toString()).toBe('已发送');
    const { doc } = await fullSync(setup.socketUrl(documentId));
    const neverSent = textAppendUpdate(1002, 0, '从未发送');
    const deletion = new Y.Doc();
    Y.applyUpdate(deletion, Y.encodeStateAsUpdate(doc));
    const deletionUpdates: Uint8Array[] = [];
    deletion.on('update', (update: Uint8Array) => deletionUpdates.push(update));
    deletion.getText('content').delete(0, 1);
    expect(missingUpdates(doc, [textAppendUpdate(1001, 0, '已发送')])).toHaveLength(0);
    expect(missingUpdates(doc, [neverSent, ...deletionUpdates])).toHaveLength(2);
  });

  it('loses nothing any client received across 20 SIGKILLs in the middle of writing', async () => {
    // Kills 150–500 ms into each cycle: long enough for thousands of updates in all even on a slow machine (at 100–400 ms a slow day gave 4,555).
    const report = await runCrashCycles(setup, { cycles: 20, writers: 3, editsPerSecond: 400, killAfterMs: [150, 500], seed: 20260301 });
    expect(report.cycles).toHaveLength(20);
    for (const cycle of report.cycles) {
      // Each cycle tested something: updates were received before the kill ...
      expect(cycle.watcherReceived, `cycle ${cycle.cycle}`).toBeGreaterThan(1);
      // ... and every one of them survived.
      expect({ cycle: cycle.cycle, missing: cycle.missing, stateVectorCovered: cycle.stateVectorCovered, cumulativeContained: cycle.cumulativeContained }).toEqual({
        cycle: cycle.cycle,
        missing: 0,
        stateVectorCovered: true,
        cumulativeContained: true,
      });
    }
    // Kills landed while writes were in flight, not only between them.
    expect(report.cycles.filter((cycle) => cycle.inFlightAtKill > 0).length).toBeGreaterThan(5);
    expect(report.updatesChecked).toBeGreaterThan(5_000);
  }, 120_000);
});
