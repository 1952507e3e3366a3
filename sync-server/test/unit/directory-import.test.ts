import { describe, expect, it } from 'vitest';
import { usccCheckCharacter } from '@govdesk/shared';
import { csvRecords, readImportFiles, type ImportFile } from '../../src/directory/import-files.ts';

/**
 * What an operator's files become: the units and people of the directory, or
 * every bad row by file and line, and then nothing. Pure: no files, no database.
 */

const encoder = new TextEncoder();
const csv = (name: string, lines: string[]): ImportFile => ({ name, bytes: encoder.encode(`${lines.join('\r\n')}\r\n`) });
const uscc = (first17: string) => `${first17}${usccCheckCharacter(first17)}`;
const GOOD = uscc('91440101MA59AB12C');
// The same code with another check character: what a mistyped digit looks like.
const BAD = `${GOOD.slice(0, 17)}${GOOD.endsWith('0') ? '1' : '0'}`;

const UNITS = csv('units.csv', ['单位编码,单位名称,上级单位编码,统一社会信用代码', 'gd,广东省人民政府,,', 'gd-bgt,省政府办公厅,gd,', 'gd-bgt-ms1,"秘书一处",gd-bgt,']);
const people = (liaisonUscc: string) =>
  csv('people.csv', [
    '账号,姓名,类别,所属单位编码,职务,企业名称,企业统一社会信用代码',
    '@zhangwei:gd.gov.cn,张伟,公务员,gd-bgt-ms1,处长,,',
    '@lina:gd.gov.cn,李娜,公务员,gd-bgt-ms1,,,',
    '@zhaomin:gd.gov.cn,赵敏,公务员,gd-bgt-ms1,科员,,',
    '@wangqiang:gd.gov.cn,王强,civil_servant,gd-bgt,,,',
    '@chen:gd.gov.cn,陈晓,群众,,,,',
    `@liu:gd.gov.cn,刘洋,企业联络员,,,"广州某某科技有限公司，研发中心",${liaisonUscc}`,
  ]);

