import Database from 'better-sqlite3';
import { Samples } from '../../../build/lib/bench-report.ts';
import { SEARCH_LIMIT } from './search.ts';
import { QUERY_KINDS, type Query, type QueryKind } from './queries.ts';

/** Units a unit search answers with, as the reference asks for them. */
const UNIT_LIMIT = 10;

export interface LikeRun {
  all: Samples;
  byKind: Map<QueryKind, Samples>;
}

/**
 * The reference: the same question answered by scanning, on a read-only
 * connection to the sync-server's database, in this process (no HTTP, so it
 * is the scan alone). A query of Latin letters is an initials prefix
 * (`initials LIKE 'q%'`); any other query is `LIKE '%q%'` over people's
 * names and over units' full names. Each ranks as the search does (exact
 * match first, then names starting with the query) and keeps the first
 * SEARCH_LIMIT people, so every row must be read: without the ORDER BY a
 * scan for a common surname would stop after the first 50 rows it meets.
 */
export function measureLike(dbFile: string, queries: readonly Query[]): LikeRun {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const hit = 'p.user_id AS userId, p.name, p.title, u.id AS unitId, u.full_name AS unitName';
    const byInitials = db.prepare(`SELECT ${hit} FROM dir_people p LEFT JOIN dir_units u ON u.n = p.unit WHERE p.initials LIKE ? ORDER BY (p.initials = ?) DESC, p.n LIMIT ?`);
    const byName = db.prepare(
      `SELECT ${hit} FROM dir_people p LEFT JOIN dir_units u ON u.n = p.unit WHERE p.name LIKE ? ESCAPE '\\' ORDER BY (p.name = ?) DESC, (p.name LIKE ? ESCAPE '\\') DESC, p.n LIMIT ?`,
    );
    const units = db.prepare("SELECT id, full_name AS name FROM dir_units WHERE full_name LIKE ? ESCAPE '\\' ORDER BY (full_name = ?) DESC, depth, n LIMIT ?");
    const escape = (q: string) => q.replace(/[\\%_]/g, (char) => `\\${char}`);
    const run: LikeRun = { all: new Samples(), byKind: new Map(QUERY_KINDS.map((kind) => [kind, new Samples()])) };
    for (const query of queries) {
      const q = query.q.trim();
      const started = performance.now();
      if (/^[a-z]+$/i.test(q)) {
        byInitials.all(`${q.toLowerCase()}%`, q.toLowerCase(), SEARCH_LIMIT);
      } else {
        byName.all(`%${escape(q)}%`, q, `${escape(q)}%`, SEARCH_LIMIT);
        units.all(`%${escape(q)}%`, q, UNIT_LIMIT);
      }
      const ms = performance.now() - started;
      run.all.add(ms);
      run.byKind.get(query.kind)?.add(ms);
    }
    return run;
  } finally {
    db.close();
  }
}

/** The directory's tables and indexes by size (dbstat), and the rows of the search index. */
export function directoryStorage(dbFile: string): { objects: { name: string; bytes: number }[]; searchRows: number } {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    let objects: { name: string; bytes: number }[] = [];
    try {
      objects = db
        .prepare<[], { name: string; bytes: number }>(
          "SELECT s.name AS name, SUM(d.pgsize) AS bytes FROM dbstat d JOIN sqlite_schema s ON s.name = d.name WHERE s.tbl_name LIKE 'dir%' GROUP BY s.name ORDER BY bytes DESC",
        )
        .all();
    } catch {
      // A SQLite built without dbstat: the file size alone is reported.
    }
    const searchRows = (db.prepare<[], { rows: number }>('SELECT COUNT(*) AS rows FROM dir_search').get() as { rows: number }).rows;
    return { objects, searchRows };
  } finally {
    db.close();
  }
}
