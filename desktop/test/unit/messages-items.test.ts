import { describe, expect, it } from 'vitest';
import {
  editOf,
  eventItem,
  fileInfo,
  membershipSentence,
  mentionsOf,
  messageKind,
  outboxItem,
  previewOf,
  replyTargetOf,
  stripReplyFallback,
  type EventRecord,
  type ItemParts,
} from '../../src/core/messages/timeline-items.ts';

const ZHANG = '@zhangwei:gd.gov.cn';
const LI = '@lina:gd.gov.cn';
const WANG = '@wangqiang:gd.gov.cn';
const NAMES: Record<string, string> = { [ZHANG]: '张伟', [LI]: '李娜', [WANG]: '王强' };
const nameOf = (userId: string) => NAMES[userId] ?? userId;

function record(overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    eventId: '$notice',
    txnId: null,
    sender: ZHANG,
    type: 'm.room.message',
    stateKey: null,
    ts: 1_760_000_000_000,
    content: { msgtype: 'm.text', body: '请于周五前报送值班安排' },
    prevContent: null,
    edit: null,
    redacted: false,
    ...overrides,
  };
}

const parts: ItemParts = { senderName: '张伟', replyTo: null, receipts: { read: 1, unread: 1 }, send: 'sent', sendError: null };

describe('event → timeline item', () => {
  it('shows a text message with its sender, receipts and key', () => {
    expect(eventItem(record(), parts, nameOf, false)).toEqual({
      key: '$notice',
      eventId: '$notice',
      sender: ZHANG,
      senderName: '张伟',
      ts: 1_760_000_000_000,
      kind: 'text',
      body: '请于周五前报送值班安排',
      edited: false,
      replyTo: null,
      mentions: [],
      file: null,
      send: 'sent',
      sendError: null,
      receipts: { read: 1, unread: 1 },
    });
  });

  it('keeps the transaction ID as key for a message this device sent, so 发送中 becomes sent in place', () => {
    expect(eventItem(record({ txnId: 'gd123' }), parts, nameOf, false)?.key).toBe('gd123');
  });

  it('shows the latest edit, marked as edited, and a pending edit before the homeserver has it', () => {
    const edited = record({ edit: { msgtype: 'm.text', body: '请于周四前报送值班安排' } });
    expect(eventItem(edited, parts, nameOf, false)).toMatchObject({ body: '请于周四前报送值班安排', edited: true });
    expect(eventItem(record(), { ...parts, pendingEdit: { msgtype: 'm.text', body: '改为周三' } }, nameOf, false)).toMatchObject({ body: '改为周三', edited: true });
  });

  it('blanks a redacted message, and one whose redaction is on its way', () => {
    expect(eventItem(record({ redacted: true, content: {} }), parts, nameOf, false)).toMatchObject({ kind: 'redacted', body: '', edited: false });
    expect(eventItem(record(), { ...parts, pendingRedaction: true }, nameOf, false)).toMatchObject({ kind: 'redacted', body: '' });
  });

  it('maps notices, emotes, files and images, with their sizes', () => {
    expect(messageKind({ msgtype: 'm.notice', body: '值班提醒' })).toBe('notice');
    expect(messageKind({ msgtype: 'm.emote', body: '点赞' })).toBe('emote');
    expect(messageKind({ msgtype: 'm.video', body: 'a.mp4' })).toBe('file');
    expect(messageKind({ msgtype: 'org.example.custom', body: '未知类型也显示正文' })).toBe('text');
    expect(messageKind({ msgtype: 'm.text' })).toBeNull();
    const image = { msgtype: 'm.image', body: '现场照片.png', url: 'mxc://gd.gov.cn/abc', info: { mimetype: 'image/png', size: 2048, w: 800, h: 600 } };
    expect(fileInfo(image)).toEqual({ name: '现场照片.png', mimeType: 'image/png', size: 2048, width: 800, height: 600 });
    expect(fileInfo({ msgtype: 'm.file', body: '说明', filename: '通知.docx', url: 'mxc://gd.gov.cn/def' })).toEqual({ name: '通知.docx', mimeType: 'application/octet-stream', size: 0 });
    expect(eventItem(record({ content: image }), parts, nameOf, false)).toMatchObject({ kind: 'image', body: '现场照片.png', file: { width: 800, height: 600 } });
  });

  it('reads replies and edits from m.relates_to, and strips an old-style reply quote', () => {
    expect(replyTargetOf({ body: 'x', 'm.relates_to': { 'm.in_reply_to': { event_id: '$orig' } } })).toBe('$orig');
    expect(replyTargetOf({ body: 'x', 'm.relates_to': { 'm.in_reply_to': { event_id: 'not-an-id' } } })).toBeNull();
    expect(editOf({ body: '* 新', 'm.new_content': { msgtype: 'm.text', body: '新' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$orig' } })).toEqual({
      target: '$orig',
      newContent: { msgtype: 'm.text', body: '新' },
    });
    expect(editOf({ body: 'x', 'm.relates_to': { rel_type: 'm.replace', event_id: '$orig' } })).toBeNull();
    expect(stripReplyFallback('> <@zhangwei:gd.gov.cn> 原文第一行\n> 原文第二行\n\n收到')).toBe('收到');
    expect(stripReplyFallback('> 引用\n不是回复格式')).toBe('不是回复格式');
    expect(stripReplyFallback('普通消息 > 不受影响')).toBe('普通消息 > 不受影响');
    const reply = record({ content: { msgtype: 'm.text', body: '> <@zhangwei:gd.gov.cn> 原文\n\n收到', 'm.relates_to': { 'm.in_reply_to': { event_id: '$orig' } } } });
    const replyTo = { eventId: '$orig', senderName: '张伟', preview: '原文' };
    expect(eventItem(reply, { ...parts, replyTo }, nameOf, false)).toMatchObject({ body: '收到', replyTo });
  });

  it('lists valid mentioned user IDs once', () => {
    expect(mentionsOf({ 'm.mentions': { user_ids: [LI, LI, 'not a user', 7, WANG] } })).toEqual([LI, WANG]);
    expect(mentionsOf({ body: 'x' })).toEqual([]);
  });

  it('previews one line: text, [图片], [文件] name, a redaction', () => {
    expect(previewOf(record({ content: { msgtype: 'm.text', body: '第一行\n第二行' } }))).toBe('第一行 第二行');
    expect(previewOf(record({ content: { msgtype: 'm.image', body: 'a.png' } }))).toBe('[图片]');
    expect(previewOf(record({ content: { msgtype: 'm.file', body: '通知.docx' } }))).toBe('[文件] 通知.docx');
    expect(previewOf(record({ redacted: true, content: {} }))).toBe('[消息已撤回]');
    expect(previewOf(record({ edit: { msgtype: 'm.text', body: '改后' } }))).toBe('改后');
    expect([...previewOf(record({ content: { msgtype: 'm.text', body: '汛'.repeat(500) } }))]).toHaveLength(121);
  });
});

describe('membership changes', () => {
  const member = (sender: string, target: string, membership: string, previous: string | null, extra: Record<string, unknown> = {}) =>
    record({ type: 'm.room.member', sender, stateKey: target, content: { membership, ...extra }, prevContent: previous ? { membership: previous } : null });

  it('reads as a short sentence in a group', () => {
    expect(membershipSentence(member(LI, LI, 'join', 'invite', { displayname: '李娜' }), nameOf, false)).toBe('李娜 加入了群聊');
    expect(membershipSentence(member(ZHANG, LI, 'invite', null, { displayname: '李娜' }), nameOf, false)).toBe('张伟 邀请 李娜 加入了群聊');
    expect(membershipSentence(member(LI, LI, 'leave', 'join'), nameOf, false)).toBe('李娜 退出了群聊');
    expect(membershipSentence(member(LI, LI, 'leave', 'invite'), nameOf, false)).toBe('李娜 拒绝了邀请');
    expect(membershipSentence(member(ZHANG, WANG, 'leave', 'join'), nameOf, false)).toBe('张伟 将 王强 移出了群聊');
    expect(membershipSentence(member(ZHANG, WANG, 'ban', 'join'), nameOf, false)).toBe('张伟 将 王强 移出群聊并禁止再加入');
    expect(membershipSentence(record({ type: 'm.room.create', stateKey: '', content: {} }), nameOf, false)).toBe('张伟 创建了群聊');
  });

  it('says when someone changes their name, and nothing about an avatar', () => {
    const renamed = record({ type: 'm.room.member', sender: LI, stateKey: LI, content: { membership: 'join', displayname: '李娜（秘书一处）' }, prevContent: { membership: 'join', displayname: '李娜' } });
    expect(membershipSentence(renamed, nameOf, false)).toBe('李娜 将名字改为 李娜（秘书一处）');
    const avatar = record({ type: 'm.room.member', sender: LI, stateKey: LI, content: { membership: 'join', displayname: '李娜', avatar_url: 'mxc://x/y' }, prevContent: { membership: 'join', displayname: '李娜' } });
    expect(membershipSentence(avatar, nameOf, false)).toBeNull();
  });

  it('stays out of DMs, and out of items when it says nothing', () => {
    const joined = member(LI, LI, 'join', 'invite', { displayname: '李娜' });
    expect(membershipSentence(joined, nameOf, true)).toBeNull();
    expect(eventItem(joined, { ...parts, receipts: null }, nameOf, true)).toBeNull();
    expect(eventItem(joined, { ...parts, receipts: null, senderName: '李娜' }, nameOf, false)).toMatchObject({ kind: 'membership', body: '李娜 加入了群聊' });
  });
});

describe('outbox → timeline item', () => {
  const me = { userId: ZHANG, displayName: '张伟' };
  const entry = { txnId: 'gd1', eventId: null, createdAt: 1_760_000_000_500, content: { msgtype: 'm.text', body: '离线写的消息' } };

  it('shows 发送中, then 发送失败 with the reason, then sent with the event ID', () => {
    expect(outboxItem(entry, me, { replyTo: null, send: 'sending', sendError: null, receipts: null })).toMatchObject({
      key: 'gd1',
      eventId: null,
      sender: ZHANG,
      senderName: '张伟',
      body: '离线写的消息',
      send: 'sending',
      receipts: null,
    });
    expect(outboxItem(entry, me, { replyTo: null, send: 'failed', sendError: '没有在此会话中发言的权限', receipts: null })).toMatchObject({ send: 'failed', sendError: '没有在此会话中发言的权限' });
    expect(outboxItem({ ...entry, eventId: '$sent' }, me, { replyTo: null, send: 'sent', sendError: null, receipts: { read: 0, unread: 2 } })).toMatchObject({
      key: 'gd1',
      eventId: '$sent',
      send: 'sent',
      receipts: { read: 0, unread: 2 },
    });
  });
});
