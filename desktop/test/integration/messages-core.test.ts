import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIFIED_REFUSAL, createDispatcher, desktopContract, eventKey, messageRoutes, roomKey, type ShellPayload, type TimelineItem } from '@govdesk/shared';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { asUser, type TestUser } from '../../../test/support/matrix.ts';
import { createTestOrganisation, type TestOrganisation } from '../../../test/support/organisation.ts';
import { TcpProxy } from '../../../test/support/tcp-proxy.ts';
import { loginCore, startCore, type TestCore } from '../../../test/support/desktop-core.ts';

/**
 * Messaging in core against the real Synapse test homeserver: desktop cores
 * in this process, each with its own encrypted cache and, where a test cuts
 * the network, a TcpProxy between it and the homeserver.
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
const proxies: TcpProxy[] = [];
const cores: MessagingCore[] = [];

type MessagingCore = TestCore<null>;

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
});

afterAll(async () => {
  for (const core of cores) await core.close().catch(() => {});
  for (const proxy of proxies) await proxy.close();
});

async function signedIn(user: TestUser, options: { proxied?: boolean } = {}): Promise<MessagingCore> {
  let homeserverProxy: TcpProxy | undefined;
  if (options.proxied) {
    homeserverProxy = await TcpProxy.start(homeserver.baseUrl);
    proxies.push(homeserverProxy);
  }
  const core = await startCore({ homeserver, proxy: null, homeserverProxy });
  cores.push(core);
  await loginCore(core, homeserver, user);
  return core;
}

async function restarted(core: MessagingCore): Promise<MessagingCore> {
  const again = await core.restart();
  cores.push(again);
  return again;
}

/** Message bodies in a room, oldest first, as the homeserver returns them to `user`. */
async function serverBodies(user: TestUser, roomId: string): Promise<string[]> {
  const page = await asUser<{ chunk: { type: string; content: { body?: string } }[] }>(homeserver, user, 'GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`);
  return page.chunk
    .filter((event) => event.type === 'm.room.message' && typeof event.content.body === 'string')
    .map((event) => event.content.body as string)
    .reverse();
}

async function latest(core: MessagingCore, roomId: string, limit = 50): Promise<TimelineItem[]> {
  return (await core.api.call('messages.timeline', { roomId, anchor: { type: 'latest' }, limit })).items;
}

const bodies = (items: TimelineItem[]) => items.filter((item) => item.kind !== 'membership').map((item) => item.body);

async function itemWith(core: MessagingCore, roomId: string, wanted: (item: TimelineItem) => boolean, timeout = 15_000): Promise<TimelineItem> {
  let found: TimelineItem | undefined;
  await expect.poll(async () => (found = (await latest(core, roomId)).find(wanted)) !== undefined, { timeout }).toBe(true);
  return found as TimelineItem;
}

async function roomOf(core: MessagingCore, roomId: string, wanted: (room: { membership: string; memberCount: number; unread: number }) => boolean = () => true) {
  await expect.poll(async () => (await core.api.call('messages.rooms')).rooms.some((room) => room.roomId === roomId && wanted(room)), { timeout: 15_000 }).toBe(true);
  return (await core.api.call('messages.rooms')).rooms.find((room) => room.roomId === roomId)!;
}

/** A room the first core creates and the others join, ready for messages on every side. */
async function sharedRoom(creator: MessagingCore, others: MessagingCore[], request: Parameters<MessagingCore['api']['call']>[1] & object): Promise<string> {
  const { roomId } = await creator.api.call('messages.createRoom', request as never);
  for (const other of others) {
    await roomOf(other, roomId, (room) => room.membership === 'invite');
    await other.api.call('messages.join', { roomId });
  }
  await roomOf(creator, roomId, (room) => room.memberCount === others.length + 1);
  return roomId;
}

describe('messaging in core', () => {
  it('exchanges a message, a reply, an edit, a redaction and a file between two civil servants', async () => {
    const zhang = await signedIn(org.zhang);
    const li = await signedIn(org.li);
    const roomId = await sharedRoom(zhang, [li], { kind: 'dm', userId: org.li.userId });
    // A DM is named after the other person, on both sides.
    expect(await roomOf(li, roomId)).toMatchObject({ kind: 'dm', name: '张伟', membership: 'join' });
    expect(await roomOf(zhang, roomId)).toMatchObject({ kind: 'dm', name: '李娜' });

    // Typing shows on the other side, never to the typist.
    const typing: string[][] = [];
    const stopTyping = li.api.on('messages.typing', (event) => event.roomId === roomId && typing.push(event.members.map((member) => member.displayName)));
    await zhang.api.call('messages.typing', { roomId, typing: true });
    await expect.poll(() => typing.at(-1)).toEqual(['张伟']);
    await zhang.api.call('messages.typing', { roomId, typing: false });
    await expect.poll(() => typing.at(-1)).toEqual([]);
    stopTyping();

    const text = '李娜，请于周五前报送汛期值班安排。';
    const { item: sending } = await zhang.api.call('messages.send', { roomId, body: text });
    expect(sending).toMatchObject({ body: text, send: 'sending', eventId: null, senderName: '张伟', receipts: null });
    // The same key from 发送中 to sent.
    const sent = await itemWith(zhang, roomId, (item) => item.key === sending.key && item.send === 'sent' && item.eventId !== null && item.receipts !== null);
    const received = await itemWith(li, roomId, (item) => item.eventId === sent.eventId);
    expect(received).toMatchObject({ key: sent.eventId, body: text, kind: 'text', sender: org.zhang.userId, senderName: '张伟', send: 'sent', edited: false });

    const reply = await li.api.call('messages.send', { roomId, body: '收到，周四下班前报您。', replyTo: sent.eventId! });
    const replyOnZhang = await itemWith(zhang, roomId, (item) => item.body === '收到，周四下班前报您。' && item.eventId !== null);
    expect(replyOnZhang.replyTo).toEqual({ eventId: sent.eventId, senderName: '张伟', preview: text });
    // A reply mentions the person replied to.
    expect(replyOnZhang.mentions).toEqual([org.zhang.userId]);

    const corrected = '李娜，请于周四前报送汛期值班安排。';
    await zhang.api.call('messages.edit', { roomId, eventId: sent.eventId!, body: corrected });
    const edited = await itemWith(li, roomId, (item) => item.eventId === sent.eventId && item.edited);
    expect(edited).toMatchObject({ key: sent.eventId, body: corrected, edited: true });
    // The edit is what search finds now.
    await expect.poll(async () => (await li.api.call('messages.search', { query: '周四前报送', limit: 10 })).hits.map((hit) => hit.eventId)).toContain(sent.eventId);
    expect((await li.api.call('messages.search', { query: '周五前报送', limit: 10 })).hits).toEqual([]);
    // Someone else's message cannot be edited.
    await expect(li.api.call('messages.edit', { roomId, eventId: sent.eventId!, body: '改别人的消息' })).rejects.toMatchObject({ code: 'not_allowed' });

    const replySent = await itemWith(li, roomId, (item) => item.key === reply.item.key && item.eventId !== null);
    await li.api.call('messages.redact', { roomId, eventId: replySent.eventId! });
    const redacted = await itemWith(zhang, roomId, (item) => item.eventId === replySent.eventId && item.kind === 'redacted');
    expect(redacted.body).toBe('');
    expect((await zhang.api.call('messages.search', { query: '周四下班前', limit: 10 })).hits).toEqual([]);

    // A file: uploaded with progress, received, downloaded with progress by the other side.
    const fileText = '关于做好2026年防汛工作的通知（征求意见稿）\n'.repeat(4_000);
    const data = new TextEncoder().encode(fileText);
    const uploads: { loaded: number; total: number }[] = [];
    const stopUploads = zhang.api.on('messages.transfer', (progress) => progress.direction === 'up' && uploads.push(progress));
    const { item: fileItem } = await zhang.api.call('messages.sendFile', { roomId, name: '防汛通知.txt', mimeType: 'text/plain', data });
    stopUploads();
    expect(fileItem).toMatchObject({ kind: 'file', body: '防汛通知.txt', file: { name: '防汛通知.txt', mimeType: 'text/plain', size: data.byteLength } });
    expect(uploads.at(-1)).toEqual({ roomId, key: fileItem.key, direction: 'up', loaded: data.byteLength, total: data.byteLength });
    const fileOnLi = await itemWith(li, roomId, (item) => item.kind === 'file' && item.eventId !== null);
    expect(fileOnLi.file).toEqual({ name: '防汛通知.txt', mimeType: 'text/plain', size: data.byteLength });
    const downloads: { loaded: number; total: number; key: string }[] = [];
    const stopDownloads = li.api.on('messages.transfer', (progress) => progress.direction === 'down' && downloads.push(progress));
    const downloaded = await li.api.call('messages.download', { roomId, eventId: fileOnLi.eventId! });
    stopDownloads();
    expect(downloaded.name).toBe('防汛通知.txt');
    expect(new TextDecoder().decode(downloaded.data)).toBe(fileText);
    expect(downloads.at(-1)).toMatchObject({ key: fileOnLi.eventId, loaded: data.byteLength });

    // An image: its size in pixels travels with it, and its thumbnail is kept for offline.
    const png = tinyPng();
    await zhang.api.call('messages.sendFile', { roomId, name: '现场照片.png', mimeType: 'image/png', data: png });
    const image = await itemWith(li, roomId, (item) => item.kind === 'image' && item.eventId !== null);
    expect(image.file).toEqual({ name: '现场照片.png', mimeType: 'image/png', size: png.byteLength, width: 2, height: 2 });
    const thumbnail = await li.api.call('messages.download', { roomId, eventId: image.eventId!, thumbnail: true });
    expect(thumbnail.mimeType).toMatch(/^image\//);

    // The room list follows: the last message and its sender.
    expect((await roomOf(li, roomId)).lastMessage).toMatchObject({ senderName: '张伟', preview: '[图片]' });
    // People who share a room are in the user directory; a second DM with the same person is the same room.
    // (The homeserver rate-limits directory searches: ask once a second, as a search box would.)
    await expect.poll(async () => (await zhang.api.call('messages.findPeople', { query: org.li.username })).people, { timeout: 15_000, interval: 1_000 }).toContainEqual({ userId: org.li.userId, displayName: '李娜' });
    // A full Chinese name finds people too (the test homeserver holds many 李娜 from earlier runs), and only people of that name.
    const byName = (await zhang.api.call('messages.findPeople', { query: '李娜' })).people;
    expect(byName.length).toBeGreaterThan(0);
    expect(byName.every((person) => person.displayName.includes('李娜'))).toBe(true);
    expect(await zhang.api.call('messages.createRoom', { kind: 'dm', userId: org.li.userId })).toEqual({ roomId });
  });

  it('counts who has read a notice in a group of three, and tells the shell', async () => {
    const zhang = await signedIn(org.zhang);
    const li = await signedIn(org.li);
    const notifications: ShellPayload<'shell.notify'>[] = [];
    const badges: number[] = [];
    li.core.shell.subscribe((event, payload) => {
      if (event === 'shell.notify') notifications.push(payload as ShellPayload<'shell.notify'>);
      if (event === 'shell.badge') badges.push((payload as ShellPayload<'shell.badge'>).unread);
    });
    const { roomId } = await zhang.api.call('messages.createRoom', { kind: 'group', name: '秘书一处', invite: [org.li.userId, org.wang.userId] });
    await roomOf(li, roomId, (room) => room.membership === 'invite');
    await li.api.call('messages.join', { roomId });
    // 王强 uses another client.
    await asUser(homeserver, org.wang, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    await roomOf(zhang, roomId, (room) => room.memberCount === 3);
    await roomOf(li, roomId, (room) => room.memberCount === 3);
    expect((await li.api.call('messages.members', { roomId })).members.map((member) => member.displayName).sort()).toEqual(['张伟', '李娜', '王强'].sort());

    const notice = '【通知】请各位于本周五下班前报送汛期值班安排和24小时联系方式。';
    await zhang.api.call('messages.send', { roomId, body: notice });
    const sent = await itemWith(zhang, roomId, (item) => item.body === notice && item.receipts !== null && item.eventId !== null && item.send === 'sent');
    expect(sent.receipts).toEqual({ read: 0, unread: 2 });
    expect(await zhang.api.call('messages.receipts', { roomId, eventId: sent.eventId! })).toEqual({
      read: [],
      unread: [
        { userId: org.li.userId, displayName: '李娜' },
        { userId: org.wang.userId, displayName: '王强' },
      ],
    });

    // 李娜 sees it unread, gets a notification that leads to it, and reads it.
    await itemWith(li, roomId, (item) => item.eventId === sent.eventId);
    expect((await roomOf(li, roomId, (room) => room.unread === 1)).unread).toBe(1);
    const route = messageRoutes.event.href({ room: roomKey(roomId), event: eventKey(sent.eventId!) });
    await expect.poll(() => notifications.find((notification) => notification.route === route)).toEqual({ title: '秘书一处', body: `张伟：${notice}`, route });
    // The tray counts every room (李娜 has unread messages from the other tests too).
    const unreadBefore = badges.at(-1)!;
    expect(unreadBefore).toBeGreaterThanOrEqual(1);
    await li.api.call('messages.markRead', { roomId, eventId: sent.eventId! });
    expect((await roomOf(li, roomId)).unread).toBe(0);
    expect(badges.at(-1)).toBe(unreadBefore - 1);

    await itemWith(zhang, roomId, (item) => item.eventId === sent.eventId && item.receipts?.read === 1);
    expect((await latest(zhang, roomId)).find((item) => item.eventId === sent.eventId)?.receipts).toEqual({ read: 1, unread: 1 });
    expect(await zhang.api.call('messages.receipts', { roomId, eventId: sent.eventId! })).toEqual({
      read: [{ userId: org.li.userId, displayName: '李娜' }],
      unread: [{ userId: org.wang.userId, displayName: '王强' }],
    });
    // The homeserver has the receipt too: 李娜's unread count stays at zero after the next sync.
    await zhang.api.call('messages.send', { roomId, body: '谢谢。' });
    await itemWith(li, roomId, (item) => item.body === '谢谢。');
    await roomOf(li, roomId, (room) => room.unread === 1);

    // No notification for the room in front of the user.
    await li.api.call('messages.focus', { roomId });
    const before = notifications.length;
    await zhang.api.call('messages.send', { roomId, body: '大家辛苦了。' });
    await itemWith(li, roomId, (item) => item.body === '大家辛苦了。');
    expect(notifications.length).toBe(before);
  });

  it('sends what was written offline in order, exactly once, when the network returns', async () => {
    const zhang = await signedIn(org.zhang, { proxied: true });
    const li = await signedIn(org.li);
    const roomId = await sharedRoom(zhang, [li], { kind: 'group', name: '督查室', invite: [org.li.userId] });
    await li.api.call('messages.send', { roomId, body: '督查通报初稿已上传' });
    const fromLi = await itemWith(zhang, roomId, (item) => item.body === '督查通报初稿已上传');

    zhang.homeserverProxy!.cut();
    // Read offline: the receipt goes when the network returns.
    await zhang.api.call('messages.markRead', { roomId, eventId: fromLi.eventId! });
    expect((await roomOf(zhang, roomId)).unread).toBe(0);
    const written = ['离线消息一：值班表已更新', '离线消息二：请核对联系方式', '离线消息三：周五前反馈'];
    const keys: string[] = [];
    for (const body of written) keys.push((await zhang.api.call('messages.send', { roomId, body })).item.key);
    // The outbox tried and keeps them: 发送中, not failed.
    await expect.poll(() => zhang.core.store.outbox.pending().map((entry) => entry.attempts > 0)).toEqual([true, false, false]);
    const offline = await latest(zhang, roomId);
    expect(offline.slice(-3).map((item) => [item.key, item.body, item.send])).toEqual(written.map((body, i) => [keys[i], body, 'sending']));

    zhang.homeserverProxy!.restore();
    await zhang.api.call('app.reconnect');
    await expect.poll(async () => bodies(await latest(li, roomId)).filter((body) => written.includes(body)), { timeout: 30_000 }).toEqual(written);
    // Same keys, now sent; and the homeserver holds each exactly once, in order.
    await expect.poll(async () => (await latest(zhang, roomId)).filter((item) => keys.includes(item.key)).map((item) => item.send)).toEqual(['sent', 'sent', 'sent']);
    expect((await serverBodies(org.li, roomId)).filter((body) => written.includes(body))).toEqual(written);
    expect(bodies(await latest(li, roomId)).filter((body) => written.includes(body))).toEqual(written);
    await itemWith(li, roomId, (item) => item.eventId === fromLi.eventId && item.receipts?.read === 1);
  });

  it('shows a message the homeserver refuses as failed, and sends it again on retry', async () => {
    const zhang = await signedIn(org.zhang);
    // 王强's room where only moderators may speak.
    const { room_id: roomId } = await asUser<{ room_id: string }>(homeserver, org.wang, 'POST', '/_matrix/client/v3/createRoom', {
      preset: 'private_chat',
      name: '督查通报',
      invite: [org.zhang.userId],
      power_level_content_override: { events_default: 50 },
    });
    await roomOf(zhang, roomId, (room) => room.membership === 'invite');
    await zhang.api.call('messages.join', { roomId });
    const { item } = await zhang.api.call('messages.send', { roomId, body: '请问通报何时印发？' });
    const failed = await itemWith(zhang, roomId, (candidate) => candidate.key === item.key && candidate.send === 'failed');
    expect(failed.sendError).toBe('没有在此会话中发言的权限');

    await asUser(homeserver, org.wang, 'PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.power_levels/`, {
      users: { [org.wang.userId]: 100 },
      events_default: 0,
    });
    await zhang.api.call('messages.retry', { roomId, key: item.key });
    await itemWith(zhang, roomId, (candidate) => candidate.key === item.key && candidate.send === 'sent' && candidate.eventId !== null);
    expect(await serverBodies(org.wang, roomId)).toEqual(['请问通报何时印发？']);
  });

  it('never lets classified text reach the homeserver (涉密不上网)', async () => {
    const zhang = await signedIn(org.zhang);
    const li = await signedIn(org.li);
    const roomId = await sharedRoom(zhang, [li], { kind: 'group', name: '保密检查', invite: [org.li.userId] });
    const refusal = (path: string) => ({ code: CLASSIFIED_REFUSAL.code, message: CLASSIFIED_REFUSAL['zh-CN'], details: [expect.objectContaining({ path })] });
    const classified = '机密★1年\n关于某工程的报告';
    const host = createDispatcher(desktopContract, zhang.core.handlers);

    await expect(zhang.api.call('messages.send', { roomId, body: classified })).rejects.toMatchObject(refusal('body'));
    await expect(host('messages.send', { roomId, body: classified }, { origin: 'test' })).resolves.toMatchObject({ ok: false, error: refusal('body') });
    // Core's service applies the rule itself, for a caller that is not the contract.
    await expect(Promise.resolve().then(() => zhang.core.handlers['messages.send']({ roomId, body: classified }, { origin: 'test' }))).rejects.toMatchObject({ code: 'classified_refused' });
    await expect(zhang.api.call('messages.sendFile', { roomId, name: '秘密★ 名单.txt', mimeType: 'text/plain', data: new TextEncoder().encode('名单') })).rejects.toMatchObject(refusal('name'));
    await expect(zhang.api.call('messages.sendFile', { roomId, name: '报告.txt', mimeType: 'text/plain', data: new TextEncoder().encode(classified) })).rejects.toMatchObject(refusal('data'));
    await expect(zhang.api.call('messages.createRoom', { kind: 'group', name: '绝密★ 专班', invite: [org.li.userId] })).rejects.toMatchObject(refusal('name'));

    const { item } = await zhang.api.call('messages.send', { roomId, body: '关于某工程的报告' });
    const sent = await itemWith(zhang, roomId, (candidate) => candidate.key === item.key && candidate.eventId !== null);
    await expect(zhang.api.call('messages.edit', { roomId, eventId: sent.eventId!, body: classified })).rejects.toMatchObject(refusal('body'));
    // An entry already in the outbox (written by an older version, or put there by hand) is checked again on its way out.
    const smuggled = zhang.core.store.outbox.enqueue(roomId, 'm.room.message', { msgtype: 'm.text', body: classified });
    await zhang.api.call('app.reconnect');
    const failed = await itemWith(zhang, roomId, (candidate) => candidate.key === smuggled.txnId && candidate.send === 'failed');
    expect(failed.sendError).toBe(CLASSIFIED_REFUSAL['zh-CN']);
    await zhang.api.call('messages.retry', { roomId, key: smuggled.txnId });
    await expect.poll(() => zhang.core.store.outbox.byTxn(smuggled.txnId)?.state).toBe('failed');

    await zhang.api.call('messages.send', { roomId, body: '以上报告请查收。' });
    await itemWith(li, roomId, (candidate) => candidate.body === '以上报告请查收。');
    const held = await serverBodies(org.li, roomId);
    expect(held).toEqual(['关于某工程的报告', '以上报告请查收。']);
    expect(held.join('\n')).not.toContain('★');
  });

  it('starts offline from the cache: rooms, messages and search, then catches up', async () => {
    let zhang = await signedIn(org.zhang, { proxied: true });
    const li = await signedIn(org.li);
    const roomId = await sharedRoom(zhang, [li], { kind: 'group', name: '防汛值班', invite: [org.li.userId] });
    const texts = ['关于做好2026年防汛工作的通知已下发', '汛期值班表请周四前报送', '收到'];
    for (const body of texts) await li.api.call('messages.send', { roomId, body });
    await expect.poll(async () => bodies(await latest(zhang, roomId))).toEqual(texts);

    zhang.homeserverProxy!.cut();
    const unsent = (await zhang.api.call('messages.send', { roomId, body: '断网时写的，重启后发出' })).item;
    zhang = await restarted(zhang);
    const { rooms, connection } = await zhang.api.call('messages.rooms');
    expect(connection).not.toBe('online');
    expect(rooms.find((room) => room.roomId === roomId)).toMatchObject({ name: '防汛值班', kind: 'group', memberCount: 2, lastMessage: { senderName: '李娜', preview: '收到' } });
    const window = await zhang.api.call('messages.timeline', { roomId, anchor: { type: 'latest' }, limit: 50 });
    expect(bodies(window.items)).toEqual([...texts, '断网时写的，重启后发出']);
    expect(window.items.at(-1)).toMatchObject({ key: unsent.key, send: 'sending' });
    expect(window.items.find((item) => item.body === '收到')).toMatchObject({ senderName: '李娜', send: 'sent' });
    // Search over the cache, offline: a word and a single character.
    // (张伟's other rooms, from the other tests, are in the cache too.)
    const found = async (query: string) => (await zhang.api.call('messages.search', { query, limit: 50 })).hits.filter((hit) => hit.roomId === roomId);
    expect(await found('防汛')).toEqual([expect.objectContaining({ roomId, roomName: '防汛值班', senderName: '李娜', body: '关于做好2026年防汛工作的通知已下发' })]);
    expect((await found('汛')).map((hit) => hit.body)).toEqual(['汛期值班表请周四前报送', '关于做好2026年防汛工作的通知已下发']);
    await expect.poll(async () => (await zhang.api.call('messages.rooms')).connection).toBe('offline');

    // Back online: what was said meanwhile arrives.
    await li.api.call('messages.send', { roomId, body: '网络恢复后可见' });
    zhang.homeserverProxy!.restore();
    await zhang.api.call('app.reconnect');
    await expect.poll(async () => (await zhang.api.call('messages.rooms')).connection, { timeout: 20_000 }).toBe('online');
    await itemWith(zhang, roomId, (item) => item.body === '网络恢复后可见');
    await itemWith(li, roomId, (item) => item.body === '断网时写的，重启后发出');
    await itemWith(zhang, roomId, (item) => item.key === unsent.key && item.send === 'sent');
  });

  it('fills a gap after a long absence and pages back to the start of the room', async () => {
    let li = await signedIn(org.li);
    const { room_id: roomId } = await asUser<{ room_id: string }>(homeserver, org.zhang, 'POST', '/_matrix/client/v3/createRoom', { preset: 'private_chat', name: '文电办理', invite: [org.li.userId] });
    await roomOf(li, roomId, (room) => room.membership === 'invite');
    await li.api.call('messages.join', { roomId });
    const send = (body: string, i: number) => asUser(homeserver, org.zhang, 'PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/gap${Date.now()}-${i}`, { msgtype: 'm.text', body });
    const first = Array.from({ length: 5 }, (_, i) => `早先的消息 ${i + 1}`);
    for (const [i, body] of first.entries()) await send(body, i);
    await expect.poll(async () => bodies(await latest(li, roomId))).toEqual(first);

    // 李娜's app is closed while 45 more messages come: more than a restart's first sync brings (20 per room).
    await li.close();
    const later = Array.from({ length: 45 }, (_, i) => `之后的消息 ${i + 1}`);
    for (const [i, body] of later.entries()) await send(body, 100 + i);
    li = await restarted(li);
    await expect.poll(async () => bodies(await latest(li, roomId, 100)), { timeout: 20_000 }).toEqual([...first, ...later]);

    // A device with an empty cache pages back through the homeserver to the room's start.
    const fresh = await signedIn(org.li);
    await roomOf(fresh, roomId);
    const window = await fresh.api.call('messages.timeline', { roomId, anchor: { type: 'latest' }, limit: 30 });
    expect(bodies(window.items)).toEqual(later.slice(-30));
    let older = await fresh.api.call('messages.timeline', { roomId, anchor: { type: 'before', eventId: window.items[0]!.eventId! }, limit: 30 });
    expect(bodies(older.items)).toEqual([...first, ...later.slice(0, 15)]);
    if (!older.atStart) older = await fresh.api.call('messages.timeline', { roomId, anchor: { type: 'before', eventId: older.items[0]!.eventId! }, limit: 30 });
    expect(older.atStart).toBe(true);
    // A search hit opens the room around it.
    const hit = (await fresh.api.call('messages.search', { query: '之后的消息 20', limit: 5 })).hits.find((candidate) => candidate.body === '之后的消息 20')!;
    const around = await fresh.api.call('messages.timeline', { roomId, anchor: { type: 'around', eventId: hit.eventId }, limit: 5 });
    expect(bodies(around.items)).toEqual(['之后的消息 18', '之后的消息 19', '之后的消息 20', '之后的消息 21', '之后的消息 22']);
  });

  it("forgets the account's messages at logout, so the next person at this computer cannot read them", async () => {
    const zhang = await signedIn(org.zhang);
    const li = await signedIn(org.li);
    const roomId = await sharedRoom(zhang, [li], { kind: 'group', name: '人事材料', invite: [org.li.userId] });
    await li.api.call('messages.send', { roomId, body: '干部考察材料请查收' });
    await itemWith(zhang, roomId, (item) => item.body === '干部考察材料请查收');
    await zhang.api.call('session.logout');
    await expect(zhang.api.call('messages.rooms')).rejects.toMatchObject({ code: 'not_logged_in' });
    expect(zhang.core.store.matrix.rooms()).toEqual([]);
    expect(zhang.core.store.search.messages('考察材料', 10)).toEqual([]);
    // 王强 logs in on the same computer: only his own rooms.
    await loginCore(zhang, homeserver, org.wang);
    await expect.poll(async () => (await zhang.api.call('messages.rooms')).connection).toBe('online');
    expect((await zhang.api.call('messages.rooms')).rooms.map((room) => room.roomId)).not.toContain(roomId);
  });
});

/** A 2×2 PNG, so the image path has real pixels to measure and scale. */
function tinyPng(): Uint8Array {
  return new Uint8Array(
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
      'base64',
    ),
  );
}
