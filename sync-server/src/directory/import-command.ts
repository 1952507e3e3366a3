#!/usr/bin/env node
/**
 * npm run directory:import -- FILE…
 *
 * Replaces the sync-server's directory with the units and people of FILE…
 * (CSV, as a spreadsheet exports it, or JSON; see import-files.ts), in the
 * data directory the sync-server's own configuration names. Every bad row is
 * listed with its file and line; then nothing is imported. The sync-server
 * reads the directory when it starts: restart it to use an import.
 *
 * Exit codes (sysexits): 0 imported, 64 no file given, 65 a file has
 * problems, 66 a file cannot be read, 78 the configuration is invalid.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit } from '../config.ts';
import { openSqliteStorage } from '../storage/sqlite/storage.ts';
import { formatProblem, readImportFiles, type ImportFile } from './import-files.ts';

const names = process.argv.slice(2);
if (names.length === 0) {
  process.stderr.write('用法：npm run directory:import -- 单位.csv 人员.csv（或 通讯录.json）\n');
  process.exit(64);
}

const config = loadConfigOrExit();

const files: ImportFile[] = [];
for (const name of names) {
  try {
    // npm runs scripts in the project's folder; a relative name is the operator's, from where they typed it.
    files.push({ name: path.basename(name), bytes: readFileSync(path.resolve(process.env.INIT_CWD ?? process.cwd(), name)) });
  } catch (error) {
    process.stderr.write(`无法读取 ${name}：${(error as Error).message}\n`);
    process.exit(66);
  }
}

const outcome = readImportFiles(files);
if (!outcome.ok) {
  for (const problem of outcome.problems) process.stderr.write(`${formatProblem(problem)}\n`);
  process.stderr.write(`导入失败：发现 ${outcome.problems.length} 处问题，没有导入任何数据。\n`);
  process.exit(65);
}

const storage = openSqliteStorage(config.dataDir);
try {
  await storage.directory.replace(outcome.directory);
} finally {
  await storage.close();
}
process.stdout.write(`已导入 ${outcome.directory.units.length} 个单位、${outcome.directory.people.length} 人到 ${path.resolve(config.dataDir)}。重启 sync-server 后生效。\n`);
