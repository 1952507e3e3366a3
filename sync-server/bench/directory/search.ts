import { directoryApi, DirectorySearchResult } from '@govdesk/shared';
import { Samples } from '../../../build/lib/bench-report.ts';
import { answerProblem, QUERY_KINDS, type Query, type QueryKind } from './queries.ts';

/** How many answers a search asks for: the search box's page. */
export const SEARCH_LIMIT = 50;

export interface KindResult {
  samples: Samples;
  /** People and units in each answer, for the medians in the report. */
  people: number[];
  units: number[];
  /** The first query of the kind and the start of its answer. */
  example?: { q: string; people: string[]; units: string[] };
}

export interface SearchRun {
  all: Samples;
  byKind: Map<QueryKind, KindResult>;
  /** Answers that were refused, did not parse, or found nothing they should have. */
  failures: string[];
}

/**
 * The queries one at a time through the sync-server's API, as the desktop
 * app sends them: GET /api/directory/search with the session's bearer token,
 * over one kept-alive connection (fetch's pool). Timed from the request to
 * the last byte of the answer; the answer is then checked against the
 * contract (DirectorySearchResult) and for hits. A pass over `warmup`
 * (other queries of the same kinds) comes first and is not measured.
 */
export async function measureSearch(url: string, token: string, warmup: readonly Query[], queries: readonly Query[]): Promise<SearchRun> {
  const ask = async (query: Query) => {
    const started = performance.now();
    const response = await fetch(`${url}${directoryApi.search.path}?q=${encodeURIComponent(query.q)}&limit=${SEARCH_LIMIT}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    const ms = performance.now() - started;
    const failure = (why: string) => ({ ms, answer: null, failure: `${query.kind} “${query.q}”: ${why}` });
    if (response.status !== 200) return failure(`HTTP ${response.status} ${text.slice(0, 200)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return failure(`not JSON: ${text.slice(0, 200)}`);
    }
    const parsed = DirectorySearchResult.safeParse(json);
    if (!parsed.success) return failure(`not a DirectorySearchResult: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
    const problem = answerProblem(query, parsed.data);
    return problem === null ? { ms, answer: parsed.data, failure: null } : { ms, answer: parsed.data, failure: `${query.kind} “${query.q}”: ${problem}` };
  };

  const warmupFailures: string[] = [];
  for (const query of warmup) {
    const { failure } = await ask(query);
    if (failure) warmupFailures.push(failure);
  }
  // A search that answers nothing usable is not worth timing.
  if (warmup.length > 0 && warmupFailures.length === warmup.length) {
    throw new Error(`every warm-up search failed; for example:\n${warmupFailures.slice(0, 5).join('\n')}`);
  }

  const run: SearchRun = { all: new Samples(), byKind: new Map(QUERY_KINDS.map((kind) => [kind, { samples: new Samples(), people: [], units: [] }])), failures: [] };
  for (const query of queries) {
    const { ms, answer, failure } = await ask(query);
    const kind = run.byKind.get(query.kind) as KindResult;
    run.all.add(ms);
    kind.samples.add(ms);
    if (failure) run.failures.push(failure);
    if (!answer) continue;
    kind.people.push(answer.people.length);
    kind.units.push(answer.units.length);
    kind.example ??= { q: query.q, people: answer.people.slice(0, 4).map((person) => person.displayName), units: answer.units.slice(0, 2).map((unit) => unit.name) };
  }
  return run;
}

/** The median of counts (0 for none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
}
