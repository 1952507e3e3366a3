import type { Directory, Person } from '@govdesk/shared';
import type { RunningHomeserver } from '../../build/homeserver/index.ts';
import { createTestUser, type TestUser } from './matrix.ts';

/**
 * A small organisation of fresh accounts on the real homeserver, and the
 * directory that says who is who: two departments of one organ, a civil
 * servant in each plus a third in the first, an enterprise liaison, a citizen.
 */
export interface TestOrganisation {
  directory: Directory;
  /** 秘书一处 */
  zhang: TestUser;
  /** 秘书一处 */
  li: TestUser;
  /** 督查室 */
  wang: TestUser;
  liaison: TestUser;
  citizen: TestUser;
}

export const UNITS = { organ: 'gd-gov-office', secretariat: 'gd-gov-office-secretariat-1', inspection: 'gd-gov-office-inspection' } as const;

export async function createTestOrganisation(homeserver: RunningHomeserver): Promise<TestOrganisation> {
  const [zhang, li, wang, liaison, citizen] = await Promise.all([
    createTestUser(homeserver, 'zhangwei', '张伟'),
    createTestUser(homeserver, 'lina', '李娜'),
    createTestUser(homeserver, 'wangqiang', '王强'),
    createTestUser(homeserver, 'chenjing', '陈静'),
    createTestUser(homeserver, 'liuyang', '刘洋'),
  ]);
  const people: Person[] = [
    { userId: zhang.userId, displayName: '张伟', class: 'civil_servant', unitId: UNITS.secretariat, title: '处长' },
    { userId: li.userId, displayName: '李娜', class: 'civil_servant', unitId: UNITS.secretariat, title: '科员' },
    { userId: wang.userId, displayName: '王强', class: 'civil_servant', unitId: UNITS.inspection, title: '副主任' },
    { userId: liaison.userId, displayName: '陈静', class: 'enterprise_liaison', enterprise: { name: '广州粤信数字科技有限公司', uscc: '91440101MA5D8KQR2M' } },
    { userId: citizen.userId, displayName: '刘洋', class: 'citizen' },
  ];
  return {
    directory: {
      units: [
        { id: UNITS.organ, name: '广东省人民政府办公厅', parentId: null, uscc: '11440000MB2C90001G' },
        { id: UNITS.secretariat, name: '秘书一处', parentId: UNITS.organ },
        { id: UNITS.inspection, name: '督查室', parentId: UNITS.organ },
      ],
      people,
    },
    zhang,
    li,
    wang,
    liaison,
    citizen,
  };
}
