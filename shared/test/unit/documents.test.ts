import { describe, expect, it } from 'vitest';
import {
  canManageShares,
  canWriteContent,
  classifiedFields,
  classifiedMarking,
  CLASSIFIED_REFUSAL,
  CreateDocumentRequest,
  DOC_TYPES,
  DocType,
  docTypeName,
  effectiveRole,
  isClassifiedLevel,
  mayHoldAnyRole,
  roleAtLeast,
  strongestRole,
  type DocumentRole,
  type Grant,
} from '@govdesk/shared';

const ROLES: DocumentRole[] = ['reader', 'commenter', 'editor', 'owner'];

const civilServant = (userId: string, unitIds: string[] = []) => ({ userId, class: 'civil_servant' as const, unitIds: new Set(unitIds) });
const liaison = (userId: string) => ({ userId, class: 'enterprise_liaison' as const, unitIds: new Set<string>() });
const citizen = (userId: string) => ({ userId, class: 'citizen' as const, unitIds: new Set<string>() });

describe('document roles', () => {
  it('orders reader < commenter < editor < owner', () => {
    for (const [i, role] of ROLES.entries()) {
      for (const [j, needed] of ROLES.entries()) expect(roleAtLeast(role, needed), `${role} ≥ ${needed}`).toBe(i >= j);
    }
    expect(roleAtLeast(null, 'reader')).toBe(false);
    expect(strongestRole(['reader', 'editor', 'commenter'])).toBe('editor');
    expect(strongestRole([])).toBeNull();
  });

  it('lets only owners and editors write content, and only owners manage shares', () => {
    expect(ROLES.filter((role) => canWriteContent(role))).toEqual(['editor', 'owner']);
    expect(ROLES.filter((role) => canManageShares(role))).toEqual(['owner']);
    expect(canWriteContent(null)).toBe(false);
    expect(canManageShares(null)).toBe(false);
  });

  it('never lets an enterprise liaison or a citizen hold any role on an internal document', () => {
    expect(mayHoldAnyRole('internal', 'civil_servant')).toBe(true);
    expect(mayHoldAnyRole('internal', 'enterprise_liaison')).toBe(false);
    expect(mayHoldAnyRole('internal', 'citizen')).toBe(false);
    for (const userClass of ['civil_servant', 'enterprise_liaison', 'citizen'] as const) expect(mayHoldAnyRole('external', userClass)).toBe(true);
  });
});

describe('effective role', () => {
  const zhang = '@zhang:gd.gov.cn';

  it('is the grant to the user, or null without one', () => {
    expect(effectiveRole([{ principal: { type: 'user', userId: zhang }, role: 'editor' }], civilServant(zhang), 'internal')).toBe('editor');
    expect(effectiveRole([{ principal: { type: 'user', userId: '@li:gd.gov.cn' }, role: 'owner' }], civilServant(zhang), 'internal')).toBeNull();
    expect(effectiveRole([], civilServant(zhang), 'external')).toBeNull();
  });

  it('reaches the members of a unit and of every unit below it (the caller passes its unit chain)', () => {
    const toOrgan: Grant[] = [{ principal: { type: 'unit', unitId: 'gd-gov-office' }, role: 'reader' }];
    // A member of 秘书一处 belongs to the office above it too.
    expect(effectiveRole(toOrgan, civilServant(zhang, ['secretariat-1', 'gd-gov-office']), 'internal')).toBe('reader');
    // A grant to a department does not reach a member of another department of the same office.
    const toDepartment: Grant[] = [{ principal: { type: 'unit', unitId: 'secretariat-1' }, role: 'editor' }];
    expect(effectiveRole(toDepartment, civilServant(zhang, ['inspection', 'gd-gov-office']), 'internal')).toBeNull();
  });

  it('is the strongest of the grants to the user and to their units, whatever their order', () => {
    const grants: Grant[] = [
      { principal: { type: 'unit', unitId: 'gd-gov-office' }, role: 'editor' },
      { principal: { type: 'user', userId: zhang }, role: 'reader' },
      { principal: { type: 'unit', unitId: 'secretariat-1' }, role: 'commenter' },
    ];
    const member = civilServant(zhang, ['secretariat-1', 'gd-gov-office']);
    expect(effectiveRole(grants, member, 'internal')).toBe('editor');
    expect(effectiveRole([...grants].reverse(), member, 'internal')).toBe('editor');
  });

  it('is null for an external user on an internal document even when a grant names them', () => {
    const grants: Grant[] = [
      { principal: { type: 'user', userId: '@chen:gd.gov.cn' }, role: 'owner' },
      { principal: { type: 'user', userId: '@liu:gd.gov.cn' }, role: 'reader' },
    ];
    expect(effectiveRole(grants, liaison('@chen:gd.gov.cn'), 'internal')).toBeNull();
    expect(effectiveRole(grants, citizen('@liu:gd.gov.cn'), 'internal')).toBeNull();
    expect(effectiveRole(grants, liaison('@chen:gd.gov.cn'), 'external')).toBe('owner');
    expect(effectiveRole(grants, citizen('@liu:gd.gov.cn'), 'external')).toBe('reader');
  });

  it('does not let an external user inherit through a unit ID they claim', () => {
    // The server builds unitIds from the directory: external people have none, so a unit grant never reaches them.
    const grants: Grant[] = [{ principal: { type: 'unit', unitId: 'gd-gov-office' }, role: 'editor' }];
    expect(effectiveRole(grants, { ...liaison('@chen:gd.gov.cn'), unitIds: new Set(['gd-gov-office']) }, 'internal')).toBeNull();
  });
});