describe('directory import files', () => {
  it('imports units and people from CSV with Chinese headers, quoted fields and Windows line ends', () => {
    const outcome = readImportFiles([UNITS, people(GOOD)]);
    if (!outcome.ok) throw new Error(outcome.problems.map((problem) => problem.message).join('\n'));
    expect(outcome.directory.units).toEqual([
      { id: 'gd', name: '广东省人民政府', parentId: null },
      { id: 'gd-bgt', name: '省政府办公厅', parentId: 'gd' },
      { id: 'gd-bgt-ms1', name: '秘书一处', parentId: 'gd-bgt' },
    ]);
    expect(outcome.directory.people).toHaveLength(6);
    expect(outcome.directory.people[0]).toEqual({ userId: '@zhangwei:gd.gov.cn', displayName: '张伟', class: 'civil_servant', unitId: 'gd-bgt-ms1', title: '处长' });
    expect(outcome.directory.people[5]).toEqual({ userId: '@liu:gd.gov.cn', displayName: '刘洋', class: 'enterprise_liaison', enterprise: { name: '广州某某科技有限公司，研发中心', uscc: GOOD } });
  });

  it('refuses a bad 统一社会信用代码 in line 7, says so, and gives nothing to import', () => {
    const outcome = readImportFiles([UNITS, people(BAD)]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.problems).toEqual([{ file: 'people.csv', line: 7, message: `企业统一社会信用代码 ${BAD}：统一社会信用代码校验位不正确，请核对` }]);
  });

  it('reports every bad row with its line, not only the first', () => {
    const outcome = readImportFiles([
      UNITS,
      csv('people.csv', [
        'user_id,name,class,unit,title,enterprise,enterprise_uscc',
        '@a:gd.gov.cn,甲,公务员,gd-nowhere,,,',
        '@b:gd.gov.cn,,群众,,,,',
        'zhang,张,群众,,,,',
        '@c:gd.gov.cn,丙,干部,,,,',
        '@d:gd.gov.cn,丁,企业联络员,,,某公司,',
        '@e:gd.gov.cn,戊,群众,,,,',
        '@e:gd.gov.cn,戊,群众,,,,',
        '@f:gd.gov.cn,己,群众',
      ]),
    ]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.problems.map(({ line, message }) => `${line} ${message}`)).toEqual([
      '2 所属单位编码 gd-nowhere 不存在',
      '3 缺少姓名',
      '4 账号 zhang 不是 Matrix 账号（应为 @用户名:服务器）',
      '5 类别 干部 应为 公务员、企业联络员 或 群众',
      '6 缺少企业统一社会信用代码',
      '8 账号 @e:gd.gov.cn 重复（第一次出现在 people.csv 第 7 行）',
      '9 有 3 列，表头有 7 列',
    ]);
  });

  it('checks the unit tree: duplicate codes, unknown parents and cycles', () => {
    const outcome = readImportFiles([csv('units.csv', ['id,name,parent', 'a,甲,b', 'b,乙,a', 'c,丙,x', 'c,丙二,', 'D,丁,'])]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.problems.map(({ line, message }) => `${line} ${message}`)).toEqual([
      '2 单位 a 成了自己的上级（上下级关系形成环）',
      '3 单位 b 成了自己的上级（上下级关系形成环）',
      '4 上级单位编码 x 不存在',
      '5 单位编码 c 重复（第一次出现在 units.csv 第 4 行）',
      '6 单位编码 D 只能由小写字母、数字和连字符组成',
    ]);
  });

  it('reads a CSV a Chinese spreadsheet saved in GB 18030, and one with a UTF-8 BOM', () => {
    // 秘书一处 in GB 18030 (the same bytes as GBK).
    const gb = new Uint8Array([...encoder.encode('id,name,parent\r\nms1,'), 0xc3, 0xd8, 0xca, 0xe9, 0xd2, 0xbb, 0xb4, 0xa6, ...encoder.encode(',\r\n')]);
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('id,name,parent\nms2,秘书二处,\n')]);
    const outcome = readImportFiles([
      { name: 'gb.csv', bytes: gb },
      { name: 'bom.csv', bytes: bom },
    ]);
    expect(outcome).toEqual({
      ok: true,
      directory: {
        units: [
          { id: 'ms1', name: '秘书一处', parentId: null },
          { id: 'ms2', name: '秘书二处', parentId: null },
        ],
        people: [],
      },
    });
  });

  it('reads the JSON form, and names the line of a bad element in it', () => {
    const json = `{
  "units": [
    { "id": "gd", "name": "广东省人民政府", "parentId": null }
  ],
  "people": [
    { "userId": "@zhangwei:gd.gov.cn", "displayName": "张伟", "class": "civil_servant", "unitId": "gd" },
    {
      "userId": "@liu:gd.gov.cn", "displayName": "刘洋", "class": "enterprise_liaison",
      "enterprise": { "name": "某公司", "uscc": "${BAD}" }
    }
  ]
}`;
    const outcome = readImportFiles([{ name: 'directory.json', bytes: encoder.encode(json) }]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.problems).toEqual([{ file: 'directory.json', line: 7, message: `企业统一社会信用代码 ${BAD}：统一社会信用代码校验位不正确，请核对` }]);
    const fixed = readImportFiles([{ name: 'directory.json', bytes: encoder.encode(json.replace(BAD, GOOD)) }]);
    expect(fixed.ok && fixed.directory.people[1]).toEqual({ userId: '@liu:gd.gov.cn', displayName: '刘洋', class: 'enterprise_liaison', enterprise: { name: '某公司', uscc: GOOD } });
  });

  it('refuses files that are neither CSV nor JSON, unclosed quotes and unknown columns', () => {
    const outcome = readImportFiles([
      { name: 'people.xlsx', bytes: new Uint8Array([0x50, 0x4b]) },
      csv('a.csv', ['id,name', 'x,"甲', '乙']),
      csv('b.csv', ['id,名称', 'x,甲']),
    ]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.problems.map(({ file, line, message }) => `${file} ${line} ${message}`)).toEqual([
      'people.xlsx null 只能导入 .csv 或 .json 文件',
      'a.csv 2 引号没有闭合',
      'b.csv 1 不认识的列：名称（可用的列：id、单位编码、name、单位名称、parent、上级单位编码、uscc、统一社会信用代码）',
    ]);
  });
});

describe('CSV records', () => {
  it('numbers each record by the line it starts on, across quoted line breaks', () => {
    expect(csvRecords('a,b\n"x\ny",z\n\nlast,"say ""hi"""')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x\ny', 'z'] },
      { line: 5, fields: ['last', 'say "hi"'] },
    ]);
  });
});
