/**
 * npm run bench:fuzz [-- --frames=1000000 --documents=50 --parallel=24 --seed=N --forge-share=0.02 --reloads=1 --append=0]
 *
 * Protocol fuzzing over real sockets against a real sync-server process while
 * two stock y-websocket clients edit the same document: random bytes,
 * mutated valid messages, bad awareness, random but decodable updates, the
 * divergence reproduction of issue 7, updates under the honest clients' Yjs
 * client IDs from another user, floods past the rate limit. Reports frames
 * sent and processed, closes by code and server memory, and fails (exit 1)
 * unless every copy of every document — both honest clients, the live
 * server, the server after unloading and after a restart — shows the same
 * visible items in the same order with no client ID taken over. Appends the
 * result to BENCHMARKS.md.
 */
import { FRAMES_PER_DOCUMENT, FUZZ_CATEGORIES, FUZZ_SERVER_ENV, runFuzz, type FuzzReport } from '../test/harness/fuzz.ts';
import { benchHomeserver, startGovdesk } from '../test/harness/govdesk.ts';
import { appendSection, commandLine, cpuContext, mib, numericArgs, sectionHeader, table } from '../../build/lib/bench-report.ts';

const args = numericArgs({ frames: 1_000_000, documents: 0, parallel: 24, seed: Date.now() % 1_000_000, floodShare: 0.001, forgeShare: 0.02, reloads: 1, append: 1 });
const context = cpuContext();
const documents = args.documents || Math.ceil(args.frames / FRAMES_PER_DOCUMENT);
const homeserver = await benchHomeserver();
const setup = await startGovdesk(homeserver, FUZZ_SERVER_ENV);
console.log(`bench:fuzz — ${args.frames} frames over ${args.parallel} parallel sockets, seed ${args.seed}`);

let report: FuzzReport;
try {
  report = await runFuzz(setup, {
    frames: args.frames,
    documents,
    parallel: args.parallel,
    seed: args.seed,
    maxFrameBytes: Number(FUZZ_SERVER_ENV.GOVDESK_SYNC_MAX_FRAME_BYTES),
    frameBurst: 2_000,
    floodShare: args.floodShare,
    honestEditMs: 50,
    forgeShare: args.forgeShare,
    reloadsPerDocument: args.reloads,
    onProgress: (p) => console.log(`${(p.elapsedMs / 1000).toFixed(0)} s: ${p.framesSent} frames sent, ${p.framesProcessed} processed, ${p.connections} connections`),
  });
} finally {
  await setup.stop();
}

console.log(JSON.stringify(report, null, 2));
const takeovers = report.honest.clientIdsTakenOver + report.forged.documentsShowingForgedText.length;
const ok =
  report.server.aliveThroughout &&
  report.server.healthFailures === 0 &&
  report.server.connectionsAfter === 0 &&
  report.honest.converged &&
  report.honest.problems.length === 0 &&
  report.honest.probesSeen === report.honest.probesSent &&
  report.storedMatches &&
  report.divergence.length === 0 &&
  takeovers === 0 &&
  report.reloads.observed === report.reloads.expected &&
  report.unexpectedCloses.length === 0 &&
  (report.server.droppedFrames.malformed ?? 0) === (report.closes['4400 malformed frame'] ?? 0) + (report.closes['4400 malformed update'] ?? 0);
if (report.divergence.length > 0) console.error(`Divergent copies (${report.divergence.length}):\n${report.divergence.join('\n')}`);
if (takeovers > 0) console.error(`Client-ID takeovers: ${report.honest.clientIdsTakenOver} honest client IDs changed; forged text shown in ${report.forged.documentsShowingForgedText.join(', ') || 'no document'}`);
const seconds = report.durationMs / 1000;
const closeRows = Object.entries(report.closes)
  .sort((a, b) => b[1] - a[1])
  .map(([close, count]) => [close, count]);
const categoryRows = FUZZ_CATEGORIES.map((category) => {
  const stats = report.byCategory[category]!;
  return [category, stats.sent, stats.ok, stats.malformed, stats.tooLarge, stats.invalidUtf8];
});

