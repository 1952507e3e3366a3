import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EventId, MatrixUserId, RoomId } from '@govdesk/shared';
import type { RunningHomeserver } from '../homeserver/index.ts';
import { answerField, callMatrix, MatrixCallError, roomPath, type ClientSession } from './client-api.ts';
import { homeserverIdentity, type SeedResult } from './seed.ts';

/**
 * The demo conversations `npm start` creates once per homeserver, so that a
 * newcomer finds every messaging view with content: the internal group of
 * 秘书一处 (张伟, 李娜, 赵敏) with a 防汛 notice that 李娜 has read and 赵敏
 * has not, a reply and a file; and a DM between 张伟 and 李娜. Only the
 * client-server API is used, as the demo accounts themselves, so the
 * timestamps are those of the first start (backdating needs an appservice).
 *
 * Progress is kept in <stateDir>/demo-messages.json for one homeserver. A run
 * that fails leaves it incomplete, with the rooms it created; `npm start`
 * fails with the reason, and the next start makes the demo accounts leave
 * those rooms and seeds again from the beginning, so nothing is doubled.
 */

export const DEMO_GROUP = { name: '秘书一处', topic: '秘书一处内部工作群：文电办理、会务安排、值班值守' } as const;

export const DEMO_FILE = {
  name: '关于做好2026年防汛工作的通知（征求意见稿）.txt',
  mimeType: 'text/plain',
  text: [
    '关于做好2026年防汛工作的通知',
    '（征求意见稿）',
    '',
    '各处室、各直属单位：',
    '',
    '　　根据省防汛防旱防风总指挥部关于2026年防汛工作的部署，为切实做好我厅汛期各项工作，保障机关安全运转和信息报送畅通，现就有关事项通知如下：',
    '',
    '　　一、提高思想认识。各处室要充分认识今年防汛形势的复杂性，克服麻痹思想和侥幸心理，把防汛工作摆在突出位置。',
    '',
    '　　二、严格值班值守。汛期实行24小时值班和领导带班制度，值班人员须保持通讯畅通，不得擅离岗位。请各处室于每月25日前将下月值班表报秘书一处。',
    '',
    '　　三、加强隐患排查。办公区、档案室、机房等重点部位要开展汛前检查，发现隐患及时整改，并备足防水、排水物资。',
    '',
    '　　四、做好信息报送。遇有重大汛情、险情、灾情，须第一时间报告厅值班室，不得迟报、漏报、瞒报。',
    '',
    '　　请于本周四前将修改意见反馈秘书一处。',
    '',
    '广东省人民政府办公厅秘书一处（代拟）',
    '',
  ].join('\n'),
} as const;

export const DEMO_TEXT = {
  welcome: '各位同事，处内工作群建好了，日常文电流转、会务安排和值班值守的事情都在这里沟通。',
  linaAck: '收到，张处。',
  zhaominAck: '收到。明天上午厅务会的材料我正在汇总，下午三点前发群里请大家过目。',
  notice:
    '【通知】根据省防汛防旱防风总指挥部的部署，我厅2026年防汛工作即将全面启动。请各位于本周五下班前报送汛期值班安排和24小时联系方式。' +
    '汛期严格执行领导带班和24小时值班制度，遇有重大汛情、险情须第一时间报告，不得迟报、漏报、瞒报。',
  linaReply: '收到。处内汛期值班表由我汇总，周四下班前报您审核。',
  fileNote: '附件是厅里防汛通知的征求意见稿，请大家周四前提出修改意见，在群里说或者单独发我都可以。',
  dm: [
    { from: 'zhangwei', body: '李娜，明天上午九点的厅务会，会议室和材料都落实了吗？' },
    { from: 'lina', body: '落实了，在三楼第一会议室。议程、座次表和会议材料已经印好，投影也调试过了。' },
    { from: 'zhangwei', body: '好。会后请尽快起草会议纪要，明天下班前给我看初稿。' },
    { from: 'lina', body: '好的张处，纪要初稿明天下午四点前发您。' },
  ],
} as const;

/** `npm start` cannot go on: the message says why, and that the next start tries again. */
export class DemoSeedError extends Error {}

interface MessagesRecord {
  homeserver: string;
  /** false while a run is under way, or after one failed. */
  complete: boolean;
  /** The rooms the run created, recorded as soon as each exists. */
  rooms: string[];
}

const SEEDED_BY = ['zhangwei', 'lina', 'zhaomin'] as const;

