import { describe, expect, it } from 'vitest';
import { Directory, isInternalUserClass, MatrixUserId, Person, userIdLocalpart, userIdServerName } from '@govdesk/shared';

const units = [
  { id: 'gd-gov-office', name: '广东省人民政府办公厅', parentId: null, uscc: '11440000MB2C90001G' },
  { id: 'secretariat-1', name: '秘书一处', parentId: 'gd-gov-office' },
];

describe('the directory contract', () => {
  it('accepts the three classes of people', () => {
    const directory = Directory.parse({
      units,
      people: [
        { userId: '@zhangwei:gd.gov.cn', displayName: '张伟', class: 'civil_servant', unitId: 'secretariat-1', title: '处长' },
        { userId: '@chenjing:gd.gov.cn', displayName: '陈静', class: 'enterprise_liaison', enterprise: { name: '广州粤信数字科技有限公司', uscc: '91440101MA5D8KQR2M' } },
        { userId: '@liuyang:gd.gov.cn', displayName: '刘洋', class: 'citizen' },
      ],
    });
    expect(directory.people.map((person) => isInternalUserClass(person.class))).toEqual([true, false, false]);
  });

  it('refuses an enterprise liaison whose credit code does not check out, with a message in Chinese', () => {
    const result = Person.safeParse({ userId: '@chenjing:gd.gov.cn', displayName: '陈静', class: 'enterprise_liaison', enterprise: { name: '某公司', uscc: '91440101MA5D8KQR2A' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('统一社会信用代码校验位不正确，请核对');
  });

  it('refuses a liaison without an enterprise and a civil servant without a unit', () => {
    expect(Person.safeParse({ userId: '@a:x', displayName: 'A', class: 'enterprise_liaison' }).success).toBe(false);
    expect(Person.safeParse({ userId: '@a:x', displayName: 'A', class: 'civil_servant' }).success).toBe(false);
  });

  it('refuses unknown units, duplicates and cycles', () => {
    const person = { userId: '@a:x', displayName: 'A', class: 'civil_servant', unitId: 'nowhere' };
    expect(Directory.safeParse({ units, people: [person] }).error?.issues.map((issue) => issue.message)).toEqual(['unknown unit nowhere']);
    expect(Directory.safeParse({ units: [...units, units[1]], people: [] }).success).toBe(false);
    const cycle = [
      { id: 'a', name: 'A', parentId: 'b' },
      { id: 'b', name: 'B', parentId: 'a' },
    ];
    expect(Directory.safeParse({ units: cycle, people: [] }).error?.issues[0]?.message).toMatch(/its own ancestor/);
  });

  it('parses Matrix user IDs', () => {
    expect(MatrixUserId.safeParse('@zhangwei:gd.gov.cn').success).toBe(true);
    expect(MatrixUserId.safeParse('@zhangwei:localhost:8448').success).toBe(true);
    expect(MatrixUserId.safeParse('@zhangwei:[::1]:8448').success).toBe(true);
    for (const bad of ['zhangwei:gd.gov.cn', '@:gd.gov.cn', '@ZhangWei:gd.gov.cn', '@zhang wei:gd.gov.cn', '@zhangwei', '@zhangwei:']) {
      expect(MatrixUserId.safeParse(bad).success, bad).toBe(false);
    }
    expect(userIdLocalpart('@zhangwei:localhost:8448')).toBe('zhangwei');
    expect(userIdServerName('@zhangwei:localhost:8448')).toBe('localhost:8448');
  });
});
