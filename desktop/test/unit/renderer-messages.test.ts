import { describe, expect, it } from 'vitest';
import type { Language, RoomSummary, TimelineItem } from '@govdesk/shared';
import { messagesMessages, type MessagesKey, type T } from '../../src/renderer/messages/labels.ts';
import {
  applyRoomsDiff,
  dayLabel,
  formatBytes,
  highlightParts,
  imageBox,
  latestEventId,
  matchesName,
  mentionedUserIds,
  oldestEventId,
  percentOf,
  prependOlder,
  previewLine,
  receiptsLabel,
  roomTimeLabel,
  timelineRows,
  typingLabel,
  unreadTotal,
  upsertItems,
  type TimelineState,
} from '../../src/renderer/messages/model.ts';

/**
 * The pure part of the messages UI: how core's answers and events become
 * the room list and the rows of a timeline, and how times, receipts and
 * typing read in both languages. Times are built in local time, as the
 * screen shows them.
 */

/** The feature's `t`, as the I18nProvider builds it (numbers stay plain: none here needs grouping). */
function translator(language: Language): T {
  return (key: MessagesKey, values = {}) => messagesMessages[language][key].replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? whole));
}
const zh = translator('zh-CN');
const en = translator('en');

const ZHANG = '@zhangwei:gd.gov.cn';
const LI = '@lina:gd.gov.cn';
const WANG = '@wangqiang:gd.gov.cn';

function room(roomId: string, overrides: Partial<RoomSummary> = {}): RoomSummary {
  return {
    roomId,
    name: roomId.slice(1, 5),
    kind: 'group',
    topic: '',
    membership: 'join',
    memberCount: 3,
    unread: 0,
    mentions: 0,
    lastMessage: null,
    ts: 0,
    ...overrides,
  };
}

const at = (day: number, hour: number, minute = 0) => new Date(2026, 4, day, hour, minute).getTime();

function item(key: string, ts: number, overrides: Partial<TimelineItem> = {}): TimelineItem {
  return {
    key,
    eventId: `$${key}`,
    sender: ZHANG,
    senderName: '张伟',
    ts,
    kind: 'text',
    body: key,
    edited: false,
    replyTo: null,
    mentions: [],
    file: null,
    send: 'sent',
    sendError: null,
    receipts: null,
    ...overrides,
  };
}

const keys = (state: TimelineState) => state.items.map((held) => held.key);

describe('the room list', () => {
  it('applies a messages.rooms diff: replaced by ID, removed, newest activity first', () => {
    const before = [room('!a:gd.gov.cn', { ts: 3 }), room('!b:gd.gov.cn', { ts: 2 }), room('!c:gd.gov.cn', { ts: 1 })];
    const after = applyRoomsDiff(before, { upserted: [room('!c:gd.gov.cn', { ts: 9, unread: 1 }), room('!d:gd.gov.cn', { ts: 4 })], removed: ['!b:gd.gov.cn'] });
    expect(after.map((summary) => summary.roomId)).toEqual(['!c:gd.gov.cn', '!d:gd.gov.cn', '!a:gd.gov.cn']);
    expect(after[0]?.unread).toBe(1);
  });

  it('finds rooms by a part of their name, Latin case ignored', () => {
    expect(matchesName(room('!a:x', { name: '防汛工作专班' }), '汛')).toBe(true);
    expect(matchesName(room('!a:x', { name: 'GovDesk 测试' }), 'govdesk')).toBe(true);
    expect(matchesName(room('!a:x', { name: '防汛工作专班' }), '督查')).toBe(false);
    expect(matchesName(room('!a:x', { name: '防汛工作专班' }), '  ')).toBe(true);
  });

  it('counts unread messages, and each invitation as one, for the sidebar', () => {
    expect(unreadTotal([room('!a:x', { unread: 2 }), room('!b:x', { unread: 3 }), room('!c:x', { membership: 'invite' })])).toBe(6);
    expect(unreadTotal([])).toBe(0);
  });

  it('previews who wrote the last message in a group, only the text in a DM', () => {
    const lastMessage = { senderName: '李娜', preview: '收到', ts: 1 };
    expect(previewLine(room('!a:x', { lastMessage }))).toBe('李娜：收到');
    expect(previewLine(room('!a:x', { kind: 'dm', lastMessage }))).toBe('收到');
    expect(previewLine(room('!a:x'))).toBeNull();
  });
});

