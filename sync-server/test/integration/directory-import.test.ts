import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { usccCheckCharacter } from '@govdesk/shared';
import { repoRoot } from '../../../build/lib/paths.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/storage.ts';

/**
 * `npm run directory:import` as an operator runs it: a process, real files in
 * CSV, the sync-server's own database. A file with one bad row imports
 * nothing, and the directory stays what the last good import made it.
 */

const command = path.join(repoRoot, 'sync-server/src/directory/import-command.ts');
const GOOD = `91440101MA59AB12C${usccCheckCharacter('91440101MA59AB12C')}`;
const BAD = `${GOOD.slice(0, 17)}${GOOD.endsWith('0') ? '1' : '0'}`;

function files(dir: string, liaisonUscc: string): string[] {
  const units = path.join(dir, 'units.csv');
  const people = path.join(dir, 'people.csv');
  writeFileSync(units, ['单位编码,单位名称,上级单位编码', 'gd,广东省人民政府,', 'gd-bgt,省政府办公厅,gd', 'gd-bgt-ms1,秘书一处,gd-bgt', ''].join('\n'));
  writeFileSync(
    people,
    [
      '账号,姓名,类别,所属单位编码,职务,企业名称,企业统一社会信用代码',
      '@zhangwei:gd.gov.cn,张伟,公务员,gd-bgt-ms1,处长,,',
      '@lina:gd.gov.cn,李娜,公务员,gd-bgt-ms1,,,',
      '@zhaomin:gd.gov.cn,赵敏,公务员,gd-bgt-ms1,科员,,',
      '@wangqiang:gd.gov.cn,王强,公务员,gd-bgt,,,',
      '@chen:gd.gov.cn,陈晓,群众,,,,',
      `@liu:gd.gov.cn,刘洋,企业联络员,,,广州某某科技有限公司,${liaisonUscc}`,
      '',
    ].join('\n'),
  );
  return [units, people];
}

function runImport(dataDir: string, paths: string[]) {
  const result = spawnSync(process.execPath, [command, ...paths], { env: { PATH: process.env.PATH, GOVDESK_SYNC_DATA_DIR: dataDir }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function stored(dataDir: string) {
  const storage = openSqliteStorage(dataDir);
  try {
    return await storage.directory.load();
  } finally {
    await storage.close();
  }
}

describe('npm run directory:import', () => {
  it('imports units and people from CSV into the sync-server database', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'govdesk-import-'));
    const imported = runImport(dataDir, files(dataDir, GOOD));
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('已导入 3 个单位、6 人');
    const { units, people } = await stored(dataDir);
    expect(units.map((unit) => unit.id)).toEqual(['gd', 'gd-bgt', 'gd-bgt-ms1']);
    expect(people.find((person) => person.userId === '@liu:gd.gov.cn')).toEqual({ userId: '@liu:gd.gov.cn', displayName: '刘洋', class: 'enterprise_liaison', enterprise: { name: '广州某某科技有限公司', uscc: GOOD } });
  });

  it('refuses a file with a bad 统一社会信用代码 in line 7, says so, and imports nothing', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'govdesk-import-'));
    expect(runImport(dataDir, files(dataDir, GOOD)).code).toBe(0);
    const before = await stored(dataDir);
    // A second import whose people file has one mistyped code: the whole import is refused.
    const paths = files(dataDir, BAD);
    writeFileSync(paths[0] as string, ['单位编码,单位名称,上级单位编码', 'gd,广东省人民政府,', 'gd-bgt,省政府办公厅,gd', 'gd-bgt-ms1,秘书一处,gd-bgt', 'gd-bgt-ms2,秘书二处,gd-bgt', ''].join('\n'));
    const refused = runImport(dataDir, paths);
    expect(refused.code).toBe(65);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(`people.csv 第 7 行：企业统一社会信用代码 ${BAD}：统一社会信用代码校验位不正确，请核对\n导入失败：发现 1 处问题，没有导入任何数据。\n`);
    // Nothing of the refused import arrived, not even its good new unit, and nothing of the last import was lost.
    expect(await stored(dataDir)).toEqual(before);
    expect((await stored(dataDir)).units.map((unit) => unit.id)).not.toContain('gd-bgt-ms2');
  });

  it('says what it needs when no file is given or a file cannot be read', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'govdesk-import-'));
    expect(runImport(dataDir, [])).toMatchObject({ code: 64, stderr: expect.stringContaining('用法：npm run directory:import') });
    expect(runImport(dataDir, [path.join(dataDir, 'missing.csv')])).toMatchObject({ code: 66, stderr: expect.stringContaining('无法读取') });
  });
});
