import type { DirectorySearchResult } from '@govdesk/shared';
import { SeededRandom } from '../../../test/support/seeded-random.ts';
import { initialsOf, type GeneratedDirectory } from './generate.ts';

/** What people type into the directory's search box, in equal shares. */
export const QUERY_KINDS = [
  'full name, 3 characters',
  'full name, 2 characters',
  'surname, 1 character',
  'given-name character',
  'initials, 2 letters',
  'initials, 3 letters',
  'unit keyword',
  'unit full name',
] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

export interface Query {
  kind: QueryKind;
  q: string;
  /** The name an initials query was drawn from, for the report. */
  from?: string;
}

const UNIT_KEYWORDS = ['教育局', '公安局', '财政局', '秘书一处', '督查室', '办公室', '人民政府', '街道', '卫生健康', '信访局', '人力资源和社会保障', '综合科', '政务服务', '应急管理', '党政综合办公室', '法规处'];

/**
 * `count` queries drawn from the generated data with `seed`, the kinds in
 * turn: names and their parts as they occur (a common surname as often as
 * people bear it), pinyin initials of real names, unit keywords and the full
 * names of random units.
 */
export function querySet(directory: GeneratedDirectory, count: number, seed: number): Query[] {
  const random = new SeededRandom(seed);
  const { people, units } = directory;
  const someone = (length?: number) => {
    for (;;) {
      const name = random.pick(people).displayName;
      if (length === undefined || name.length === length) return name;
    }
  };
  const draw: Record<QueryKind, () => Query> = {
    'full name, 3 characters': () => ({ kind: 'full name, 3 characters', q: someone(3) }),
    'full name, 2 characters': () => ({ kind: 'full name, 2 characters', q: someone(2) }),
    'surname, 1 character': () => ({ kind: 'surname, 1 character', q: someone().slice(0, 1) }),
    'given-name character': () => ({ kind: 'given-name character', q: someone().slice(-1) }),
    'initials, 2 letters': () => {
      const name = someone();
      return { kind: 'initials, 2 letters', q: initialsOf(name).slice(0, 2), from: name };
    },
    'initials, 3 letters': () => {
      const name = someone(3);
      return { kind: 'initials, 3 letters', q: initialsOf(name), from: name };
    },
    'unit keyword': () => ({ kind: 'unit keyword', q: random.pick(UNIT_KEYWORDS) }),
    'unit full name': () => ({ kind: 'unit full name', q: random.pick(units).fullName }),
  };
  return Array.from({ length: count }, (_, i) => draw[QUERY_KINDS[i % QUERY_KINDS.length] as QueryKind]());
}

/**
 * Why an answer shows the search did not work, or null: a name query must
 * find someone whose name holds it, an initials query someone, a unit query a
 * unit whose name holds it. Which names initials match is the server's
 * reading of the characters, not checked here.
 */
export function answerProblem(query: Query, answer: DirectorySearchResult): string | null {
  switch (query.kind) {
    case 'initials, 2 letters':
    case 'initials, 3 letters':
      return answer.people.length > 0 ? null : `nobody found (drawn from ${query.from})`;
    case 'unit keyword':
    case 'unit full name':
      return answer.units.some((unit) => unit.name.includes(query.q)) ? null : `no unit whose name holds it (units: ${answer.units.map((unit) => unit.name).slice(0, 3).join('、') || 'none'})`;
    default:
      return answer.people.some((person) => person.displayName.includes(query.q)) ? null : `nobody whose name holds it (${answer.people.length} people found)`;
  }
}