describe('the timeline', () => {
  const latest: TimelineState = { items: [item('a', 10), item('b', 20), item('c', 30)], atStart: true, atEnd: true, firstUnread: null };

  it('replaces an item by its key where it stands: a sent message keeps its place when its event ID arrives', () => {
    const sending = upsertItems(latest, [item('txn1', 40, { eventId: null, send: 'sending', sender: LI })]);
    expect(keys(sending)).toEqual(['a', 'b', 'c', 'txn1']);
    const later = upsertItems(sending, [item('d', 50)]);
    const sent = upsertItems(later, [item('txn1', 45, { eventId: '$e1', send: 'sent', sender: LI })]);
    expect(keys(sent)).toEqual(['a', 'b', 'c', 'txn1', 'd']);
    expect(sent.items[3]).toMatchObject({ eventId: '$e1', send: 'sent' });
  });

  it('places new items by time, equal times in arrival order', () => {
    const merged = upsertItems(latest, [item('x', 20), item('y', 15)]);
    expect(keys(merged)).toEqual(['a', 'y', 'b', 'x', 'c']);
  });

  it('never grows a gap: a window around an old event takes no newer or older strangers', () => {
    const around: TimelineState = { items: [item('m', 100), item('n', 200)], atStart: false, atEnd: false, firstUnread: null };
    const merged = upsertItems(around, [item('newer', 900), item('older', 50), item('between', 150), item('n', 200, { edited: true, body: 'n2' })]);
    expect(keys(merged)).toEqual(['m', 'between', 'n']);
    expect(merged.items[2]).toMatchObject({ edited: true, body: 'n2' });
  });

  it('returns the same state when an event changes nothing it holds', () => {
    const around: TimelineState = { items: [item('m', 100)], atStart: false, atEnd: false, firstUnread: null };
    expect(upsertItems(around, [item('newer', 900)])).toBe(around);
  });

  it('puts an older page in front without repeating what it holds', () => {
    const held: TimelineState = { items: [item('c', 30), item('d', 40)], atStart: false, atEnd: true, firstUnread: null };
    const older = prependOlder(held, { items: [item('a', 10), item('b', 20), item('c', 30)], atStart: true, firstUnread: '$b' });
    expect(keys(older)).toEqual(['a', 'b', 'c', 'd']);
    expect(older).toMatchObject({ atStart: true, firstUnread: '$b' });
  });

  it('pages back from the oldest event the homeserver has, and reads receipts up to the newest', () => {
    const state: TimelineState = { items: [item('t0', 5, { eventId: null }), item('a', 10), item('t1', 40, { eventId: null })], atStart: false, atEnd: true, firstUnread: null };
    expect(oldestEventId(state)).toBe('$a');
    expect(latestEventId(state.items)).toBe('$a');
    expect(latestEventId([])).toBeNull();
  });

  it('separates days, marks the first unread, and groups a sender’s messages within five minutes', () => {
    const rows = timelineRows(
      [
        item('a', at(3, 9, 0)),
        item('b', at(3, 9, 2)),
        item('c', at(3, 9, 20)),
        item('d', at(3, 9, 21), { sender: LI, senderName: '李娜' }),
        item('join', at(3, 9, 22), { kind: 'membership', body: '王强 加入了群聊' }),
        item('e', at(3, 9, 23), { sender: LI, senderName: '李娜' }),
        item('f', at(4, 8, 0), { sender: LI, senderName: '李娜' }),
        item('g', at(4, 8, 1), { sender: LI, senderName: '李娜' }),
      ],
      '$g',
    );
    expect(rows.map((row) => (row.type === 'message' ? `${row.key}${row.continued ? '+' : ''}` : row.type === 'notice' ? `(${row.key})` : `[${row.type}]`))).toEqual([
      '[day]',
      'a',
      'b+',
      'c',
      'd',
      '(join)',
      'e',
      '[day]',
      'f',
      '[unread]',
      'g',
    ]);
  });

  it('reserves an image’s place from its declared size, within 320×240', () => {
    expect(imageBox({ width: 1600, height: 1200 })).toEqual({ width: 320, height: 240 });
    expect(imageBox({ width: 100, height: 50 })).toEqual({ width: 100, height: 50 });
    expect(imageBox({ width: 3000, height: 300 })).toEqual({ width: 320, height: 48 });
    expect(imageBox({})).toEqual({ width: 320, height: 240 });
  });
});

