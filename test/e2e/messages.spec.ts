import path from 'node:path';
import type { Browser, Locator, Page } from '@playwright/test';
import type { RunningHomeserver } from '../../build/homeserver/index.ts';
import { asUser, type TestUser } from '../support/matrix.ts';
import { createTestOrganisation, type TestOrganisation } from '../support/organisation.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { expect, launchDesktopApp, screenshotDir, test, type DesktopApp } from './fixtures.ts';

/**
 * Messaging between civil servants, each with their own desktop app (browser
 * mode: the real renderer, the real core with its own encrypted cache) whose
 * network to the real Synapse runs through a proxy the test can cut. 王强
 * has no app: he joins with a raw client-server call and never reads, so
 * the receipts of a notice can be counted exactly.
 */

test.describe.configure({ mode: 'serial' });
test.setTimeout(180_000);

let org: TestOrganisation;
const proxies: TcpProxy[] = [];
const apps: DesktopApp[] = [];

test.beforeAll(async ({ homeserver }) => {
  org = await createTestOrganisation(homeserver);
});

test.afterAll(async () => {
  for (const app of apps) await app.stop();
  for (const proxy of proxies) await proxy.close();
});

interface Desk {
  app: DesktopApp;
  proxy: TcpProxy;
  page: Page;
}

/** A web notification as the page shows it (tests compile without DOM types, so the page's globals are typed here). */
interface ShownNotification {
  body: string;
  dispatchEvent(event: unknown): boolean;
}
interface NotifyingPage {
  Notification: new (title: string, options?: { body?: string }) => ShownNotification;
  Event: new (type: string) => unknown;
  shownNotifications: ShownNotification[];
}

/** Runs in the page: keeps each web notification it shows (still shown for real), so the test can read and click it. */
function recordNotifications(): void {
  const page = globalThis as unknown as NotifyingPage;
  const shown: ShownNotification[] = [];
  page.shownNotifications = shown;
  page.Notification = class extends page.Notification {
    constructor(title: string, options?: { body?: string }) {
      super(title, options);
      shown.push(this);
    }
  };
}

const shownNotifications = (page: Page) => page.evaluate(() => (globalThis as unknown as NotifyingPage).shownNotifications.map((shown) => shown.body));

async function open(browser: Browser, homeserver: RunningHomeserver, user: TestUser, displayName: string, options: { notifications?: boolean } = {}): Promise<Desk> {
  const proxy = await TcpProxy.start(homeserver.baseUrl);
  proxies.push(proxy);
  const app = await launchDesktopApp({ homeserverUrl: proxy.url });
  apps.push(app);
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 }, ...(options.notifications ? { permissions: ['notifications'] } : {}) });
  if (options.notifications) await context.addInitScript(recordNotifications);
  const page = await context.newPage();
  await page.goto(app.url);
  await page.getByLabel('账号').fill(user.username);
  await page.getByLabel('密码').fill(user.password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await expect(page.getByTestId('current-user')).toHaveText(displayName);
  // The app opens on 消息.
  await expect(page.getByRole('menuitem', { name: /消息/ })).toHaveClass(/ant-menu-item-selected/);
  return { app, proxy, page };
}

const composer = (page: Page) => page.getByRole('textbox', { name: '输入消息' });
const messages = (page: Page) => page.getByTestId('message');
const message = (page: Page, text: string | RegExp) => messages(page).filter({ hasText: text });
const room = (page: Page, name: string) => page.getByRole('button', { name: new RegExp(`^${name}`) });

async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

/** Picks a colleague among the directory's answers (antd's visible option, titled with the account). */
async function pick(page: Page, user: TestUser): Promise<void> {
  await page.getByTitle(user.userId).click();
}

/** Hovers a message and uses one of its actions (回复, 编辑, 撤回). */
async function act(target: Locator, action: string): Promise<void> {
  await target.hover();
  await target.getByRole('button', { name: action }).click();
}