/** Creates the demo conversations unless this homeserver has them already; true when it created them now. */
export async function seedDemoMessages(homeserver: RunningHomeserver, stateDir: string, seed: SeedResult): Promise<boolean> {
  const recordFile = path.join(stateDir, 'demo-messages.json');
  const identity = homeserverIdentity(homeserver);
  const stored = existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, 'utf8')) as MessagesRecord) : null;
  const earlier = stored?.homeserver === identity ? stored : null;
  if (earlier?.complete) return false;

  const record: MessagesRecord = { homeserver: identity, complete: false, rooms: [] };
  const save = () => writeFileSync(recordFile, `${JSON.stringify(record, null, 2)}\n`);
  const sessions: ClientSession[] = [];
  try {
    for (const username of SEEDED_BY) sessions.push(await signIn(homeserver.baseUrl, seed, username));
    const [zhang, li, zhao] = sessions as [ClientSession, ClientSession, ClientSession];
    if (earlier) await abandon(earlier.rooms, sessions);
    const created = (roomId: string) => {
      record.rooms.push(roomId);
      save();
    };
    await seedGroup(zhang, li, zhao, created);
    await seedDirectChat(zhang, li, created);
    // Signed out before the record says complete, so that every call of the run has been checked when it does.
    for (const session of sessions) await signOut(session);
    sessions.length = 0;
    record.complete = true;
    save();
    return true;
  } catch (error) {
    // Sessions left by a failure are signed out if the homeserver lets us; the failure itself is what to report.
    await Promise.allSettled(sessions.map(signOut));
    const reason = error instanceof MatrixCallError ? error.message : ((error as Error).stack ?? String(error));
    throw new DemoSeedError(`the demo conversations could not be created (${reason}); the next npm start removes what was created and tries again`, { cause: error });
  }
}

async function seedGroup(zhang: ClientSession, li: ClientSession, zhao: ClientSession, created: (roomId: string) => void): Promise<void> {
  const group = await createRoom(zhang, `creating the group ${DEMO_GROUP.name}`, {
    preset: 'private_chat',
    name: DEMO_GROUP.name,
    topic: DEMO_GROUP.topic,
    invite: [li.userId, zhao.userId],
  });
  created(group);
  await join(li, group, DEMO_GROUP.name);
  await join(zhao, group, DEMO_GROUP.name);
  await send(zhang, group, DEMO_GROUP.name, text(DEMO_TEXT.welcome));
  await send(li, group, DEMO_GROUP.name, text(DEMO_TEXT.linaAck));
  const zhaoAck = await send(zhao, group, DEMO_GROUP.name, text(DEMO_TEXT.zhaominAck));
  // 赵敏 has read up to her own message and nothing after it: the notice shows her as unread.
  await readUpTo(zhao, group, DEMO_GROUP.name, zhaoAck);
  const notice = await send(zhang, group, DEMO_GROUP.name, text(DEMO_TEXT.notice));
  const reply = await send(li, group, DEMO_GROUP.name, {
    ...text(DEMO_TEXT.linaReply, [zhang.userId]),
    'm.relates_to': { 'm.in_reply_to': { event_id: notice } },
  });
  // 李娜's receipt on her reply: she has read the notice, and not the file that follows.
  await readUpTo(li, group, DEMO_GROUP.name, reply);
  const data = new TextEncoder().encode(DEMO_FILE.text);
  const url = await upload(zhang, DEMO_FILE.name, DEMO_FILE.mimeType, data);
  await send(zhang, group, DEMO_GROUP.name, {
    msgtype: 'm.file',
    body: DEMO_FILE.name,
    filename: DEMO_FILE.name,
    url,
    info: { mimetype: DEMO_FILE.mimeType, size: data.byteLength },
    'm.mentions': {},
  });
  const note = await send(zhang, group, DEMO_GROUP.name, text(DEMO_TEXT.fileNote));
  await readUpTo(zhang, group, DEMO_GROUP.name, note);
}

async function seedDirectChat(zhang: ClientSession, li: ClientSession, created: (roomId: string) => void): Promise<void> {
  const where = `the DM with ${li.name}`;
  const dm = await createRoom(zhang, `creating ${where}`, { preset: 'trusted_private_chat', is_direct: true, invite: [li.userId] });
  created(dm);
  await join(li, dm, where);
  await markDirect(zhang, li, dm);
  await markDirect(li, zhang, dm);
  const last = new Map<string, string>();
  for (const line of DEMO_TEXT.dm) {
    const from = line.from === 'zhangwei' ? zhang : li;
    last.set(line.from, await send(from, dm, where, text(line.body)));
  }
  // 张伟 has read up to his own last message, so 李娜's answer after it waits for him as unread.
  await readUpTo(zhang, dm, where, last.get('zhangwei') as string);
  await readUpTo(li, dm, where, last.get('lina') as string);
}

/** Leaves (and forgets) the rooms a failed run created, as every demo account, so that a new run doubles nothing. */
async function abandon(rooms: string[], sessions: ClientSession[]): Promise<void> {
  for (const roomId of rooms) {
    for (const session of sessions) {
      try {
        await callMatrix(session.baseUrl, 'POST', roomPath(roomId, 'leave'), { doing: `${session.name} leaving ${roomId}, left by an earlier seed that failed`, token: session.accessToken, json: {} });
      } catch (error) {
        // 403: never joined or invited (the run failed before); 404: the room is unknown here.
        if (error instanceof MatrixCallError && (error.status === 403 || error.status === 404)) continue;
        throw error;
      }
      await callMatrix(session.baseUrl, 'POST', roomPath(roomId, 'forget'), { doing: `${session.name} forgetting ${roomId}`, token: session.accessToken, json: {} });
    }
  }
}

