import path from 'node:path';
import type { Page } from '@playwright/test';
import { createTestOrganisation, type TestOrganisation } from '../support/organisation.ts';
import { startSyncServer, type SyncServerProcess } from '../support/sync-server.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import type { TestUser } from '../support/matrix.ts';
import { expect, launchDesktopApp, screenshotDir, test, type DesktopApp } from './fixtures.ts';

/**
 * Two civil servants, each with their own desktop app (browser mode: the
 * real renderer, the real core with its own encrypted cache) whose network to
 * the real sync-server runs through a proxy the test can cut.
 */

test.describe.configure({ mode: 'serial' });

let org: TestOrganisation;
let server: SyncServerProcess;
const proxies: TcpProxy[] = [];
const apps: DesktopApp[] = [];

test.beforeAll(async ({ homeserver }) => {
  org = await createTestOrganisation(homeserver);
  server = await startSyncServer({ homeserver, directory: org.directory });
});

test.afterAll(async () => {
  for (const app of apps) await app.stop();
  for (const proxy of proxies) await proxy.close();
  await server?.stop();
});

async function launch(homeserverUrl: string): Promise<{ app: DesktopApp; proxy: TcpProxy }> {
  const proxy = await TcpProxy.start(server.url);
  proxies.push(proxy);
  const app = await launchDesktopApp({ homeserverUrl, syncServerUrl: proxy.url });
  apps.push(app);
  return { app, proxy };
}

