import { pinyin, polyphonic } from 'pinyin-pro';
import type { Directory, DirectoryHit, DirectorySearchResult, Unit, UserClass } from '@govdesk/shared';
import type { SqliteDatabase } from '../storage/sqlite/database.ts';

/**
 * The directory's search index, for a province: a million people in twenty
 * thousand units (docs/three-ends.md has the measurements behind it).
 *
 * - Units are numbered depth-first, so a unit's subtree is the range
 *   `n..last_unit`; people are numbered in unit order, so the staff of a
 *   subtree is one range too (`first_person..last_person`).
 * - `dir_search` holds one row per search term of a person: every substring
 *   of the name, and every prefix of the pinyin initials of every reading of
 *   it. A search is one range read of an index, ranked by how well the term
 *   matches, whatever the size of the directory.
 */

/** How a term matches a person, best first: what a search returns first. */
const RANK = { exactName: 0, namePrefix: 1, nameInfix: 2, initials: 3, initialsPrefix: 4, otherReading: 5, otherReadingPrefix: 6 } as const;

/** At most this many initials strings per person (a name of several polyphonic characters has many readings). */
const MAX_READINGS = 16;
/** Chinese queries longer than this are no person's name: only units are searched. */
const MAX_NAME_QUERY = 4;
const UNITS_SHOWN = 10;

const COMPOUND_SURNAMES = new Set(['欧阳', '司马', '诸葛', '上官', '尉迟', '万俟', '司徒', '夏侯', '东方', '皇甫', '公孙', '慕容', '长孙', '宇文', '令狐', '轩辕', '澹台', '钟离', '端木']);

const charReadings = new Map<string, string[]>();
const surnameInitials = new Map<string, string>();

/** The initials of every reading of one character, its usual reading first. */
function initialsOfChar(char: string): string[] {
  let initials = charReadings.get(char);
  if (!initials) {
    const usual = (pinyin(char, { pattern: 'first', toneType: 'none', type: 'array' })[0] ?? '').toLowerCase();
    const all = (polyphonic(char, { pattern: 'first', toneType: 'none', type: 'array' })[0] ?? []).map((reading: string) => reading.toLowerCase());
    initials = [...new Set([usual, ...all])].filter((letter) => /^[a-z]$/.test(letter));
    charReadings.set(char, initials);
  }
  return initials;
}

/**
 * A name's pinyin initials: the usual reading first, the surname read as a
 * surname (曾 z, 单 s, 区 o, 仇 q…), then the other readings of polyphonic
 * characters, so that a search by initials never misses.
 */
export function initialsOf(name: string): string[] {
  const chars = Array.from(name);
  const lead = chars.slice(0, 2).join('');
  const surname = COMPOUND_SURNAMES.has(lead) ? lead : (chars[0] ?? '');
  let usualSurname = surnameInitials.get(surname);
  if (usualSurname === undefined) {
    usualSurname = pinyin(surname, { pattern: 'first', toneType: 'none', type: 'array', mode: 'surname' }).join('').toLowerCase();
    surnameInitials.set(surname, usualSurname);
  }
  const usual = usualSurname + chars.slice(Array.from(surname).length).map((char) => initialsOfChar(char)[0] ?? '').join('');
  let readings = [''];
  for (const char of chars) {
    const letters = initialsOfChar(char);
    readings = readings.flatMap((prefix) => (letters.length > 0 ? letters : ['']).map((letter) => prefix + letter)).slice(0, MAX_READINGS);
  }
  return [usual, ...new Set(readings.filter((reading) => reading !== usual))].filter((reading) => reading !== '').slice(0, MAX_READINGS);
}

/** A person's search terms, each with its best rank. */
export function termsOf(name: string, initials: readonly string[]): Map<string, number> {
  const terms = new Map<string, number>();
  const put = (term: string, rank: number) => {
    const known = terms.get(term);
    if (known === undefined || rank < known) terms.set(term, rank);
  };
  const chars = Array.from(name);
  for (let start = 0; start < chars.length; start++) {
    for (let end = start + 1; end <= chars.length; end++) {
      put(chars.slice(start, end).join(''), start > 0 ? RANK.nameInfix : end === chars.length ? RANK.exactName : RANK.namePrefix);
    }
  }
  initials.forEach((reading, index) => {
    const [whole, prefix] = index === 0 ? [RANK.initials, RANK.initialsPrefix] : [RANK.otherReading, RANK.otherReadingPrefix];
    for (let end = 1; end <= reading.length; end++) put(reading.slice(0, end), end === reading.length ? whole : prefix);
  });
  return terms;
}

