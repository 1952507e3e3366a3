import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type RunningHomeserver } from '../../build/homeserver/index.ts';
import { repoRoot } from '../../build/lib/paths.ts';
import { startService, waitForHealthy, type Service } from '../../build/lib/services.ts';
import { DEMO_ACCOUNTS, demoDirectory } from '../../build/seed/demo-directory.ts';
import { DEMO_FILE, DEMO_GROUP, DEMO_TEXT, seedDemoMessages } from '../../build/seed/messages.ts';
import { homeserverIdentity, seedDemo, type SeededAccount, type SeedResult } from '../../build/seed/seed.ts';
import { testHomeserver } from '../support/homeserver.ts';
import { createTestUser } from '../support/matrix.ts';
import { foreignHealthz } from '../support/net.ts';

/**
 * `npm start` must not take another process for its sync-server. The old start
 * script polled /healthz for any 200; with the port taken, its own sync-server
 * died with EADDRINUSE and it reported "sync-server healthy" because the other
 * process answered. Here that other process is a plain HTTP server answering
 * 200 on /healthz, as a foreign one would.
 */

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function scratchDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'govdesk-start-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A process that is not ours holding a port and answering /healthz with 200, as the old sync-server did. */
async function foreignPort(): Promise<number> {
  const foreign = await foreignHealthz({ status: 'ok' });
  cleanups.push(foreign.close);
  return foreign.port;
}

/** The environment without the developer's GOVDESK_* settings, with this Node first on PATH. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GOVDESK_')));
  return { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };
}

describe('npm start', () => {
  it('is the command this test runs', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('sh build/run.sh node build/scripts/start.ts');
  });

  it("exits non-zero within 10 s when the sync-server's port is taken, naming the port and GOVDESK_SYNC_PORT", async () => {
    const port = await foreignPort();
    const runDir = scratchDir();
    const child = spawn('sh', ['build/run.sh', 'node', 'build/scripts/start.ts'], {
      cwd: repoRoot,
      // Its own process group, so that a start that does not stop can be stopped with everything it began.
      detached: true,
      env: {
        ...cleanEnv(),
        GOVDESK_SYNC_PORT: String(port),
        // Should start ever get past the port check, it stays off the developer's state: a scratch .run, and a
        // homeserver that is not there (nothing listens on the discard port), so no Synapse is started either.
        GOVDESK_RUN_DIR: runDir,
        GOVDESK_HOMESERVER_BACKEND: 'external',
        GOVDESK_HOMESERVER_URL: 'http://127.0.0.1:9',
        GOVDESK_HOMESERVER_REGISTRATION_SECRET: 'not used',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The issue's bound, counted from the spawn of the whole command (build/run.sh included); the port is checked
    // before the homeserver and the desktop build, so nothing slow comes first.
    const deadline = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(deadline);
    expect(child.signalCode, `npm start was still running after 10 s:\n${output}`).toBeNull();
    expect(code).not.toBe(0);
    expect(output).toContain(`port ${port} is already in use by another process`);
    expect(output).toContain('GOVDESK_SYNC_PORT');
    expect(output).not.toMatch(/sync-server healthy/);
  });
});

describe('a watched sync-server', () => {
  it('whose port is taken fails its start at once with the port, the variable and its last lines, although /healthz answers 200', async () => {
    const port = await foreignPort();
    const dir = scratchDir();
    const instanceId = 'start-test-instance';
    const service: Service = startService('sync-server', 'sync-server/src/main.ts', [], {
      logDir: dir,
      baseEnv: { PATH: process.env.PATH },
      env: { GOVDESK_SYNC_PORT: String(port), GOVDESK_SYNC_DATA_DIR: path.join(dir, 'data'), GOVDESK_SYNC_INSTANCE_ID: instanceId },
      port: { port, variable: 'GOVDESK_SYNC_PORT' },
    });
    cleanups.push(() => service.stop());
    // The timeout is far beyond the test's own: only the child's exit can end this wait in time.
    const error = await waitForHealthy(service, `http://127.0.0.1:${port}/healthz`, instanceId, 600_000).then(
      () => null,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toMatch(new RegExp(`^sync-server exited with 1: port ${port} is already in use by another process, so sync-server cannot listen there; stop that process or set GOVDESK_SYNC_PORT to a free port`));
    expect(error?.message).toContain('EADDRINUSE');
    expect(error?.message).toContain(path.join(dir, 'sync-server.log'));
  });
});

/**
 * The demo data, seeded as `npm start` seeds it (seedDemo, then seedDemoMessages) on the real test homeserver
 * and read back through its client API as 张伟 sees it. Not through a whole `npm start`: that would also rebuild
 * desktop/dist, which the end-to-end tests and a running dev stack serve. The stack is one seeded before 赵敏
 * joined the demo, whose first attempt at the conversations failed halfway: the upgrade and the retry are the
 * paths an existing dev stack takes, and a fresh one takes the same code with nothing recorded.
 */
