import type { Directory } from '@govdesk/shared';

/**
 * The demo organisation `npm start` creates: one provincial organ with four
 * departments, seven civil servants (three of them in 秘书一处, so that its
 * group shows who has read a notice and who has not; 曾伟 and 张伟明 so that
 * 通讯录's `zw` finds more than one 张伟-like name), one enterprise liaison
 * and one citizen.
 * The codes are fictitious but valid 统一社会信用代码 (GB 32100-2015).
 */

export interface DemoAccount {
  username: string;
  displayName: string;
  /** How the login table describes the person. */
  role: string;
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'zhangwei', displayName: '张伟', role: '公务员 · 秘书一处 处长' },
  { username: 'lina', displayName: '李娜', role: '公务员 · 秘书一处 科员' },
  { username: 'zhaomin', displayName: '赵敏', role: '公务员 · 秘书一处 副处长' },
  { username: 'wangqiang', displayName: '王强', role: '公务员 · 督查室 副主任' },
  { username: 'ouyangna', displayName: '欧阳娜', role: '公务员 · 督查室 科员' },
  { username: 'zengwei', displayName: '曾伟', role: '公务员 · 秘书二处 处长' },
  { username: 'zhangweiming', displayName: '张伟明', role: '公务员 · 综合处 科员' },
  { username: 'chenjing', displayName: '陈静', role: '企业联络员 · 广州粤信数字科技有限公司' },
  { username: 'liuyang', displayName: '刘洋', role: '群众' },
];

export function demoDirectory(serverName: string): Directory {
  const id = (username: string) => `@${username}:${serverName}`;
  return {
    units: [
      { id: 'gd-gov-office', name: '广东省人民政府办公厅', parentId: null, uscc: '11440000MB2C90001G' },
      { id: 'gd-gov-office-secretariat-1', name: '秘书一处', parentId: 'gd-gov-office' },
      { id: 'gd-gov-office-secretariat-2', name: '秘书二处', parentId: 'gd-gov-office' },
      { id: 'gd-gov-office-inspection', name: '督查室', parentId: 'gd-gov-office' },
      { id: 'gd-gov-office-general', name: '综合处', parentId: 'gd-gov-office' },
    ],
    people: [
      { userId: id('zhangwei'), displayName: '张伟', class: 'civil_servant', unitId: 'gd-gov-office-secretariat-1', title: '处长' },
      { userId: id('lina'), displayName: '李娜', class: 'civil_servant', unitId: 'gd-gov-office-secretariat-1', title: '科员' },
      { userId: id('zhaomin'), displayName: '赵敏', class: 'civil_servant', unitId: 'gd-gov-office-secretariat-1', title: '副处长' },
      { userId: id('wangqiang'), displayName: '王强', class: 'civil_servant', unitId: 'gd-gov-office-inspection', title: '副主任' },
      { userId: id('ouyangna'), displayName: '欧阳娜', class: 'civil_servant', unitId: 'gd-gov-office-inspection', title: '科员' },
      { userId: id('zengwei'), displayName: '曾伟', class: 'civil_servant', unitId: 'gd-gov-office-secretariat-2', title: '处长' },
      { userId: id('zhangweiming'), displayName: '张伟明', class: 'civil_servant', unitId: 'gd-gov-office-general', title: '科员' },
      {
        userId: id('chenjing'),
        displayName: '陈静',
        class: 'enterprise_liaison',
        enterprise: { name: '广州粤信数字科技有限公司', uscc: '91440101MA5D8KQR2M' },
      },
      { userId: id('liuyang'), displayName: '刘洋', class: 'citizen' },
    ],
  };
}