/** The readable name of a unit: a department is named with its organ (the nearest unit above with a 统一社会信用代码, else its parent). */
function fullNameOf(unit: Unit, byId: ReadonlyMap<string, Unit>): string {
  if (unit.parentId === null || unit.uscc !== undefined) return unit.name;
  let organ = byId.get(unit.parentId);
  while (organ && organ.uscc === undefined && organ.parentId !== null) organ = byId.get(organ.parentId);
  const context = organ?.uscc !== undefined ? organ : byId.get(unit.parentId);
  return context && !unit.name.startsWith(context.name) ? `${context.name}${unit.name}` : unit.name;
}

/**
 * Writes the index of `directory` into the database, replacing the one
 * there. Runs inside the caller's transaction (the import's), so that the
 * directory and its index change together.
 */
export function writeSearchIndex(db: SqliteDatabase, directory: Directory): void {
  const byId = new Map(directory.units.map((unit) => [unit.id, unit]));
  const children = new Map<string | null, Unit[]>();
  for (const unit of directory.units) {
    const siblings = children.get(unit.parentId);
    if (siblings) siblings.push(unit);
    else children.set(unit.parentId, [unit]);
  }
  // Depth-first numbering, without recursion: a tree may be deep.
  const order: { unit: Unit; depth: number }[] = [];
  const lastUnit = new Map<string, number>();
  const stack: { unit: Unit; depth: number; exit: boolean }[] = (children.get(null) ?? []).map((unit) => ({ unit, depth: 0, exit: false })).reverse();
  while (stack.length > 0) {
    const entry = stack.pop() as (typeof stack)[number];
    if (entry.exit) {
      lastUnit.set(entry.unit.id, order.length);
      continue;
    }
    order.push({ unit: entry.unit, depth: entry.depth });
    stack.push({ ...entry, exit: true });
    for (const child of [...(children.get(entry.unit.id) ?? [])].reverse()) stack.push({ unit: child, depth: entry.depth + 1, exit: false });
  }
  const unitNumber = new Map(order.map(({ unit }, index) => [unit.id, index + 1]));

  // People in unit order (those without a unit last), so that a subtree's staff is one range.
  const people = directory.people
    .map((person, index) => ({ person, index, unit: person.class === 'civil_servant' ? (unitNumber.get(person.unitId) ?? null) : null }))
    .sort((a, b) => (a.unit ?? Infinity) - (b.unit ?? Infinity) || a.index - b.index);
  const firstOfUnit = new Map<number, number>();
  const lastOfUnit = new Map<number, number>();
  people.forEach(({ unit }, index) => {
    if (unit === null) return;
    if (!firstOfUnit.has(unit)) firstOfUnit.set(unit, index + 1);
    lastOfUnit.set(unit, index + 1);
  });

  db.exec('DELETE FROM dir_search; DELETE FROM dir_people; DELETE FROM dir_units;');
  const insertUnit = db.prepare('INSERT INTO dir_units (n, id, parent, name, full_name, depth, last_unit, first_person, last_person) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  // A subtree's staff is one range of people: from the first person of the first unit in it that has any, to the last
  // person of the last such unit. Both are read off running bounds over the unit numbers.
  const firstFrom = new Array<number>(order.length + 2).fill(Infinity);
  for (let n = order.length; n >= 1; n--) firstFrom[n] = firstOfUnit.get(n) ?? (firstFrom[n + 1] as number);
  const lastUpTo = new Array<number>(order.length + 1).fill(-1);
  for (let n = 1; n <= order.length; n++) lastUpTo[n] = lastOfUnit.get(n) ?? (lastUpTo[n - 1] as number);
  const staffOf = (n: number, last: number): [number, number] => {
    const first = firstFrom[n] as number;
    const lastPerson = lastUpTo[last] as number;
    return first <= lastPerson ? [first, lastPerson] : [0, -1];
  };
  order.forEach(({ unit, depth }, index) => {
    const n = index + 1;
    const last = lastUnit.get(unit.id) as number;
    const [firstPerson, lastPerson] = staffOf(n, last);
    insertUnit.run(n, unit.id, unit.parentId === null ? null : (unitNumber.get(unit.parentId) ?? null), unit.name, fullNameOf(unit, byId), depth, last, firstPerson, lastPerson);
  });

  const insertPerson = db.prepare('INSERT INTO dir_people (n, user_id, class, name, unit, title, initials) VALUES (?, ?, ?, ?, ?, ?, ?)');
  // Terms go to a staging table first and into the index sorted: inserting eight million rows into a b-tree in
  // order is several times faster than in the order people come.
  db.exec('CREATE TEMP TABLE IF NOT EXISTS dir_stage (term TEXT, rank INTEGER, person INTEGER); DELETE FROM temp.dir_stage;');
  // One statement per person, its terms as JSON unpacked by SQLite: fewer crossings between JavaScript and SQLite.
  const stage = db.prepare('INSERT INTO temp.dir_stage (term, rank, person) SELECT value ->> 0, value ->> 1, ? FROM json_each(?)');
  people.forEach(({ person, unit }, index) => {
    const initials = initialsOf(person.displayName);
    insertPerson.run(index + 1, person.userId, person.class, person.displayName, unit, person.class === 'civil_servant' ? (person.title ?? null) : null, initials[0] ?? '');
    stage.run(index + 1, JSON.stringify([...termsOf(person.displayName, initials)]));
  });
  db.exec('INSERT INTO dir_search (term, rank, person) SELECT term, rank, person FROM temp.dir_stage ORDER BY term, rank, person; DROP TABLE temp.dir_stage;');
}

interface PersonRow {
  user_id: string;
  class: UserClass;
  name: string;
  title: string | null;
  unit_id: string | null;
  unit_name: string | null;
}

/** Searches by name, pinyin initials (a query of Latin letters) or unit name. */
export function createDirectorySearch(db: SqliteDatabase): (query: string, limit: number) => DirectorySearchResult {
  const columns = 'p.user_id, p.class, p.name, p.title, u.id AS unit_id, u.full_name AS unit_name';
  const byTerm = db.prepare<[string, number], PersonRow>(
    `SELECT ${columns} FROM dir_search s JOIN dir_people p ON p.n = s.person LEFT JOIN dir_units u ON u.n = p.unit WHERE s.term = ? ORDER BY s.rank, s.person LIMIT ?`,
  );
  // Twenty thousand short names: a scan costs about a millisecond and finds a name inside another (教育局 in 广州市教育局).
  const units = db.prepare<[string, string, string, number], { n: number; id: string; full_name: string; first_person: number; last_person: number }>(
    "SELECT n, id, full_name, first_person, last_person FROM dir_units WHERE full_name LIKE ? ESCAPE '\\' ORDER BY (name = ?) DESC, (full_name = ?) DESC, depth, n LIMIT ?",
  );
  const staff = db.prepare<[number, number, number], PersonRow>(`SELECT ${columns} FROM dir_people p LEFT JOIN dir_units u ON u.n = p.unit WHERE p.n BETWEEN ? AND ? ORDER BY p.n LIMIT ?`);
  const hit = (row: PersonRow): DirectoryHit => ({
    userId: row.user_id,
    displayName: row.name,
    class: row.class,
    ...(row.title === null ? {} : { title: row.title }),
    unit: row.unit_id === null ? null : { id: row.unit_id, name: row.unit_name ?? '' },
  });
  return (raw, limit) => {
    const query = raw.trim();
    if (query === '') return { people: [], units: [] };
    if (/^[a-z]+$/i.test(query)) return { people: byTerm.all(query.toLowerCase(), limit).map(hit), units: [] };
    const escaped = query.replace(/[\\%_]/g, (char) => `\\${char}`);
    const foundUnits = units.all(`%${escaped}%`, query, query, UNITS_SHOWN);
    const people = Array.from(query).length <= MAX_NAME_QUERY ? byTerm.all(query, limit) : [];
    // Then the staff of the units found, best unit first: 秘书一处 lists its people.
    const seen = new Set(people.map((row) => row.user_id));
    for (const unit of foundUnits) {
      if (people.length >= limit) break;
      if (unit.first_person <= 0 || unit.last_person < unit.first_person) continue;
      for (const row of staff.all(unit.first_person, unit.last_person, limit - people.length)) {
        if (!seen.has(row.user_id)) {
          seen.add(row.user_id);
          people.push(row);
        }
      }
    }
    return { people: people.map(hit), units: foundUnits.map((unit) => ({ id: unit.id, name: unit.full_name })) };
  };
}
