import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import type { RunningHomeserver } from '../../../build/homeserver/index.ts';
import { mib, ms, processMemory, Samples, table } from '../../../build/lib/bench-report.ts';
import { startService } from '../../../build/lib/services.ts';
import { createCore } from '../../src/core/core.ts';
import { openLocalStore } from '../../src/core/store/local-store.ts';
import { inProcessApi } from '../../../test/support/core-client.ts';
import { createTestUser } from '../../../test/support/matrix.ts';
import { freePort } from '../../../test/support/net.ts';
import { messageGenerator } from '../lib/messages.ts';

/**
 * Cold start of the real app (browser mode: core in its process, the built
 * renderer in Debian's Chromium) on a cache holding `rooms` rooms, one of
 * them with `roomMessages` messages, with the homeserver unreachable so that
 * only the cache path is measured:
 *  - core process start → its URL printed (cache opened, session restored);
 *  - navigation → the room list painted (the first room row in the DOM, then a frame);
 *  - the renderer process's memory there (RSS of Chromium's renderer, and the JS heap);
 *  - a click on the big room → its first message painted.
 */

const SERVER = 'gd.gov.cn';
const BIG_ROOM = `!big:${SERVER}`;
const BIG_ROOM_NAME = '秘书一处工作群';

/** A cache as a signed-in user's app leaves it: a real login, then rooms and messages written through MatrixCache. */
export async function prepareCache(homeserver: RunningHomeserver, rooms: number, roomMessages: number): Promise<{ dir: string; keyFile: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'govdesk-bench-startup-'));
  const key = new Uint8Array(randomBytes(32));
  // Browser mode's key file: the key in hex.
  const keyFile = path.join(dir, 'bench.key');
  writeFileSync(keyFile, `${Buffer.from(key).toString('hex')}\n`, { mode: 0o600 });
  const user = await createTestUser(homeserver, 'bench-startup', '张伟');
  const core = await createCore({ dataDir: dir, databaseKey: key, defaultHomeserverUrl: homeserver.baseUrl });
  await inProcessApi(core).call('session.login', { homeserverUrl: homeserver.baseUrl, username: user.username, password: user.password });
  await core.close();

  const store = openLocalStore(dir, key);
  // The next start finds the homeserver gone: nothing but the cache can answer.
  const session = JSON.parse(store.settings.getRaw('session') as string) as { homeserverUrl: string };
  session.homeserverUrl = `http://127.0.0.1:${await freePort()}`;
  store.settings.setRaw('session', JSON.stringify(session));
  const next = messageGenerator(5);
  const people = Array.from({ length: 30 }, (_, i) => ({ userId: `@user${i}:${SERVER}`, displayName: `同事${i}`, membership: 'join' }));
  const now = Date.now();
  store.matrix.transaction(() => {
    for (let r = 0; r < rooms; r++) {
      const roomId = r === 0 ? BIG_ROOM : `!room${r}:${SERVER}`;
      const count = r === 0 ? roomMessages : 20;
      const direct = r % 3 === 1;
      store.matrix.upsertRoom({ roomId, name: r === 0 ? BIG_ROOM_NAME : direct ? `同事${r % 30}` : `工作群 ${r}`, topic: '', isDirect: direct, membership: 'join', memberCount: direct ? 2 : 12, seenTs: now - 86_400_000 });
      store.matrix.upsertMembers(roomId, direct ? [people[r % 30]!] : people.slice(0, 12));
      const events = [];
      for (let m = 0; m < count; m++) {
        const sender = people[m % 12]!;
        events.push({ eventId: `$${r}_${m}`, roomId, sender: sender.userId, type: 'm.room.message', ts: now - (count - m) * 60_000 - r * 1000, content: { msgtype: 'm.text', body: next() } });
      }
      store.matrix.insertEvents(events);
      const last = events.at(-1)!;
      store.matrix.setPreview(roomId, { text: last.content.body, senderName: people[(count - 1) % 12]!.displayName, ts: last.ts });
      store.matrix.setUnread(roomId, r % 7, r % 13 === 0 ? 1 : 0);
    }
  });
  store.close();
  return { dir, keyFile };
}

