import { describe, expect, it } from 'vitest';
import { isDirectRoom, personName, roomName, type RoomMemberState, type RoomState } from '../../src/core/messages/room-names.ts';

const ME = '@zhangwei:gd.gov.cn';
const member = (userId: string, displayName: string, membership = 'join', isDirect = false): RoomMemberState => ({ userId, displayName, membership, isDirect });
const state = (overrides: Partial<RoomState>): RoomState => ({ name: '', alias: '', topic: '', members: [member(ME, '张伟')], ...overrides });

describe('room names', () => {
  it('names a DM after the other person, even when the room has a name', () => {
    const dm = state({ name: '旧名称', members: [member(ME, '张伟'), member('@lina:gd.gov.cn', '李娜', 'invite', true)] });
    expect(roomName(dm, ME, true)).toBe('李娜');
    expect(roomName(state({ members: [member(ME, '张伟'), member('@lina:gd.gov.cn', '')] }), ME, true)).toBe('lina');
  });

  it('names a group by its name, else its alias, else its members', () => {
    expect(roomName(state({ name: '秘书一处', alias: '#s1:gd.gov.cn' }), ME, false)).toBe('秘书一处');
    expect(roomName(state({ alias: '#s1:gd.gov.cn' }), ME, false)).toBe('#s1:gd.gov.cn');
    const people = ['李娜', '王强', '赵敏', '陈静'].map((name, i) => member(`@u${i}:gd.gov.cn`, name));
    expect(roomName(state({ members: [member(ME, '张伟'), ...people.slice(0, 2)] }), ME, false)).toBe('李娜、王强');
    expect(roomName(state({ members: [member(ME, '张伟'), ...people] }), ME, false)).toMatch(/^(\S+、){2}\S+等5人$/);
    expect(roomName(state({ members: [member(ME, '张伟'), member('@gone:gd.gov.cn', '已退出', 'leave')] }), ME, false)).toBe('空群聊');
  });

  it('knows a DM from m.direct or from the invitation into it', () => {
    expect(isDirectRoom(state({}), true)).toBe(true);
    expect(isDirectRoom(state({ members: [member(ME, '张伟'), member('@lina:gd.gov.cn', '李娜', 'join', true)] }), false)).toBe(true);
    expect(isDirectRoom(state({ members: [member(ME, '张伟'), member('@lina:gd.gov.cn', '李娜')] }), false)).toBe(false);
  });

  it("falls back to the ID's localpart for a person without a name", () => {
    expect(personName('@lina:gd.gov.cn', '  ')).toBe('lina');
    expect(personName('@lina:gd.gov.cn', '李娜')).toBe('李娜');
  });
});