const section = [
  sectionHeader('bench:fuzz — random and mutated frames against a live document', commandLine('bench:fuzz'), [
    context,
    `Parameters: until the server has processed ${args.frames} fuzz frames, spread over ${documents} documents one after the other (${Math.round(args.frames / documents)} each; every accepted random update grows a document and every SyncStep1 answer costs a pass over it, so one document for all frames slows down quadratically), all on one server process; ${args.parallel} fuzz sockets in parallel, each sending 1–30 frames — up to 29 random but valid ones (random-content updates from scratch Y.Docs, presence, state vectors) and then one drawn from every category — stopping at the first frame the server's own parser calls malformed (or after an update that may be refused as unsound), waiting for the close and reconnecting at once; ${(args.floodShare * 100).toFixed(1)} % of sockets instead flood 2,500 tiny frames past the 2,000-frame burst (counted apart); 10 % of sockets use a reader's session; seed ${args.seed}.`,
    `Server settings: ${Object.entries(FUZZ_SERVER_ENV)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ')} (a small frame limit makes oversized frames cheap to send; one account opens every fuzz socket).`,
    `Honest clients: per document two stock y-websocket WebsocketProviders (张伟 and 李娜) editing the same text every 50 ms, with liveness probes every 500 ms. ${(args.forgeShare * 100).toFixed(1)} % of sockets forge one of their Yjs client IDs from the other user's session (1–3 frames at, beyond or replaying the victim's clocks). Each document's frames come in ${args.reloads + 1} phases; after each, editing stops and, once the copies hold the same updates, honest client B, what the live server serves a new client and — after both honest clients disconnected and the server unloaded the document — what it serves then are compared with honest client A by visible items in item order with their content (contentDigest of @govdesk/shared); between phases the honest clients edit offline and reconnect. After all documents each is read again, the server is restarted gracefully, and it is read once more: both reads are compared the same way.`,
    '"Processed" = fuzz frames the server read and parsed: every frame a socket sent up to and including the one that closes it (a fuzz socket sends nothing after it). Cross-checks from /metrics: received bytes ≥ processed bytes, and malformed drops = 4400 closes seen by the fuzz sockets.',
  ]),
  table(
    ['fuzz frames sent', 'fuzz frames processed', 'flood frames', 'connections', 'duration', 'processed/s', 'server received (metrics)', 'fuzz bytes processed', 'malformed drops (metrics)', 'server RSS before → after (peak)', 'server event-loop delay p99 / max', 'server up, /healthz', 'honest clients', 'stored after restart = served before', 'every copy shows the same (live, reloaded, restarted, both clients)', 'client-ID takeovers'],
    [
      [
        report.framesSent,
        report.framesProcessed,
        report.floodFrames,
        report.connections,
        `${seconds.toFixed(0)} s`,
        Math.round(report.framesProcessed / seconds),
        mib(report.server.receivedBytes),
        mib(report.bytesProcessed),
        report.server.droppedFrames.malformed ?? 0,
        `${mib(report.server.rssBefore)} → ${mib(report.server.rssAfter)} (${mib(report.server.peakRss)})`,
        `${report.server.eventLoopLagP99Ms.toFixed(0)} ms / ${report.server.eventLoopLagMaxMs.toFixed(0)} ms`,
        `${report.server.aliveThroughout ? 'up' : 'DIED'}, ${report.server.healthFailures} failed checks, ${report.server.connectionsAfter} connections left`,
        `${report.honest.converged ? 'converged' : 'NOT converged'}${report.honest.problems.length === 0 ? ', sound' : `, CORRUPT: ${report.honest.problems.slice(0, 3).join('; ')}`}, probes ${report.honest.probesSeen}/${report.honest.probesSent}, ${report.honest.edits} edits, ${report.honest.closes.length} disconnects`,
        report.storedMatches ? 'yes' : `NO (${report.storedDetail})`,
        report.divergence.length === 0
          ? `yes, all ${report.documents} documents at ${report.reloads.expected} checkpoints (${report.reloads.observed} unloads observed)`
          : `NO, ${report.divergence.length} divergent copies: ${report.divergence.slice(0, 3).join('; ')}`,
        `${takeovers} (${report.forged.frames} forged frames; ${report.honest.clientIdsTakenOver} honest client IDs changed; forged text shown in ${report.forged.documentsShowingForgedText.length} documents; dropped as owned by another user: ${report.server.droppedFrames.client_id_owned ?? 0})`,
      ],
    ],
  ),
  '',
  'Closes seen by the fuzz sockets:',
  '',
  table(['close code and reason', 'count'], closeRows),
  '',
  'Frames by category (verdict of the server\'s parser):',
  '',
  table(['category', 'sent', 'read as valid', 'malformed (4400)', 'too large (1009)', 'invalid UTF-8 text (1007)'], categoryRows),
  '',
  `Server memory with no document loaded, after each document (RSS / V8 heap in use, MiB): ${report.server.idleMemory
    .map((sample, index) => ({ sample, index }))
    .filter(({ index }) => index % Math.max(1, Math.floor(report.server.idleMemory.length / 10)) === 0 || index === report.server.idleMemory.length - 1)
    .map(({ sample, index }) => `#${index + 1} ${(sample.rss / 1024 / 1024).toFixed(0)} / ${(sample.heapUsed / 1024 / 1024).toFixed(0)}`)
    .join(', ')}.`,
  '',
  `Honest clients' Yjs client IDs taken over by forged updates: ${report.honest.clientIdsTakenOver} (of ${report.documents * 2}); stock providers whose disconnect() or destroy() then threw: ${report.honest.destroyFailures}.`,
  '',
  `Server counters during the run: dropped frames ${JSON.stringify(report.server.droppedFrames)}, closed connections ${JSON.stringify(report.server.closedConnections)}, updates applied and persisted ${report.server.updatesApplied}, refused upgrades ${JSON.stringify(report.refusedUpgrades)}.`,
  '',
  `Result: ${ok ? 'server stayed up, every copy of every document showed the same, no client ID taken over, every close as predicted' : `PROBLEMS — unexpected closes: ${JSON.stringify(report.unexpectedCloses.slice(0, 10))}; ${report.storedDetail}; ${report.divergence.length} divergent copies; ${takeovers} takeovers; ${report.reloads.observed} of ${report.reloads.expected} unloads observed`}.`,
].join('\n');
if (args.append) appendSection(section);
else console.log(`\n${section}`);
process.exit(ok ? 0 : 1);