/**
 * Times taken inside the page (run before the app's script): when the first
 * room row, and the first message, enter the DOM, the frame after that.
 */
const MARKS_SCRIPT = `
  const marks = (window.__bench = {});
  const watch = (selector, name) =>
    new MutationObserver((_, observer) => {
      if (marks[name] === undefined && document.querySelector(selector)) {
        marks[name] = -1;
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => (marks[name] = performance.now()), 0));
      }
    }).observe(document, { childList: true, subtree: true });
  watch('.govdesk-room-item', 'list');
  watch('[data-testid="message"]', 'message');
  // When the user's last press began (the event's own time): the click on a room is measured from there, not from
  // before Playwright's click, whose locating and actionability checks are the harness's time, not the app's.
  addEventListener('pointerdown', (event) => (marks.pressed = event.timeStamp), true);
`;

type Marks = { __bench: Record<string, number | undefined> };

/** Functions, not strings: the app's CSP forbids evaluating strings in the page. */
async function mark(page: Page, name: 'list' | 'message' | 'pressed'): Promise<number> {
  await page.waitForFunction((mark) => ((globalThis as unknown as Marks).__bench[mark] ?? -1) > 0, name);
  return page.evaluate((mark) => (globalThis as unknown as Marks).__bench[mark] as number, name);
}

/**
 * The renderer processes of the Chromium whose profile is `userDataDir`: the
 * descendants (through the zygote) of the browser process started with it.
 */
function rendererPids(userDataDir: string): number[] {
  const processes = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        // Chromium rewrites the command line of the processes its zygote forks as one string, spaces and all.
        return { pid: Number(entry), parent, args: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split(/[\0 ]/) };
      } catch {
        return null;
      }
    })
    .filter((process) => process !== null);
  const browser = processes.find(({ args }) => args.includes(`--user-data-dir=${userDataDir}`) && !args.some((arg) => arg.startsWith('--type=')));
  if (!browser) throw new Error(`no Chromium runs on the profile ${userDataDir}`);
  const byPid = new Map(processes.map((process) => [process.pid, process]));
  const descends = (pid: number): boolean => {
    for (let current = byPid.get(pid); current; current = byPid.get(current.parent)) if (current.parent === browser.pid) return true;
    return false;
  };
  return processes.filter(({ pid, args }) => args.includes('--type=renderer') && descends(pid)).map(({ pid }) => pid);
}

interface Start {
  coreReady: number;
  listPainted: number;
  roomPainted: number;
  rss: number;
  heap: number;
  rows: number;
}

/**
 * One start as a user makes it: core's process, then Chromium on the app's
 * profile (its caches as the last start left them, as Electron keeps them in
 * the app's user data), the room list painted, then the click on the big room.
 */
async function start(dir: string, keyFile: string, port: number, userDataDir: string): Promise<Start> {
  const started = performance.now();
  const app = startService('bench-desktop', 'desktop/src/web/main.ts', ['--port', String(port), '--data', dir, '--key-file', keyFile], { logDir: dir });
  const [, url] = await app.line(/^GOVDESK_APP_URL=(.+)$/);
  const coreReady = performance.now() - started;
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.GOVDESK_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    locale: 'zh-CN',
    viewport: { width: 1280, height: 800 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // Times taken inside the page: the first room row (and message) in the DOM, then the frame that paints it.
    await page.addInitScript({ content: MARKS_SCRIPT });
    // The app opens on 消息.
    await page.goto(url as string);
    const listPainted = await mark(page, 'list');
    const rows = await page.locator('.govdesk-room-item').count();
    const rss = Math.max(...rendererPids(userDataDir).map((pid) => processMemory(pid)?.rss ?? 0));
    const cdp = await context.newCDPSession(page);
    // Without it, getMetrics answers nothing.
    await cdp.send('Performance.enable');
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    const heap = metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? Number.NaN;

    // A user looks at the list before choosing a room.
    await page.waitForTimeout(500);
    await page.getByRole('button', { name: new RegExp(BIG_ROOM_NAME) }).first().click();
    const message = await mark(page, 'message');
    const roomPainted = message - (await mark(page, 'pressed'));
    return { coreReady, listPainted, roomPainted, rss, heap, rows };
  } finally {
    await context.close();
    await app.stop();
  }
}

