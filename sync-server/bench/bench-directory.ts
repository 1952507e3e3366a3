/**
 * npm run bench:directory — the directory at province scale (issue 10; 粤政易
 * serves 80万+ users in 2.1万 units):
 *  1. a generated directory of 1,000,000 civil servants in about 20,000 units,
 *     written as the CSV files an operator imports;
 *  2. the import as `npm run directory:import` does it, step by step (target ≤ 60 s);
 *  3. a real sync-server on the imported database, a real session from the test
 *     homeserver, and a mixed query set (names, their parts, pinyin initials, unit
 *     names) through GET /api/directory/search, one at a time (target p95 ≤ 50 ms);
 *  4. the same queries as LIKE scans over the same database, the reference.
 * Options: --people=1000000 --queries=400 --likeQueries=100
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { directoryApi } from '@govdesk/shared';
import { appendSection, commandLine, cpuContext, mib, ms, numericArgs, processMemory, sectionHeader, table, type LatencySummary } from '../../build/lib/bench-report.ts';
import { createTestUser } from '../../test/support/matrix.ts';
import { login, startSyncServer } from '../../test/support/sync-server.ts';
import { benchHomeserver } from '../test/harness/govdesk.ts';
import { writeDirectoryCsv } from './directory/csv.ts';
import { benchPerson, generateDirectory } from './directory/generate.ts';
import { timeImport } from './directory/import.ts';
import { directoryStorage, measureLike } from './directory/like.ts';
import { QUERY_KINDS, querySet, type Query } from './directory/queries.ts';
import { measureSearch, median, SEARCH_LIMIT } from './directory/search.ts';

const options = numericArgs({ people: 1_000_000, queries: 400, likeQueries: 100 });
if (options.people < 100 || options.queries < QUERY_KINDS.length) throw new Error(`--people must be at least 100 and --queries at least ${QUERY_KINDS.length}`);
/** The directory's seed: every run imports and searches the same people. */
const SEED = 10;
const IMPORT_TARGET_MS = 60_000;
const SEARCH_TARGET_MS = 50;

const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(2)} s`;
const ratio = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)}×`;
const verdict = (value: number, target: string, limit: number, format: (value: number) => string) => (value <= limit ? `met (≤ ${target})` : `missed by ${format(value - limit)}`);

const homeserver = await benchHomeserver();
const user = await createTestUser(homeserver, 'bench-directory', '张伟');
const work = mkdtempSync(path.join(tmpdir(), 'govdesk-bench-directory-'));
const csvDir = path.join(work, 'csv');
const dataDir = path.join(work, 'data');
mkdirSync(csvDir);
mkdirSync(dataDir);
const dbFile = path.join(dataDir, 'sync-server.db');