async function logIn(page: Page, app: DesktopApp, user: TestUser, displayName: string): Promise<void> {
  await page.goto(app.url);
  await page.getByLabel('账号').fill(user.username);
  await page.getByLabel('密码').fill(user.password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await expect(page.getByTestId('current-user')).toHaveText(displayName);
}

const body = (page: Page) => page.getByTestId('document-body');
const status = (page: Page) => page.getByTestId('document-status');

test('two users co-edit a document; one edits offline, restarts, reconnects, and both converge', async ({ browser, homeserver }) => {
  const zhang = await launch(homeserver.baseUrl);
  let li = await launch(homeserver.baseUrl);
  const zhangContext = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const liContext = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const a = await zhangContext.newPage();
  const b = await liContext.newPage();

  // 张伟 drafts a notice and shares it with 李娜.
  await logIn(a, zhang.app, org.zhang, '张伟');
  await a.getByRole('menuitem', { name: '公文' }).click();
  await a.getByRole('button', { name: '新建公文' }).click();
  await a.getByLabel('标题').fill('关于做好2026年防汛工作的通知');
  await a.getByRole('button', { name: /创\s*建/ }).click();
  await expect(a.getByTestId('document-title')).toHaveText('关于做好2026年防汛工作的通知');
  await expect(status(a)).toHaveText('已保存到服务器');
  await a.getByRole('button', { name: '共享' }).click();
  await a.getByLabel('用户').fill(org.li.userId);
  await a.getByRole('button', { name: /共\s*享/ }).last().click();
  await expect(a.getByText(`已共享给 ${org.li.userId}`)).toBeVisible();

  await body(a).click();
  await a.keyboard.type('各地级以上市人民政府：');
  await expect(status(a)).toHaveText('已保存到服务器');

  // 李娜 finds it in her list and sees 张伟's text.
  await logIn(b, li.app, org.li, '李娜');
  await b.getByRole('menuitem', { name: '公文' }).click();
  await expect(b.getByText('关于做好2026年防汛工作的通知')).toBeVisible();
  await b.screenshot({ path: path.join(screenshotDir, 'documents-list-li.png') });
  await b.getByText('关于做好2026年防汛工作的通知').click();
  await expect(body(b)).toContainText('各地级以上市人民政府：');

  // Edits go both ways.
  await body(b).click();
  await b.keyboard.press('End');
  await b.keyboard.press('Enter');
  await b.keyboard.type('现将有关事项通知如下。');
  await expect(body(a)).toContainText('现将有关事项通知如下。');
  await expect(status(b)).toHaveText('已保存到服务器');
  await a.screenshot({ path: path.join(screenshotDir, 'editor-online-zhang.png') });

  // 李娜's network goes away; she keeps writing.
  li.proxy.cut();
  await expect(status(b)).toHaveText(/离线/);
  await body(b).click();
  await b.keyboard.press('End');
  await b.keyboard.press('Enter');
  await b.keyboard.type('一、加强组织领导（离线补充）');
  await expect(status(b)).toHaveText('离线 · 修改已保存在本机，联网后自动同步');
  await b.screenshot({ path: path.join(screenshotDir, 'editor-offline-li.png') });
  // 张伟 meanwhile edits too.
  await body(a).click();
  await a.keyboard.press('End');
  await a.keyboard.press('Enter');
  await a.keyboard.type('二、强化监测预警');
  await expect(body(b)).not.toContainText('二、强化监测预警');

  // 李娜's app quits and starts again, still offline: her edit is still there.
  li = { ...li, app: await li.app.restart() };
  apps.push(li.app);
  await b.goto(li.app.url);
  await expect(b.getByTestId('current-user')).toHaveText('李娜');
  await b.getByRole('menuitem', { name: '公文' }).click();
  await b.getByText('关于做好2026年防汛工作的通知').click();
  await expect(body(b)).toContainText('一、加强组织领导（离线补充）');
  await expect(status(b)).toHaveText(/离线|正在连接/);

  // The network comes back: both converge, and both say so.
  li.proxy.restore();
  await expect(status(b)).toHaveText('已保存到服务器', { timeout: 30_000 });
  await expect(body(a)).toContainText('一、加强组织领导（离线补充）');
  await expect(body(b)).toContainText('二、强化监测预警');
  await expect(status(a)).toHaveText('已保存到服务器');
  await expect.poll(async () => (await body(a).innerText()) === (await body(b).innerText())).toBe(true);
  await b.screenshot({ path: path.join(screenshotDir, 'editor-converged-li.png') });

  await zhangContext.close();
  await liContext.close();
});

test('Chinese IME composition lands as the committed characters, for the writer and for a co-editor', async ({ browser, homeserver }) => {
  const zhang = await launch(homeserver.baseUrl);
  const li = await launch(homeserver.baseUrl);
  const zhangContext = await browser.newContext({ locale: 'zh-CN' });
  const liContext = await browser.newContext({ locale: 'zh-CN' });
  const a = await zhangContext.newPage();
  const b = await liContext.newPage();
  await logIn(a, zhang.app, org.zhang, '张伟');
  await a.getByRole('menuitem', { name: '公文' }).click();
  await a.getByRole('button', { name: '新建公文' }).click();
  await a.getByLabel('标题').fill('输入法测试');
  await a.getByRole('button', { name: /创\s*建/ }).click();
  await a.getByRole('button', { name: '共享' }).click();
  await a.getByLabel('用户').fill(org.li.userId);
  await a.getByRole('button', { name: /共\s*享/ }).last().click();
  await expect(a.getByText(`已共享给 ${org.li.userId}`)).toBeVisible();
  await logIn(b, li.app, org.li, '李娜');
  await b.getByRole('menuitem', { name: '公文' }).click();
  await b.getByText('输入法测试').click();

  // Pinyin composition as a real IME produces it (compositionstart/update/end), through Chromium's DevTools protocol.
  await body(a).click();
  const cdp = await a.context().newCDPSession(a);
  for (const [steps, committed] of [
    [['t', 'to', 'ton', 'tong', 'tongz', 'tongzh', 'tongzhi'], '通知'],
    [['r', 'ru', 'ruxia', 'ruxiao'], '如下'],
  ] as const) {
    for (const text of steps) await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length });
    await cdp.send('Input.insertText', { text: committed });
  }
  await expect(body(a)).toHaveText('通知如下');
  await expect(body(b)).toHaveText('通知如下');
  await expect(status(a)).toHaveText('已保存到服务器');
  await zhangContext.close();
  await liContext.close();
});
