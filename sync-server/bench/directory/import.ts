import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatProblem, readImportFiles, type ImportFile } from '../../src/directory/import-files.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/storage.ts';

export interface ImportResult {
  units: number;
  people: number;
  /** Milliseconds of each step of `npm run directory:import`, in its order. */
  readMs: number;
  parseMs: number;
  openMs: number;
  replaceMs: number;
  closeMs: number;
  totalMs: number;
  /** sync-server.db and its WAL, after the import closed the database. */
  dbBytes: number;
}

/**
 * The steps of `npm run directory:import` (import-command.ts), each timed:
 * read the files; read, parse and check every row (readImportFiles); open the
 * sync-server's storage in `dataDir`; replace the directory, which builds the
 * search index; close (the WAL checkpoint).
 */
export async function timeImport(files: readonly string[], dataDir: string): Promise<ImportResult> {
  let at = performance.now();
  const lap = () => {
    const now = performance.now();
    const elapsed = now - at;
    at = now;
    return elapsed;
  };
  const importFiles: ImportFile[] = files.map((file) => ({ name: path.basename(file), bytes: readFileSync(file) }));
  const readMs = lap();
  const outcome = readImportFiles(importFiles);
  const parseMs = lap();
  if (!outcome.ok) {
    throw new Error(`the generated directory was refused (${outcome.problems.length} problems):\n${outcome.problems.slice(0, 10).map(formatProblem).join('\n')}`);
  }
  const storage = openSqliteStorage(dataDir);
  const openMs = lap();
  let replaceMs: number;
  try {
    await storage.directory.replace(outcome.directory);
    replaceMs = lap();
  } finally {
    await storage.close();
  }
  const closeMs = lap();
  const db = path.join(dataDir, 'sync-server.db');
  const dbBytes = statSync(db).size + (existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0);
  return {
    units: outcome.directory.units.length,
    people: outcome.directory.people.length,
    readMs,
    parseMs,
    openMs,
    replaceMs,
    closeMs,
    totalMs: readMs + parseMs + openMs + replaceMs + closeMs,
    dbBytes,
  };
}
