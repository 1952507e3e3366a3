import { describe, expect, it } from 'vitest';
import { atOrAfter, firstUnread, receiptCounts, receiptLists, type MemberPosition } from '../../src/core/messages/receipts.ts';

const ZHANG = '@zhangwei:gd.gov.cn';
const LI = '@lina:gd.gov.cn';
const WANG = '@wangqiang:gd.gov.cn';

/** A group of three; positions are (ts, row id) as the cache orders the timeline. */
const notice = { ts: 1_000, id: 10, sender: ZHANG };
const members = (li: MemberPosition['position'], wang: MemberPosition['position'], zhang: MemberPosition['position'] = { ts: 1_000, id: 10 }): MemberPosition[] => [
  { userId: ZHANG, displayName: '张伟', position: zhang },
  { userId: LI, displayName: '李娜', position: li },
  { userId: WANG, displayName: '王强', position: wang },
];

describe('read receipts', () => {
  it('orders positions by time, then by row', () => {
    expect(atOrAfter({ ts: 2, id: 1 }, { ts: 1, id: 9 })).toBe(true);
    expect(atOrAfter({ ts: 1, id: 9 }, { ts: 1, id: 9 })).toBe(true);
    expect(atOrAfter({ ts: 1, id: 8 }, { ts: 1, id: 9 })).toBe(false);
  });

  it('counts nobody as having read a fresh notice, and never the sender', () => {
    expect(receiptCounts(notice, members(null, null))).toEqual({ read: 0, unread: 2 });
  });

  it('counts a member whose receipt is at the event or later', () => {
    expect(receiptCounts(notice, members({ ts: 1_000, id: 10 }, null))).toEqual({ read: 1, unread: 1 });
    expect(receiptCounts(notice, members({ ts: 1_500, id: 11 }, { ts: 2_000, id: 12 }))).toEqual({ read: 2, unread: 0 });
    // A receipt for an earlier message does not cover this one, even one with the same time but an earlier row.
    expect(receiptCounts(notice, members({ ts: 1_000, id: 9 }, { ts: 999, id: 50 }))).toEqual({ read: 0, unread: 2 });
  });

  it('splits the members into the two lists, sorted by name', () => {
    expect(receiptLists(notice, members({ ts: 1_000, id: 10 }, null))).toEqual({
      read: [{ userId: LI, displayName: '李娜' }],
      unread: [{ userId: WANG, displayName: '王强' }],
    });
    expect(receiptLists({ ...notice, sender: LI }, members(null, null, null)).unread.map((member) => member.displayName)).toEqual(['王强', '张伟']);
  });

  it('finds the first message from others after the user has read', () => {
    const events = [
      { eventId: '$1', ts: 1, id: 1, sender: LI },
      { eventId: '$2', ts: 2, id: 2, sender: ZHANG },
      { eventId: '$3', ts: 3, id: 3, sender: LI },
    ];
    expect(firstUnread(events, ZHANG, { ts: 1, id: 1 })).toBe('$3');
    expect(firstUnread(events, ZHANG, null)).toBe('$1');
    expect(firstUnread(events, ZHANG, { ts: 3, id: 3 })).toBeNull();
  });
});
