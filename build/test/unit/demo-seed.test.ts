import { describe, expect, it } from 'vitest';
import { Directory, isTextFile, messageMarking } from '@govdesk/shared';
import { DEMO_ACCOUNTS, demoDirectory } from '../../seed/demo-directory.ts';
import { DEMO_FILE, DEMO_GROUP, DEMO_TEXT } from '../../seed/messages.ts';

describe('the demo data npm start seeds', () => {
  it('gives every demo account its entry in the directory, and 秘书一处 three people', () => {
    const directory = Directory.parse(demoDirectory('localhost'));
    for (const account of DEMO_ACCOUNTS) {
      expect(directory.people.find((person) => person.userId === `@${account.username}:localhost`)?.displayName).toBe(account.displayName);
    }
    expect(directory.people).toHaveLength(DEMO_ACCOUNTS.length);
    const secretariat = directory.people.filter((person) => person.class === 'civil_servant' && person.unitId === 'gd-gov-office-secretariat-1');
    expect(secretariat.map((person) => person.displayName)).toEqual(['张伟', '李娜', '赵敏']);
  });

  it('carries no 密级 marking in any message, name or file (涉密不上网)', () => {
    const texts = [DEMO_GROUP.name, DEMO_GROUP.topic, DEMO_FILE.name, DEMO_FILE.text, ...Object.values(DEMO_TEXT).flatMap((value) => (typeof value === 'string' ? [value] : value.map((line) => line.body)))];
    expect(texts.length).toBeGreaterThan(10);
    for (const text of texts) expect(messageMarking(text), text).toBeNull();
  });

  it('has a 【通知】 about 防汛 for search to find, and a file read as text', () => {
    expect(DEMO_TEXT.notice.startsWith('【通知】')).toBe(true);
    expect(DEMO_TEXT.notice).toContain('防汛');
    expect(DEMO_FILE.text).toContain('防汛');
    expect(isTextFile(DEMO_FILE.name, DEMO_FILE.mimeType)).toBe(true);
  });
});
