import { describe, expect, it } from 'vitest';
import {
  CLASSIFIED_REFUSAL,
  classifiedMessageFields,
  createDispatcher,
  DeepLinkRoute,
  desktopContract,
  EventKey,
  eventIdOfKey,
  eventKey,
  messageMarking,
  messageRoutes,
  RoomKey,
  roomIdOfKey,
  roomKey,
  utf8Encode,
} from '@govdesk/shared';

describe('涉密不上网 for messages', () => {
  it.each([
    ['机密★', '机密'],
    ['机密★1年\n关于某项工程的报告，请阅。', '机密'],
    ['请传阅：\n秘密★6个月\n关于调整人事安排的请示', '秘密'],
    ['绝密★启用前', '绝密'],
    ['【秘密】会议纪要', '秘密'],
    ['各位好\r\n机密 某项工作方案', '机密'],
  ])('refuses %j: a marking on any line', (text, level) => {
    expect(messageMarking(text)).toBe(level);
  });

  it.each(['收到，明天上午九点开会', '请大家学习《保守国家秘密法》', '这份材料涉及商业秘密，请注意保管', '关于做好2026年防汛工作的通知', ''])('lets %j pass', (text) => {
    expect(messageMarking(text)).toBeNull();
  });

  const refusal = (path: string) => ({ path, code: CLASSIFIED_REFUSAL.code, message: CLASSIFIED_REFUSAL['zh-CN'] });

  it('names the body, a room or file name, and a text file whose content is marked', () => {
    expect(classifiedMessageFields({ roomId: '!r:gd.gov.cn', body: '机密★1年 关于…' })).toEqual([refusal('body')]);
    expect(classifiedMessageFields({ kind: 'group', name: '【绝密】专班', invite: [] })).toEqual([refusal('name')]);
    const marked = utf8Encode('秘密★6个月\n关于某事项的报告');
    expect(classifiedMessageFields({ name: '报告.txt', mimeType: 'text/plain', data: marked })).toEqual([refusal('data')]);
    expect(classifiedMessageFields({ name: '机密★ 报告.pdf', mimeType: 'application/pdf', data: new Uint8Array([37, 80, 68, 70]) })).toEqual([refusal('name')]);
    // A binary file is judged by its name only: its bytes are not text.
    expect(classifiedMessageFields({ name: 'scan.png', mimeType: 'image/png', data: marked })).toEqual([]);
    expect(classifiedMessageFields({ body: '收到' })).toEqual([]);
    expect(classifiedMessageFields(null)).toEqual([]);
  });

  it('is the screen of every method that sends text, so a marked message is refused before its shape is checked', async () => {
    const dispatch = createDispatcher(desktopContract, {} as never);
    for (const [name, params] of [
      ['messages.send', { roomId: 'not a room', body: '机密★\n通知' }],
      ['messages.edit', { roomId: '!r:gd.gov.cn', eventId: '$e', body: '绝密★启用前' }],
      ['messages.sendFile', { roomId: '!r:gd.gov.cn', name: '秘密★1年.docx', mimeType: 'application/octet-stream', data: new Uint8Array() }],
      ['messages.createRoom', { kind: 'group', name: '机密★ 专班', invite: ['@li:gd.gov.cn'] }],
    ] as const) {
      const answer = await dispatch(name, params, { origin: 'test' });
      expect(answer, name).toMatchObject({ ok: false, error: { code: 'classified_refused', message: CLASSIFIED_REFUSAL['zh-CN'] } });
    }
  });
});

describe('room and event keys in paths', () => {
  const roomId = '!AbCdEf012345:gd.gov.cn';
  const eventId = '$Yf3k+9/Qx_z-AbCdEfGhIjKlMnOpQrStUvWxYz012345';

  it('round-trip, and a path names the room and the event', () => {
    expect(roomIdOfKey(roomKey(roomId))).toBe(roomId);
    expect(eventIdOfKey(eventKey(eventId))).toBe(eventId);
    const path = messageRoutes.event.href({ room: roomKey(roomId), event: eventKey(eventId) });
    expect(path).toMatch(/^\/messages\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+$/);
    expect(messageRoutes.event.match(path)).toEqual({ room: roomKey(roomId), event: eventKey(eventId) });
    expect(DeepLinkRoute.safeParse(path).success).toBe(true);
  });

  it('refuse anything but the one spelling of a valid ID', () => {
    expect(RoomKey.safeParse(roomKey(roomId)).success).toBe(true);
    // Valid base64url, but of something that is not a room ID.
    expect(RoomKey.safeParse(roomKey('@li:gd.gov.cn' as never)).success).toBe(false);
    expect(EventKey.safeParse(roomKey(roomId)).success).toBe(false);
    // A non-canonical spelling (trailing bits set) would give one ID two paths.
    const key = roomKey(roomId);
    const last = key.at(-1) as string;
    const sibling = key.slice(0, -1) + (last === 'A' ? 'B' : String.fromCharCode(last.charCodeAt(0) ^ 1));
    expect(RoomKey.safeParse(sibling).success && roomIdOfKey(sibling) === roomId).toBe(false);
    for (const bad of ['', '!room', 'a/b', 'x'.repeat(401)]) expect(RoomKey.safeParse(bad).success, bad).toBe(false);
    expect(messageRoutes.room.match('/messages/not-a-key')).toBeNull();
  });
});
