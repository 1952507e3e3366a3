import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Unit } from '@govdesk/shared';
import type { CivilServant } from './generate.ts';

/**
 * The directory as an operator hands it to `npm run directory:import`: two
 * UTF-8 CSV files with the Chinese column names a spreadsheet export has
 * (README.md, "npm run directory:import").
 */
export function writeDirectoryCsv(dir: string, units: readonly Unit[], people: readonly CivilServant[]): { files: string[]; bytes: number } {
  const unitsFile = path.join(dir, 'units.csv');
  const peopleFile = path.join(dir, 'people.csv');
  writeCsv(unitsFile, ['单位编码', '单位名称', '上级单位编码', '统一社会信用代码'], units, (unit) => [unit.id, unit.name, unit.parentId ?? '', unit.uscc ?? '']);
  writeCsv(peopleFile, ['账号', '姓名', '类别', '所属单位编码', '职务'], people, (person) => [person.userId, person.displayName, '公务员', person.unitId, person.title ?? '']);
  return { files: [unitsFile, peopleFile], bytes: statSync(unitsFile).size + statSync(peopleFile).size };
}

function writeCsv<T>(file: string, header: readonly string[], rows: readonly T[], fields: (row: T) => string[]): void {
  const fd = openSync(file, 'w');
  try {
    // In chunks: a million rows as one string would double the bench's peak memory for nothing.
    let chunk = `${header.join(',')}\r\n`;
    for (let i = 0; i < rows.length; i++) {
      chunk += `${fields(rows[i] as T).map(csvField).join(',')}\r\n`;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