test('civil servants message each other: a DM with a reply, an edit and a file; a notice with receipts; offline sending, search and a cold start; 涉密不上网', async ({ browser, homeserver }) => {
  const zhang = await open(browser, homeserver, org.zhang, '张伟');
  let li = await open(browser, homeserver, org.li, '李娜', { notifications: true });
  const a = zhang.page;
  const b = li.page;

  // 张伟 starts a DM with 李娜, found by name in the directory.
  await a.getByRole('button', { name: '发起聊天' }).click();
  await a.getByRole('menuitem', { name: '发起单聊' }).click();
  // By account: the shared test homeserver holds many a 李娜 from other runs.
  await a.getByLabel('同事').fill(org.li.username);
  await pick(a, org.li);
  await a.getByRole('button', { name: /创\s*建/ }).click();
  await expect(a.getByTestId('room-title')).toHaveText('李娜');
  await send(a, '李娜，明天上午的防汛会商会材料请准备一下');
  await expect(message(a, '防汛会商会材料')).toBeVisible();

  // 李娜 sees the invitation, accepts it, and reads the message.
  await expect(b.getByRole('list', { name: '邀请' })).toBeVisible();
  await b.getByRole('list', { name: '邀请' }).getByRole('button', { name: /接\s*受/ }).click();
  await room(b, '张伟').click();
  await expect(message(b, '防汛会商会材料')).toBeVisible();

  // A reply, quoting the message.
  await act(message(b, '防汛会商会材料'), '回复');
  await expect(b.getByText('回复 张伟：')).toBeVisible();
  await send(b, '收到，下午三点前发您');
  const reply = message(a, '收到，下午三点前发您');
  await expect(reply.getByRole('button', { name: /回复 张伟/ })).toBeVisible();

  // An edit: both see the new text, marked 已编辑.
  // The first match is the message itself; 李娜's reply quotes it.
  await act(message(a, '防汛会商会材料').first(), '编辑');
  await expect(composer(a)).toHaveValue('李娜，明天上午的防汛会商会材料请准备一下');
  await composer(a).fill('李娜，明天上午九点的防汛会商会材料请准备一下');
  await composer(a).press('Enter');
  await expect(message(b, '九点的防汛会商会').first()).toContainText('已编辑');
  await expect(message(a, '九点的防汛会商会').first()).toContainText('已编辑');

  // A file: 李娜 sends it, 张伟 downloads it.
  await b.locator('input[type=file]').setInputFiles({ name: '会商会材料.txt', mimeType: 'text/plain', buffer: Buffer.from('一、汛情通报\n二、防御部署\n') });
  const file = message(a, '会商会材料.txt');
  await expect(file.getByRole('button', { name: '下载 会商会材料.txt' })).toBeVisible();
  const [download] = await Promise.all([a.waitForEvent('download'), file.getByRole('button', { name: '下载 会商会材料.txt' }).click()]);
  expect(download.suggestedFilename()).toBe('会商会材料.txt');

  // A group of three for a notice. 王强 joins from his own raw client and never reads.
  await a.getByRole('button', { name: '发起聊天' }).click();
  await a.getByRole('menuitem', { name: '发起群聊' }).click();
  await a.getByLabel('群名称').fill('防汛工作专班');
  for (const user of [org.li, org.wang]) {
    await a.getByLabel('成员').fill(user.username);
    await pick(a, user);
  }
  // The member list stays open for more picks; leaving the field closes it.
  await a.getByLabel('群名称').click();
  await a.getByRole('button', { name: /创\s*建/ }).click();
  await expect(a.getByTestId('room-title')).toHaveText('防汛工作专班');
  const invited = async () => Object.keys((await asUser<{ rooms?: { invite?: Record<string, unknown> } }>(homeserver, org.wang, 'GET', '/_matrix/client/v3/sync?timeout=0')).rooms?.invite ?? {});
  await expect.poll(invited).toHaveLength(1);
  const [groupId] = await invited();
  await asUser(homeserver, org.wang, 'POST', `/_matrix/client/v3/rooms/${encodeURIComponent(groupId as string)}/join`, {});
  // 李娜 accepts from the list, staying in the DM: she has not seen the group yet.
  await b.getByRole('list', { name: '邀请' }).getByRole('button', { name: /接\s*受/ }).click();
  await expect(room(b, '防汛工作专班')).toBeVisible();
  await expect(a.getByText('3 位成员')).toBeVisible();

  await send(a, '关于做好防汛工作的通知：请各处室于今日17时前报送值班表。');
  const notice = message(a, '报送值班表');
  await expect(notice.getByTestId('receipts')).toHaveText('0 人已读 / 2 人未读');
  await expect(room(b, '防汛工作专班')).toHaveAccessibleName(/1 条未读/);
  await expect(b.getByTestId('menu-badge-messages')).toContainText('1');
  // Browser mode shows core's shell events itself: the unread count in the title, and a notification.
  await expect(b).toHaveTitle('(1) 政务协同桌面 GovDesk');
  await expect.poll(() => shownNotifications(b)).toContainEqual(expect.stringContaining('报送值班表'));
  await b.screenshot({ path: path.join(screenshotDir, 'messages-rooms.png') });

  // 李娜 clicks the notification: the group opens at the notice. One has read it, one has not, and the lists say who.
  await b.evaluate(() => {
    const page = globalThis as unknown as NotifyingPage;
    page.shownNotifications.find((shown) => shown.body.includes('报送值班表'))?.dispatchEvent(new page.Event('click'));
  });
  await expect(b.getByTestId('room-title')).toHaveText('防汛工作专班');
  await expect(b.locator('[data-testid=message][aria-current=true]')).toContainText('报送值班表');
  await expect(b).toHaveTitle('政务协同桌面 GovDesk');
  await expect(notice.getByTestId('receipts')).toHaveText('1 人已读 / 1 人未读');
  await notice.getByTestId('receipts').click();
  const lists = a.getByRole('dialog', { name: '阅读情况' });
  await expect(lists.getByRole('region', { name: '已读 1' })).toContainText('李娜');
  await expect(lists.getByRole('region', { name: '未读 1' })).toContainText('王强');
  // The lists' text is there before the popover has finished appearing; the screenshot waits for it to show.
  await expect(lists).toBeVisible();
  await a.screenshot({ path: path.join(screenshotDir, 'messages-receipts.png'), animations: 'disabled' });
  await a.keyboard.press('Escape');

  // 李娜's network goes away. She writes three messages; each waits as 发送中.
  li.proxy.cut();
  await expect(b.getByText('消息离线，恢复网络后自动发送')).toBeVisible();
  const offline = ['值班表已汇总', '第二批名单稍后补充', '请张处审阅'];
  for (const text of offline) {
    await send(b, text);
    await expect(message(b, text).getByTestId('send-state')).toHaveText('发送中');
  }

  // Offline, search still finds what the cache holds, for a word and for one character, and a hit opens the message.
  const search = b.getByRole('textbox', { name: '搜索' });
  await search.fill('防汛');
  const hits = b.getByRole('list', { name: '聊天记录' });
  await expect(hits.locator('mark').first()).toHaveText('防汛');
  await expect(hits.getByRole('button', { name: /报送值班表/ })).toBeVisible();
  await expect(hits.getByRole('button', { name: /防汛会商会/ })).toBeVisible();
  await search.fill('汛');
  // The marks say which query the list answers.
  await expect(hits.locator('mark').first()).toHaveText('汛');
  await expect(hits.getByRole('button', { name: /报送值班表/ })).toBeVisible();
  await b.screenshot({ path: path.join(screenshotDir, 'messages-search.png') });
  await hits.getByRole('button', { name: /防汛会商会/ }).click();
  await expect(b.getByTestId('room-title')).toHaveText('张伟');
  await expect(b.locator('[data-testid=message][aria-current=true]')).toContainText('九点的防汛会商会');

  // Still offline, her app quits and starts again: rooms and messages come from the cache, the three still wait.
  li = { ...li, app: await li.app.restart() };
  apps.push(li.app);
  await b.goto(li.app.url);
  await expect(b.getByTestId('current-user')).toHaveText('李娜');
  await expect(room(b, '张伟')).toBeVisible();
  await room(b, '防汛工作专班').click();
  await expect(message(b, '报送值班表')).toBeVisible();
  await expect(message(b, '请张处审阅').getByTestId('send-state')).toHaveText('发送中');

  // The network comes back: 张伟 gets the three, in order, once each.
  li.proxy.restore();
  await expect(message(a, '请张处审阅')).toBeVisible({ timeout: 30_000 });
  await expect.poll(async () => (await messages(a).allInnerTexts()).flatMap((text) => offline.filter((sent) => text.includes(sent)))).toEqual(offline);
  await expect(message(b, '请张处审阅').getByTestId('send-state')).toHaveCount(0);

  // 涉密不上网: a marked message is refused on this device, the text stays, and the homeserver never gets it.
  const marked = '机密★1年\n关于防汛物资调拨的请示';
  await composer(a).fill(marked);
  await composer(a).press('Enter');
  await expect(a.getByRole('alert')).toHaveText('涉密信息不得在本系统处理（涉密不上网，上网不涉密）');
  await expect(composer(a)).toHaveValue(marked);
  const history = await asUser<{ chunk: { content?: { body?: string } }[] }>(homeserver, org.li, 'GET', `/_matrix/client/v3/rooms/${encodeURIComponent(groupId as string)}/messages?dir=b&limit=100`);
  expect(history.chunk.map((event) => event.content?.body ?? '').filter((body) => body.includes('请张处审阅'))).toHaveLength(1);
  expect(history.chunk.some((event) => (event.content?.body ?? '').includes('机密'))).toBe(false);
});