export async function benchStartup(homeserver: RunningHomeserver, options: { rooms: number; roomMessages: number; starts: number }): Promise<string> {
  console.log(`startup: preparing a cache with ${options.rooms} rooms, one of ${options.roomMessages} messages…`);
  const { dir, keyFile } = await prepareCache(homeserver, options.rooms, options.roomMessages);
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'govdesk-bench-chromium-'));
  // One origin for every start, as `npm start`'s fixed port gives: the browser's caches are per origin.
  const port = await freePort();
  const starts: Start[] = [];
  let first: Start;
  const chromiumVersion = execFileSync(process.env.GOVDESK_CHROMIUM ?? '/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
  try {
    // The first start after installing: nothing cached. V8 writes its code cache for a script the second time it runs it.
    first = await start(dir, keyFile, port, userDataDir);
    console.log('startup: first start (empty profile) done');
    await start(dir, keyFile, port, userDataDir);
    for (let run = 0; run < options.starts; run++) {
      starts.push(await start(dir, keyFile, port, userDataDir));
      console.log(`startup: run ${run + 1}/${options.starts}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(userDataDir, { recursive: true, force: true });
  }
  const summary = (pick: (start: Start) => number) => {
    const samples = new Samples();
    for (const one of starts) samples.add(pick(one));
    return samples.summary();
  };
  const c = summary((one) => one.coreReady);
  const l = summary((one) => one.listPainted);
  const o = summary((one) => one.roomPainted);
  const rss = starts.map((one) => one.rss);
  const heap = starts.map((one) => one.heap);
  const worstRss = Math.max(...rss);
  const rows = [
    ['core process start → ready (cache opened, session restored)', ms(c.p50), ms(c.max), ms(first.coreReady), '—'],
    ['navigation → room list painted', ms(l.p50), ms(l.max), ms(first.listPainted), l.max <= 500 ? 'met (≤ 500 ms)' : `missed by ${ms(l.max - 500)}`],
    [`press → first message of the ${options.roomMessages.toLocaleString('en')}-message room painted`, ms(o.p50), ms(o.max), ms(first.roomPainted), o.max <= 100 ? 'met (≤ 100 ms)' : `missed by ${ms(o.max - 100)}`],
  ];
  const memory = [['renderer process RSS at the painted room list', mib(Math.min(...rss)), mib(worstRss), worstRss <= 300 * 1024 * 1024 ? 'met (≤ 300 MB)' : `missed by ${mib(worstRss - 300 * 1024 * 1024)}`], ['JS heap used', mib(Math.min(...heap)), mib(Math.max(...heap)), '—']];
  const header = ['step', 'median', 'worst', 'first start, empty profile', 'target'];
  console.log(table(header, rows));
  console.log(table(['memory', 'least', 'most', 'target'], memory));
  return [
    `### Cold start with ${options.rooms.toLocaleString('en')} cached rooms, and opening a room of ${options.roomMessages.toLocaleString('en')} cached messages (${options.starts} starts)`,
    '',
    `Browser mode as \`npm start\` runs it (core in its own Node process, the built renderer in Debian's ${chromiumVersion}, 1280×800), on an encrypted cache written through \`MatrixCache\` after a real login; the homeserver is unreachable at start, so only the cache answers. Every start is cold: a new core process and a new Chromium, on one browser profile, as the Electron app keeps its caches in its user data between starts. The first two starts fill them and are not counted (Chromium keeps the code it compiled from a script from the script's second run on); the first is reported beside, as what the first start after installing costs. Times are taken inside the page: from navigation start (\`performance.now()\`), and from the press on the room (the \`pointerdown\` event's time; the bench presses half a second after the list was painted, as a user who looks at the list first), to the frame after the first room row (message) entered the DOM. The app opens on 消息. The room list showed ${starts[0]?.rows ?? 0} rows (the others are virtualised away or below the fold).`,
    '',
    table(header, rows),
    '',
    table(['memory', 'least', 'most', 'target'], memory),
  ].join('\n');
}