try {
  // 1. The directory, the query sets drawn from it, and its CSV files.
  console.log(`generating ${options.people.toLocaleString('en')} people…`);
  let started = performance.now();
  const generated = generateDirectory({ people: options.people, seed: SEED });
  // The bench's own account must be a civil servant: only they may search.
  generated.people.push(benchPerson(generated, user.userId));
  const generateMs = performance.now() - started;
  const queries = querySet(generated, options.queries, SEED + 1);
  const warmup = querySet(generated, options.queries, SEED + 2);
  started = performance.now();
  const csv = writeDirectoryCsv(csvDir, generated.units, generated.people);
  const csvMs = performance.now() - started;
  const unitCount = generated.units.length;
  // The import reads the files, as an operator's import does; the generator's copy is let go.
  generated.people.length = 0;

  // 2. The import, step by step.
  console.log(`importing ${unitCount.toLocaleString('en')} units and ${(options.people + 1).toLocaleString('en')} people (${mib(csv.bytes)} of CSV)…`);
  const imported = await timeImport(csv.files, dataDir);
  const importRows = [
    [`generate ${imported.people.toLocaleString('en')} people in ${imported.units.toLocaleString('en')} units (not part of the import)`, seconds(generateMs), '—'],
    [`write units.csv and people.csv, ${mib(csv.bytes)} (not part of the import)`, seconds(csvMs), '—'],
    ['read the files', seconds(imported.readMs), ''],
    ['parse and check every row (readImportFiles)', seconds(imported.parseMs), ''],
    ['open the storage (openSqliteStorage)', seconds(imported.openMs), ''],
    ['replace the directory, building the search index (storage.directory.replace)', seconds(imported.replaceMs), ''],
    ['close the storage (WAL checkpoint)', seconds(imported.closeMs), ''],
    ['**import total**', `**${seconds(imported.totalMs)}**`, verdict(imported.totalMs, '60 s', IMPORT_TARGET_MS, seconds)],
  ];
  console.log(table(['step', 'time', 'target'], importRows));
  const storage = directoryStorage(dbFile);
  const storageLine = `sync-server.db after the import: ${mib(imported.dbBytes)}; ${storage.searchRows.toLocaleString('en')} rows in dir_search${
    storage.objects.length > 0 ? ` (${storage.objects.map((object) => `${object.name} ${mib(object.bytes)}`).join(', ')})` : ''
  }.`;
  console.log(storageLine);

  // 3. Search through the API of a real server on that database.
  const { search, serverStartMs, serverMemory } = await searchThroughApi(warmup, queries);
  const counts = (people: number[], units: number[]) => `${median(people)} / ${median(units)}`;
  const searchRow = (label: string, summary: LatencySummary, perAnswer: string) => [
    label,
    summary.count,
    ms(summary.p50),
    ms(summary.p95),
    ms(summary.p99),
    ms(summary.max),
    perAnswer,
    verdict(summary.p95, '50 ms', SEARCH_TARGET_MS, (value) => ms(value, 1)),
  ];
  const kinds = [...search.byKind];
  const searchSummaries = new Map(kinds.map(([kind, result]) => [kind, result.samples.summary()]));
  const allSearch = search.all.summary();
  const searchRows = [
    searchRow('**all, mixed**', allSearch, counts(kinds.flatMap(([, result]) => result.people), kinds.flatMap(([, result]) => result.units))),
    ...kinds.map(([kind, result]) => searchRow(kind, searchSummaries.get(kind) as LatencySummary, counts(result.people, result.units))),
  ];
  const searchHeader = ['queries', 'count', 'p50', 'p95', 'p99', 'max', 'people / units per answer (median)', 'target (p95)'];
  console.log(table(searchHeader, searchRows));
  const exampleRows = kinds.map(([kind, result]) => [kind, result.example?.q ?? '—', result.example?.people.join('、') || '—', result.example?.units.join('、') || '—']);

  // 4. The reference: LIKE scans, in this process, over the same database.
  const likeQueries = queries.slice(0, options.likeQueries);
  console.log(`LIKE reference: ${likeQueries.length} queries…`);
  const like = measureLike(dbFile, likeQueries);
  const likeRow = (label: string, summary: LatencySummary, searchP95: number) => [label, summary.count, ms(summary.p50, 1), ms(summary.p95, 1), ms(summary.p99, 1), ms(searchP95), ratio(summary.p95 / searchP95)];
  const likeRows = [
    likeRow('**all, mixed**', like.all.summary(), allSearch.p95),
    ...[...like.byKind].filter(([, samples]) => samples.count > 0).map(([kind, samples]) => likeRow(kind, samples.summary(), (searchSummaries.get(kind) as LatencySummary).p95)),
  ];
  const likeHeader = ['queries', 'count', 'p50', 'p95', 'p99', 'search p95 (API)', 'LIKE p95 / search p95'];
  console.log(table(likeHeader, likeRows));

  const failureLines = search.failures.length > 0 ? ['', `**${search.failures.length} of ${queries.length} answers failed the checks** (first 20):`, ...search.failures.slice(0, 20).map((failure) => `- ${failure}`)] : [];
  if (failureLines.length > 0) console.log(failureLines.join('\n'));
  appendSection(
    [
      sectionHeader('bench:directory — the directory at province scale', commandLine('bench:directory'), [
        cpuContext(),
        `Generated directory (seed ${SEED}): ${imported.units.toLocaleString('en')} units (广东省人民政府 → 21 市 → 120 县/区 → 1,600 镇/街道, with departments and their 处/科) and ${imported.people.toLocaleString('en')} civil servants with 2- and 3-character names (Zipf-distributed surnames, polyphonic ones such as 曾 单 解 仇 区 朴 查 乐 among them), written as units.csv and people.csv with Chinese column names.`,
      ]),
      '### Import (`npm run directory:import`, step by step)',
      '',
      table(['step', 'time', 'target'], importRows),
      '',
      storageLine,
      '',
      '### Search through the API',
      '',
      `A sync-server process on the imported database (log level info) started in ${seconds(serverStartMs)} to healthy${serverMemory ? `; its RSS after the searches ${mib(serverMemory.rss)}, peak ${mib(serverMemory.peak)}` : ''}. A civil servant's session from the test homeserver; \`GET ${directoryApi.search.path}?q=…&limit=${SEARCH_LIMIT}\` one query at a time over a kept-alive connection, timed from the request to the answer's last byte. ${warmup.length} other queries of the same kinds warmed up first. The kinds take equal shares, drawn from the generated data (a common surname as often as people bear it). Every answer was checked against \`DirectorySearchResult\`; a name query must find someone whose name holds it, an initials query someone, a unit query a unit whose name holds it: ${search.failures.length === 0 ? 'all did' : `${search.failures.length} did not (below)`}.`,
      '',
      table(searchHeader, searchRows),
      '',
      table(['queries', 'first query', 'first people found', 'first units found'], exampleRows),
      '',
      `### Reference: LIKE scans (${likeQueries.length} of the same queries)`,
      '',
      `On a read-only connection to the same database, in the bench's process (no HTTP): initials as \`initials LIKE 'q%'\`, anything else as \`name LIKE '%q%'\` over people plus \`full_name LIKE '%q%'\` over units, ranked as the search ranks (exact match first, then names starting with the query) and cut at ${SEARCH_LIMIT} people, so every row is read.`,
      '',
      table(likeHeader, likeRows),
      ...failureLines,
    ].join('\n'),
  );
  process.exitCode = search.failures.length === 0 ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** A sync-server process on the imported database, a civil servant's session, the searches; the process is stopped whatever happens. */
async function searchThroughApi(warmup: readonly Query[], queries: readonly Query[]) {
  const started = performance.now();
  const server = await startSyncServer({
    homeserver,
    // The directory is the one imported into the database: no directory file to import again at start.
    directory: { units: [], people: [] },
    dataDir,
    env: { GOVDESK_SYNC_DIRECTORY_FILE: '', GOVDESK_SYNC_LOG_LEVEL: 'info' },
  });
  const serverStartMs = performance.now() - started;
  try {
    const session = await login(server, homeserver, user);
    console.log(`searching: ${warmup.length} warm-up queries, then ${queries.length} measured…`);
    const search = await measureSearch(server.url, session.accessToken, warmup, queries);
    return { search, serverStartMs, serverMemory: processMemory(server.child.pid as number) };
  } finally {
    await server.stop();
  }
}
