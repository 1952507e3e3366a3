import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation } from '../../../test/support/organisation.ts';
import { startSyncServer, type SyncServerProcess } from '../../../test/support/sync-server.ts';
import { convergenceRig, type ConvergenceRig } from '../../../test/support/convergence-rig.ts';

/**
 * 300 seeded runs of two desktop cores editing one document while their
 * network is cut and restored and their apps restart. `npm run bench:converge`
 * runs 1,000 seeds with the same rig.
 */

// GOVDESK_CONVERGE_SEEDS shortens a local run while working on the rig; the suite runs 300.
const SEEDS = Number(process.env.GOVDESK_CONVERGE_SEEDS ?? 300);
let server: SyncServerProcess;
let rig: ConvergenceRig;

beforeAll(async () => {
  const homeserver = testHomeserver();
  const org = await createTestOrganisation(homeserver);
  server = await startSyncServer({ homeserver, directory: org.directory });
  rig = await convergenceRig(homeserver, server, org);
});

afterAll(async () => {
  await rig.close();
  await server.stop();
});

describe('randomized offline/online editing', () => {
  it(`converges for ${SEEDS} seeds`, { timeout: 600_000 }, async () => {
    let restarts = 0;
    let cuts = 0;
    const times: { seed: number; ms: number }[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await rig.run(seed);
      restarts += result.restarts;
      cuts += result.cuts;
      times.push({ seed, ms: Math.round(result.ms) });
    }
    const slowest = times.sort((x, y) => y.ms - x.ms).slice(0, 5);
    // The scenario really exercised what it claims to.
    expect(restarts).toBeGreaterThan(SEEDS / 2);
    expect(cuts).toBeGreaterThan(SEEDS / 2);
    console.log(`${SEEDS} seeds converged (${restarts} app restarts, ${cuts} network cuts); slowest: ${slowest.map((t) => `#${t.seed} ${t.ms} ms`).join(', ')}`);
  });
});