describe('classified markings (涉密不上网，上网不涉密)', () => {
  it.each([
    ['秘密★1年', '秘密'],
    ['机密', '机密'],
    ['【绝密】', '绝密'],
    ['绝密★启用前', '绝密'],
    ['机密★10年 关于某项工程的报告', '机密'],
    ['秘密 关于调整人事安排的请示', '秘密'],
    ['[秘密] 会议纪要', '秘密'],
    ['  绝密：某某事项', '绝密'],
    ['关于印发秘密＊5年文件的通知', '秘密'],
  ])('refuses %s', (text, level) => {
    expect(classifiedMarking(text)).toBe(level);
  });

  it('refuses a bracketed marking followed directly by the title', () => {
    expect(classifiedMarking('【绝密】关于某项工程的报告')).toBe('绝密');
    expect(classifiedMarking('（机密）关于某项工作的意见')).toBe('机密');
  });

  it.each([
    '保守国家秘密的规定',
    '关于认真学习《中华人民共和国保守国家秘密法》的通知',
    '关于加强机密文件管理工作的通知',
    '秘密通道改造工程验收报告',
    '关于防范商业秘密泄露的提示函',
    '关于做好2026年防汛工作的通知',
    '',
  ])('lets %s pass: the word is used, not a marking', (text) => {
    expect(classifiedMarking(text)).toBeNull();
  });

  it('recognises a 密级 given where a classification is expected, in Chinese or English', () => {
    for (const level of ['秘密', '机密', '绝密', ' 机密 ', 'secret', 'SECRET', 'Confidential', 'top_secret', 'top-secret', 'topsecret']) expect(isClassifiedLevel(level), level).toBe(true);
    for (const value of ['internal', 'external', '内部', '公开', '']) expect(isClassifiedLevel(value), value).toBe(false);
  });
});

describe('the 涉密不上网 rule for a request', () => {
  const refusal = (path: string) => ({ path, code: CLASSIFIED_REFUSAL.code, message: CLASSIFIED_REFUSAL['zh-CN'] });

  it('names every field that carries a 密级, whatever else is wrong with the request', () => {
    expect(classifiedFields({ title: '秘密★1年 关于某事项的请示', docType: 'memo', owningUnitId: 42 })).toEqual([refusal('title')]);
    expect(classifiedFields({ title: '绝密★启用前', classification: 'top_secret' })).toEqual([refusal('title'), refusal('classification')]);
    expect(classifiedFields({ classification: '机密' })).toEqual([refusal('classification')]);
  });

  it('finds nothing in ordinary use of the words, in fields of another type, or in what is not an object', () => {
    expect(classifiedFields({ title: '关于学习《保守国家秘密法》的通知', classification: 'internal' })).toEqual([]);
    expect(classifiedFields({ title: 42, classification: ['机密'] })).toEqual([]);
    for (const input of [null, undefined, '机密', 42]) expect(classifiedFields(input)).toEqual([]);
  });
});

describe('the create-document request', () => {
  const valid = { title: '关于做好2026年防汛工作的通知', docType: 'notice', owningUnitId: 'secretariat-1', classification: 'internal' };
  const issues = (input: unknown) => CreateDocumentRequest.safeParse(input).error?.issues ?? [];

  it('accepts a well-formed request and trims the title', () => {
    expect(CreateDocumentRequest.parse({ ...valid, title: '  关于召开专题会议的通知 ' })).toEqual({ ...valid, title: '关于召开专题会议的通知' });
    expect(CreateDocumentRequest.parse({ ...valid, classification: 'external' }).classification).toBe('external');
  });

  it('refuses a marked title and a 密级 classification with the 涉密不上网 message and a machine-readable code', () => {
    for (const input of [
      { ...valid, title: '秘密★1年 关于某事项的请示' },
      { ...valid, classification: '机密' },
      { ...valid, classification: 'secret' },
    ]) {
      const refused = issues(input).filter((issue) => (issue as { params?: { code?: string } }).params?.code === CLASSIFIED_REFUSAL.code);
      expect(refused, JSON.stringify(input)).toHaveLength(1);
      expect(refused[0]?.message).toBe('涉密信息不得在本系统处理（涉密不上网，上网不涉密）');
    }
  });

  it('refuses other classifications with an ordinary message, and names the field of every problem', () => {
    const result = issues({ title: ' ', docType: 'memo', owningUnitId: 'Bad Unit', classification: 'public' });
    expect(result.map((issue) => issue.path.join('.')).sort()).toEqual(['classification', 'docType', 'owningUnitId', 'title']);
    expect(result.find((issue) => issue.path[0] === 'classification')?.message).toBe('classification must be internal or external');
    expect(result.find((issue) => issue.path[0] === 'title')?.message).toBe('标题不能为空');
    expect(issues({ ...valid, title: '长'.repeat(201) })[0]?.message).toBe('标题不能超过 200 字');
  });
});

describe('文种 (《党政机关公文处理工作条例》 第八条)', () => {
  it('has the 15 statutory types, in the order of the regulation', () => {
    expect(DOC_TYPES.map((type) => type.name)).toEqual(['决议', '决定', '命令（令）', '公报', '公告', '通告', '意见', '通知', '通报', '报告', '请示', '批复', '议案', '函', '纪要']);
    expect(new Set(DOC_TYPES.map((type) => type.id)).size).toBe(15);
  });

  it('accepts exactly those IDs and names each', () => {
    for (const type of DOC_TYPES) {
      expect(DocType.parse(type.id)).toBe(type.id);
      expect(docTypeName(type.id)).toBe(type.name);
    }
    expect(DocType.safeParse('memo').success).toBe(false);
    expect(DocType.safeParse('通知').success).toBe(false);
  });
});