describe('words', () => {
  const now = at(20, 15, 30);

  it('labels day separators 今天, 昨天, a weekday date, or a date with its year', () => {
    expect(dayLabel(zh, 'zh-CN', at(20, 8), now)).toBe('今天');
    expect(dayLabel(zh, 'zh-CN', at(19, 23, 59), now)).toBe('昨天');
    expect(dayLabel(zh, 'zh-CN', at(3, 9), now)).toBe('5月3日星期日');
    expect(dayLabel(zh, 'zh-CN', new Date(2025, 11, 31, 9).getTime(), now)).toBe('2025年12月31日');
    expect(dayLabel(en, 'en', at(20, 8), now)).toBe('Today');
    expect(dayLabel(en, 'en', at(3, 9), now)).toBe('Sunday, May 3');
  });

  it('times the room list as chat apps do', () => {
    expect(roomTimeLabel(zh, 'zh-CN', at(20, 9, 5), now)).toBe('09:05');
    expect(roomTimeLabel(zh, 'zh-CN', at(19, 9, 5), now)).toBe('昨天');
    expect(roomTimeLabel(zh, 'zh-CN', at(17, 9, 5), now)).toBe('周日');
    expect(roomTimeLabel(zh, 'zh-CN', at(3, 9, 5), now)).toBe('5月3日');
    expect(roomTimeLabel(zh, 'zh-CN', new Date(2025, 11, 31).getTime(), now)).toBe('2025/12/31');
    expect(roomTimeLabel(en, 'en', at(19, 9, 5), now)).toBe('Yesterday');
    expect(roomTimeLabel(en, 'en', at(3, 9, 5), now)).toBe('May 3');
  });

  it('words receipts: counts in a group (全部已读 once all have read), 已读 or 未读 in a DM', () => {
    expect(receiptsLabel(zh, { read: 0, unread: 2 }, 'group')).toBe('0 人已读 / 2 人未读');
    expect(receiptsLabel(zh, { read: 1, unread: 1 }, 'group')).toBe('1 人已读 / 1 人未读');
    expect(receiptsLabel(zh, { read: 2, unread: 0 }, 'group')).toBe('全部已读');
    expect(receiptsLabel(zh, { read: 0, unread: 0 }, 'group')).toBe('0 人已读 / 0 人未读');
    expect(receiptsLabel(zh, { read: 1, unread: 0 }, 'dm')).toBe('已读');
    expect(receiptsLabel(zh, { read: 0, unread: 1 }, 'dm')).toBe('未读');
    expect(receiptsLabel(en, { read: 1, unread: 1 }, 'group')).toBe('1 read / 1 unread');
  });

  it('says who is typing', () => {
    const zhang = { userId: ZHANG, displayName: '张伟' };
    const li = { userId: LI, displayName: '李娜' };
    const wang = { userId: WANG, displayName: '王强' };
    expect(typingLabel(zh, [])).toBeNull();
    expect(typingLabel(zh, [zhang])).toBe('张伟 正在输入…');
    expect(typingLabel(zh, [zhang, li])).toBe('张伟、李娜 正在输入…');
    expect(typingLabel(zh, [zhang, li, wang])).toBe('张伟 等 3 人正在输入…');
    expect(typingLabel(en, [zhang, li, wang])).toBe('张伟 and 2 others are typing…');
  });

  it('mentions the members whose @name is still in the text, longer names first', () => {
    const members = [
      { userId: ZHANG, displayName: '张伟' },
      { userId: '@zhangweiming:gd.gov.cn', displayName: '张伟明' },
      { userId: LI, displayName: '李娜' },
    ];
    expect(mentionedUserIds('@张伟明 请审核，@李娜 知悉', members)).toEqual(['@zhangweiming:gd.gov.cn', LI]);
    expect(mentionedUserIds('@张伟 @张伟明', members)).toEqual(['@zhangweiming:gd.gov.cn', ZHANG]);
    expect(mentionedUserIds('张伟 请审核', members)).toEqual([]);
  });

  it('sizes files, counts progress, and highlights search matches', () => {
    expect(formatBytes('zh-CN', 12)).toBe('12 B');
    expect(formatBytes('zh-CN', 1536)).toBe('1.5 KB');
    expect(formatBytes('zh-CN', 5 * 1024 * 1024)).toBe('5 MB');
    expect(formatBytes('zh-CN', 150 * 1024)).toBe('150 KB');
    expect(percentOf(512, 1024)).toBe(50);
    expect(percentOf(5, 0)).toBe(0);
    expect(highlightParts('关于防汛：防汛物资', '防汛')).toEqual([
      { text: '关于', match: false },
      { text: '防汛', match: true },
      { text: '：', match: false },
      { text: '防汛', match: true },
      { text: '物资', match: false },
    ]);
    expect(highlightParts('GovDesk', 'desk')).toEqual([
      { text: 'Gov', match: false },
      { text: 'Desk', match: true },
    ]);
    expect(highlightParts('汛', '')).toEqual([{ text: '汛', match: false }]);
  });
});