function text(body: string, mentions: string[] = []): Record<string, unknown> {
  return { msgtype: 'm.text', body, 'm.mentions': mentions.length > 0 ? { user_ids: mentions } : {} };
}

/** A session for a demo account: the token of its registration on this run, else a password login. */
async function signIn(baseUrl: string, seed: SeedResult, username: string): Promise<ClientSession> {
  const account = seed.accounts.find((candidate) => candidate.username === username);
  if (!account) throw new Error(`the demo account ${username} is missing from DEMO_ACCOUNTS`);
  const registered = seed.sessions.get(username);
  if (registered) return { baseUrl, userId: account.userId, accessToken: registered, name: account.displayName };
  const doing = `logging in as ${account.displayName} (${account.userId}) with the password in demo-accounts.json`;
  const answer = await callMatrix(baseUrl, 'POST', '/_matrix/client/v3/login', {
    doing,
    json: { type: 'm.login.password', identifier: { type: 'm.id.user', user: username }, password: account.password, initial_device_display_name: 'GovDesk 演示数据' },
  });
  const userId = answerField(answer, 'user_id', doing, MatrixUserId);
  if (userId !== account.userId) throw new MatrixCallError(`${doing}: the homeserver signed in ${userId}, not ${account.userId}`, null);
  return { baseUrl, userId, accessToken: answerField(answer, 'access_token', doing), name: account.displayName };
}

async function signOut(session: ClientSession): Promise<void> {
  await callMatrix(session.baseUrl, 'POST', '/_matrix/client/v3/logout', { doing: `signing ${session.name} out of the seed's session`, token: session.accessToken, json: {} });
}

async function createRoom(session: ClientSession, what: string, request: Record<string, unknown>): Promise<string> {
  const doing = `${session.name} ${what}`;
  const answer = await callMatrix(session.baseUrl, 'POST', '/_matrix/client/v3/createRoom', { doing, token: session.accessToken, json: request });
  return answerField(answer, 'room_id', doing, RoomId);
}

async function join(session: ClientSession, roomId: string, where: string): Promise<void> {
  const doing = `${session.name} joining ${where}`;
  answerField(await callMatrix(session.baseUrl, 'POST', roomPath(roomId, 'join'), { doing, token: session.accessToken, json: {} }), 'room_id', doing, RoomId);
}

async function send(session: ClientSession, roomId: string, where: string, content: Record<string, unknown>): Promise<string> {
  const doing = `${session.name} sending a message to ${where}`;
  const answer = await callMatrix(session.baseUrl, 'PUT', roomPath(roomId, `send/m.room.message/${randomUUID()}`), { doing, token: session.accessToken, json: content });
  return answerField(answer, 'event_id', doing, EventId);
}

async function readUpTo(session: ClientSession, roomId: string, where: string, eventId: string): Promise<void> {
  await callMatrix(session.baseUrl, 'POST', roomPath(roomId, `receipt/m.read/${encodeURIComponent(eventId)}`), { doing: `${session.name} marking ${where} read`, token: session.accessToken, json: {} });
}

async function upload(session: ClientSession, name: string, mimeType: string, data: Uint8Array): Promise<string> {
  const doing = `${session.name} uploading ${name}`;
  const answer = await callMatrix(session.baseUrl, 'POST', `/_matrix/media/v3/upload?filename=${encodeURIComponent(name)}`, {
    doing,
    token: session.accessToken,
    bytes: { data, contentType: `${mimeType}; charset=utf-8` },
  });
  return answerField(answer, 'content_uri', doing, { safeParse: (value) => ({ success: typeof value === 'string' && value.startsWith('mxc://') }) });
}

/** Records the DM in the user's m.direct account data, which is how clients tell a DM from a group. */
async function markDirect(session: ClientSession, other: ClientSession, roomId: string): Promise<void> {
  const path = `/_matrix/client/v3/user/${encodeURIComponent(session.userId)}/account_data/m.direct`;
  const doing = `${session.name} recording the DM with ${other.name}`;
  let direct: Record<string, unknown> = {};
  try {
    direct = await callMatrix(session.baseUrl, 'GET', path, { doing, token: session.accessToken });
  } catch (error) {
    // 404: the account has no m.direct yet.
    if (!(error instanceof MatrixCallError && error.status === 404)) throw error;
  }
  // The demo DM replaces whatever an earlier, failed run recorded for this person.
  await callMatrix(session.baseUrl, 'PUT', path, { doing, token: session.accessToken, json: { ...direct, [other.userId]: [roomId] } });
}
