/**
 * npm run bench:converge — the randomized offline/online test of the suite
 * (desktop/test/integration/convergence.test.ts) at 1,000 seeds: two desktop
 * cores edit one document while their network is cut and restored and their
 * apps restart; every seed must end with both sides and the server equal.
 * Options: --seeds=1000 --steps=12
 */
import { startHomeserver } from '../../build/homeserver/index.ts';
import { createTestOrganisation } from '../../test/support/organisation.ts';
import { startSyncServer } from '../../test/support/sync-server.ts';
import { convergenceRig } from '../../test/support/convergence-rig.ts';
import { appendSection, commandLine, cpuContext, ms, numericArgs, sectionHeader, Samples, table } from '../../build/lib/bench-report.ts';

const options = numericArgs({ seeds: 1_000, steps: 12 });
const { homeserver } = await startHomeserver('test');
const org = await createTestOrganisation(homeserver);
const server = await startSyncServer({ homeserver, directory: org.directory });
const rig = await convergenceRig(homeserver, server, org);
const times = new Samples();
let restarts = 0;
let cuts = 0;
const failures: string[] = [];
const started = performance.now();
try {
  for (let seed = 1; seed <= options.seeds; seed++) {
    try {
      const result = await rig.run(seed, options.steps);
      times.add(result.ms);
      restarts += result.restarts;
      cuts += result.cuts;
    } catch (error) {
      failures.push(`seed ${seed}: ${(error as Error).message}`);
    }
    if (seed % 100 === 0) console.log(`${seed} seeds, ${failures.length} failed`);
  }
} finally {
  await rig.close();
  await server.stop();
}
const summary = times.summary();
const rows = [[String(options.seeds), String(options.seeds - failures.length), String(failures.length), String(restarts), String(cuts), ms(summary.p50, 0), ms(summary.p99, 0), `${((performance.now() - started) / 1000).toFixed(0)} s`]];
console.log(table(['seeds', 'converged', 'failed', 'app restarts', 'network cuts', 'p50 per seed', 'p99 per seed', 'total'], rows));
appendSection(
  [
    sectionHeader('bench:converge — randomized offline/online editing', commandLine('bench:converge'), [cpuContext(), `${options.steps} random steps per seed (edits, network cuts and restorations, app restarts, pauses); two cores, the real sync-server and Synapse.`]),
    table(['seeds', 'converged', 'failed', 'app restarts', 'network cuts', 'p50 per seed', 'p99 per seed', 'total'], rows),
    ...(failures.length > 0 ? ['', 'Failures:', ...failures.slice(0, 20).map((failure) => `- ${failure}`)] : []),
  ].join('\n'),
);
process.exit(failures.length === 0 ? 0 : 1);