describe("npm start's demo data", () => {
  const OLD_ACCOUNTS = DEMO_ACCOUNTS.filter((account) => account.username !== 'zhaomin');
  let homeserver: RunningHomeserver;
  let stateDir: string;
  let oldAccounts: SeededAccount[];
  let seed: SeedResult;
  let messagesSeeded: boolean;
  let abandonedRoom: string;

  type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- answers of the Matrix API, read field by field
  async function api(token: string | null, method: string, path: string, body?: unknown): Promise<Json> {
    const response = await fetch(new URL(path, homeserver.baseUrl), {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text.startsWith('{') ? (JSON.parse(text) as Json) : { text };
  }
  const room = (roomId: string, rest: string) => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/${rest}`;
  const account = (username: string) => seed.accounts.find((candidate) => candidate.username === username) as SeededAccount;
  async function login(username: string): Promise<{ token: string; userId: string }> {
    const answer = await api(null, 'POST', '/_matrix/client/v3/login', { type: 'm.login.password', identifier: { type: 'm.id.user', user: username }, password: account(username).password });
    return { token: answer.access_token as string, userId: answer.user_id as string };
  }

  beforeAll(async () => {
    homeserver = testHomeserver();
    stateDir = mkdtempSync(path.join(tmpdir(), 'govdesk-demo-seed-'));
    const existing = await fetch(new URL(`/_matrix/client/v3/profile/${encodeURIComponent(`@zhangwei:${homeserver.serverName}`)}`, homeserver.baseUrl));
    if (existing.status !== 404) {
      throw new Error(`the test homeserver at ${homeserver.baseUrl} already has the demo accounts (an earlier run of this test left them); stop it (npm run homeserver -- stop test) so that the next run starts a fresh one`);
    }
    // The stack as the seed left it before 赵敏: five accounts with their passwords, and their directory.
    oldAccounts = [];
    const tokens = new Map<string, string>();
    for (const demo of OLD_ACCOUNTS) {
      const password = `old-${demo.username}-password`;
      const created = await registerUser(homeserver.baseUrl, homeserver.registrationSecret, { username: demo.username, password, displayName: demo.displayName });
      oldAccounts.push({ ...demo, userId: created.userId, password });
      tokens.set(demo.username, created.accessToken);
    }
    const identity = homeserverIdentity(homeserver);
    writeFileSync(path.join(stateDir, 'demo-accounts.json'), JSON.stringify({ homeserver: identity, accounts: oldAccounts }));
    const oldDirectory = demoDirectory(homeserver.serverName);
    writeFileSync(path.join(stateDir, 'directory.json'), JSON.stringify({ ...oldDirectory, people: oldDirectory.people.filter((person) => !person.userId.startsWith('@zhaomin:')) }));
    // A first attempt at the conversations that failed after creating a DM and one message in it.
    const zhangToken = tokens.get('zhangwei') as string;
    abandonedRoom = (await api(zhangToken, 'POST', '/_matrix/client/v3/createRoom', { preset: 'trusted_private_chat', is_direct: true, invite: [`@lina:${homeserver.serverName}`] })).room_id as string;
    await api(tokens.get('lina') as string, 'POST', room(abandonedRoom, 'join'), {});
    await api(zhangToken, 'PUT', room(abandonedRoom, 'send/m.room.message/half-seeded'), { msgtype: 'm.text', body: '李娜，' });
    writeFileSync(path.join(stateDir, 'demo-messages.json'), JSON.stringify({ homeserver: identity, complete: false, rooms: [abandonedRoom] }));

    // What npm start does.
    seed = await seedDemo(homeserver, stateDir);
    messagesSeeded = await seedDemoMessages(homeserver, stateDir, seed);
  });
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('adds 赵敏 to a stack seeded before her, keeping the passwords of the others, and to the directory', async () => {
    expect(seed.registered.map((registered) => registered.username)).toEqual(['zhaomin']);
    expect(seed.accounts.map((seeded) => seeded.displayName)).toEqual(DEMO_ACCOUNTS.map((demo) => demo.displayName));
    for (const old of oldAccounts) expect(account(old.username).password).toBe(old.password);
    const stored = JSON.parse(readFileSync(path.join(stateDir, 'demo-accounts.json'), 'utf8')) as { accounts: SeededAccount[] };
    expect(stored.accounts.find((seeded) => seeded.username === 'zhaomin')?.password).toBe(account('zhaomin').password);
    const directory = JSON.parse(readFileSync(seed.directoryFile, 'utf8')) as ReturnType<typeof demoDirectory>;
    expect(directory.people.find((person) => person.userId === `@zhaomin:${homeserver.serverName}`)).toMatchObject({ displayName: '赵敏', unitId: 'gd-gov-office-secretariat-1' });
    // Her password works: npm start prints it for the demo.
    expect((await login('zhaomin')).userId).toBe(`@zhaomin:${homeserver.serverName}`);
  });

  it('shows 张伟 the group 秘书一处 with three members, the 防汛 notice 李娜 has read and 赵敏 has not, a reply and the file', async () => {
    expect(messagesSeeded).toBe(true);
    const zhang = await login('zhangwei');
    const sync = await api(zhang.token, 'GET', `/_matrix/client/v3/sync?timeout=0&filter=${encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 50 } } }))}`);
    const joined = sync.rooms.join as Record<string, Json>;
    const groups = Object.entries(joined).filter(([, state]) => (state.timeline.events as Json[]).some((event) => event.type === 'm.room.name' && event.content.name === DEMO_GROUP.name));
    expect(groups).toHaveLength(1);
    const [groupId, group] = groups[0] as [string, Json];
    const members = Object.keys((await api(zhang.token, 'GET', room(groupId, 'joined_members'))).joined as Json).sort();
    expect(members).toEqual(['lina', 'zhangwei', 'zhaomin'].map((username) => `@${username}:${homeserver.serverName}`));

    const events = (group.timeline.events as Json[]).filter((event) => event.type === 'm.room.message');
    expect(events.map((event) => event.content.body)).toEqual([DEMO_TEXT.welcome, DEMO_TEXT.linaAck, DEMO_TEXT.zhaominAck, DEMO_TEXT.notice, DEMO_TEXT.linaReply, DEMO_FILE.name, DEMO_TEXT.fileNote]);
    const at = (eventId: string) => events.findIndex((event) => event.event_id === eventId);
    const notice = events[3] as Json;
    expect(notice.sender).toBe(zhang.userId);
    expect(notice.content.body).toMatch(/^【通知】.*防汛/);
    expect((events[4] as Json).content['m.relates_to']['m.in_reply_to'].event_id).toBe(notice.event_id);

    const readUpTo = new Map<string, string>();
    for (const receipt of (group.ephemeral.events as Json[]).filter((event) => event.type === 'm.receipt')) {
      for (const [eventId, types] of Object.entries(receipt.content as Json)) for (const userId of Object.keys((types as Json)['m.read'] ?? {})) readUpTo.set(userId, eventId);
    }
    expect(at(readUpTo.get(`@lina:${homeserver.serverName}`) as string)).toBeGreaterThanOrEqual(at(notice.event_id));
    expect(at(readUpTo.get(`@zhaomin:${homeserver.serverName}`) as string)).toBeLessThan(at(notice.event_id));
    expect(at(readUpTo.get(`@zhaomin:${homeserver.serverName}`) as string)).toBeGreaterThanOrEqual(0);

    const file = events[5] as Json;
    expect(file.content).toMatchObject({ msgtype: 'm.file', body: DEMO_FILE.name, info: { mimetype: 'text/plain' } });
    const [, serverName, mediaId] = /^mxc:\/\/([^/]+)\/(.+)$/.exec(file.content.url as string) ?? [];
    const download = await api(zhang.token, 'GET', `/_matrix/client/v1/media/download/${serverName}/${mediaId}`);
    expect(download.text).toBe(DEMO_FILE.text);
  });

  it('shows 张伟 and 李娜 their DM, marked direct for both, and not the room the failed attempt left', async () => {
    const zhang = await login('zhangwei');
    const li = await login('lina');
    const direct = (await api(zhang.token, 'GET', `/_matrix/client/v3/user/${encodeURIComponent(zhang.userId)}/account_data/m.direct`)) as Record<string, string[]>;
    expect(Object.keys(direct)).toEqual([li.userId]);
    const [dmId] = direct[li.userId] as [string];
    expect(await api(li.token, 'GET', `/_matrix/client/v3/user/${encodeURIComponent(li.userId)}/account_data/m.direct`)).toEqual({ [zhang.userId]: [dmId] });
    expect(Object.keys((await api(zhang.token, 'GET', room(dmId, 'joined_members'))).joined as Json).sort()).toEqual([li.userId, zhang.userId].sort());
    const messages = ((await api(zhang.token, 'GET', room(dmId, 'messages?dir=b&limit=50'))).chunk as Json[]).filter((event) => event.type === 'm.room.message').reverse();
    expect(messages.map((event) => [event.sender, event.content.body])).toEqual(DEMO_TEXT.dm.map((line) => [`@${line.from}:${homeserver.serverName}`, line.body]));

    const rooms = (await api(zhang.token, 'GET', '/_matrix/client/v3/joined_rooms')).joined_rooms as string[];
    expect(rooms).toHaveLength(2);
    expect(rooms).toContain(dmId);
    expect(rooms).not.toContain(abandonedRoom);
    expect((await api(li.token, 'GET', '/_matrix/client/v3/joined_rooms')).joined_rooms).not.toContain(abandonedRoom);
  });

  it('seeds nothing again on the next start', async () => {
    const zhang = await login('zhangwei');
    const before = (await api(zhang.token, 'GET', '/_matrix/client/v3/joined_rooms')).joined_rooms as string[];
    const again = await seedDemo(homeserver, stateDir);
    expect(again.registered).toEqual([]);
    expect(again.accounts).toEqual(seed.accounts);
    expect(await seedDemoMessages(homeserver, stateDir, again)).toBe(false);
    expect((await api(zhang.token, 'GET', '/_matrix/client/v3/joined_rooms')).joined_rooms).toEqual(before);
  });

  it('lets 张伟 find, in the user directory, a colleague he shares no room with', async () => {
    const colleague = await createTestUser(homeserver, 'colleague', '新同事');
    const zhang = await login('zhangwei');
    const found = (await api(zhang.token, 'POST', '/_matrix/client/v3/user_directory/search', { search_term: colleague.username, limit: 50 })).results as Json[];
    expect(
      found.map((result) => result.user_id),
      `the test homeserver was started with a configuration without user_directory.search_all_users; restart it (npm run homeserver -- stop test)`,
    ).toContain(colleague.userId);
  });
});
