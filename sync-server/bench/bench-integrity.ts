/**
 * npm run bench:integrity — the server's update checks, at scale:
 *  1. the convergence property of the suite (sync-server/test/unit/convergence.test.ts)
 *     over many seeds: honest concurrent editing is never refused, and the live
 *     server, its reload, a log replay and every editor read the same;
 *  2. what checking costs on large hostile updates: a 1 MiB update of map
 *     entries and deletions (the shape that made the old check quadratic) and
 *     a 1 MiB update of text structs, checked and applied as the hub does.
 * Options: --seeds=1000 --editors=3 --steps=60
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { applyChecked, checkUpdate, newClockClients } from '../src/sync/integrity.ts';
import { runConvergenceSeed } from '../test/harness/convergence.ts';
import { SeededRandom } from '../../test/support/seeded-random.ts';
import { appendSection, commandLine, cpuContext, ms, Samples, sectionHeader, table, numericArgs } from '../../build/lib/bench-report.ts';

const options = numericArgs({ seeds: 1_000, editors: 3, steps: 60 });

// 1. Convergence.
const started = performance.now();
const failures: string[] = [];
let accepted = 0;
let incomplete = 0;
for (let seed = 1; seed <= options.seeds; seed++) {
  const outcome = runConvergenceSeed(seed, { editors: options.editors, steps: options.steps });
  failures.push(...outcome.failures);
  accepted += outcome.accepted;
  incomplete += outcome.incomplete;
  if (seed % 200 === 0) console.log(`${seed} seeds, ${failures.length} failures`);
}
const convergenceSeconds = (performance.now() - started) / 1000;
const convergenceRows = [[options.seeds, options.editors, options.steps, accepted, incomplete, failures.length, `${convergenceSeconds.toFixed(1)} s`]];
const convergenceHeader = ['seeds', 'editors', 'steps per seed', 'updates accepted', 'answered incomplete (sent again)', 'failures', 'total'];
console.log(table(convergenceHeader, convergenceRows));

// 2. Cost of the checks on 1 MiB updates.
/** Map entries of two values each, every one deleted by ranges listed in reverse order: sorting them per struct was quadratic. */
function mapsAndDeletions(targetBytes: number): Uint8Array {
  const count = Math.floor(targetBytes / 20);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, count);
  encoding.writeVarUint(encoder, 7777);
  encoding.writeVarUint(encoder, 0);
  for (let i = 0; i < count; i++) {
    encoding.writeUint8(encoder, 8 | 0x20);
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarString(encoder, 'meta');
    encoding.writeVarString(encoder, `k${i}`);
    encoding.writeVarUint(encoder, 2);
    encoding.writeAny(encoder, 1);
    encoding.writeAny(encoder, 2);
  }
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, 7777);
  encoding.writeVarUint(encoder, count);
  for (let i = count - 1; i >= 0; i--) {
    encoding.writeVarUint(encoder, i * 2);
    encoding.writeVarUint(encoder, 2);
  }
  return encoding.toUint8Array(encoder);
}

/** A text typed with the cursor jumping around: many small structs whose neighbours are each other. */
function scatteredText(targetBytes: number): Uint8Array {
  const doc = new Y.Doc();
  const text = doc.getText('content');
  const random = new SeededRandom(1);
  while (Y.encodeStateAsUpdate(doc).length < targetBytes) {
    Y.transact(doc, () => {
      for (let i = 0; i < 2_000; i++) text.insert(random.int(0, text.length), '字');
    });
  }
  return Y.encodeStateAsUpdate(doc);
}

const costRows: string[][] = [];
for (const [name, update] of [
  ['map entries and deletions', mapsAndDeletions(1024 * 1024)],
  ['text typed at random places', scatteredText(1024 * 1024)],
] as const) {
  const decodeTimes = new Samples();
  const checkTimes = new Samples();
  const applyTimes = new Samples();
  const bareTimes = new Samples();
  let verdict = '';
  for (let run = 0; run < 5; run++) {
    const server = new Y.Doc();
    const t0 = performance.now();
    const decoded = Y.decodeUpdate(update);
    const tDecoded = performance.now();
    decodeTimes.add(tDecoded - t0);
    const check = checkUpdate(server, decoded);
    const t1 = performance.now();
    checkTimes.add(t1 - tDecoded);
    if (!check.ok) {
      verdict = `${check.kind}: ${check.reason}`;
      continue;
    }
    const applied = applyChecked(server, update, newClockClients(server, decoded), null, () => undefined);
    applyTimes.add(performance.now() - t1);
    verdict = applied.ok ? 'accepted' : `${applied.kind}: ${applied.reason}`;
    // What Yjs alone takes to apply it, for comparison: the order check's cost is the difference.
    const bare = new Y.Doc();
    const t2 = performance.now();
    Y.applyUpdate(bare, update);
    bareTimes.add(performance.now() - t2);
  }
  const decode = decodeTimes.summary();
  const check = checkTimes.summary();
  const apply = applyTimes.summary();
  const bare = bareTimes.summary();
  costRows.push([name, `${(update.length / 1024).toFixed(0)} KiB`, verdict, ms(decode.p50, 1), ms(check.p50, 1), ms(check.max, 1), Number.isFinite(apply.p50) ? ms(apply.p50, 1) : '—', Number.isFinite(bare.p50) ? ms(bare.p50, 1) : '—']);
}
const costHeader = ['1 MiB update', 'size', 'verdict', 'decode p50 (the parser does it anyway)', 'check p50', 'check max', 'apply + order check p50', 'Y.applyUpdate alone p50'];
console.log(table(costHeader, costRows));

appendSection(
  [
    sectionHeader('bench:integrity — convergence property and the cost of update checks', commandLine('bench:integrity'), [
      cpuContext(),
      'Convergence: real Y.Docs edit text (with formatting), XML paragraphs and a map, undo and redo, go offline and back; the server model takes their updates in random order, sometimes twice, with the hub\'s checks (`checkUpdate`, `applyChecked`). A failure is an honest update refused, or any copy (live server, reload, log replay, each editor) reading differently.',
      'Cost: one update of about 1 MiB checked against an empty document, 5 runs; the target is well under 100 ms for the check.',
    ]),
    table(convergenceHeader, convergenceRows),
    '',
    table(costHeader, costRows),
    ...(failures.length > 0 ? ['', 'Failures:', ...failures.slice(0, 20).map((failure) => `- ${failure.split('\n')[0]}`)] : []),
  ].join('\n'),
);
process.exit(failures.length === 0 ? 0 : 1);
