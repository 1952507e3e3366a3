import path from 'node:path';
import type { Page } from '@playwright/test';
import { createTestOrganisation, type TestOrganisation } from '../support/organisation.ts';
import { startSyncServer, type SyncServerProcess } from '../support/sync-server.ts';
import type { TestUser } from '../support/matrix.ts';
import { expect, launchDesktopApp, screenshotDir, test, type DesktopApp } from './fixtures.ts';

/**
 * 通讯录 in browser mode: the real renderer and core, the real sync-server
 * holding the directory, the real homeserver for the message that follows.
 */

test.describe.configure({ mode: 'serial' });

let org: TestOrganisation;
let server: SyncServerProcess;
const apps: DesktopApp[] = [];

test.beforeAll(async ({ homeserver }) => {
  org = await createTestOrganisation(homeserver);
  server = await startSyncServer({ homeserver, directory: org.directory });
});

test.afterAll(async () => {
  for (const app of apps) await app.stop();
  await server?.stop();
});

async function open(page: Page, homeserverUrl: string, user: TestUser, displayName: string): Promise<void> {
  const app = await launchDesktopApp({ homeserverUrl, syncServerUrl: server.url });
  apps.push(app);
  await page.goto(app.url);
  await page.getByLabel('账号').fill(user.username);
  await page.getByLabel('密码').fill(user.password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await expect(page.getByTestId('current-user')).toHaveText(displayName);
  await page.getByRole('menuitem', { name: '通讯录' }).click();
}

test('a civil servant finds 张伟 by zw, reads his card and messages him in one click', async ({ browser, homeserver }) => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await open(page, homeserver.baseUrl, org.li, '李娜');

  await page.getByRole('textbox', { name: '搜索通讯录' }).fill('zw');
  const people = page.getByRole('list', { name: '人员' });
  await expect(people.getByRole('button', { name: /张伟/ })).toBeVisible();
  await people.getByRole('button', { name: /张伟/ }).click();
  const card = page.getByTestId('person-card');
  await expect(card).toContainText('张伟');
  await expect(card).toContainText('处长');
  await expect(card).toContainText('广东省人民政府办公厅秘书一处');
  await expect(card).toContainText(org.zhang.userId);
  await page.screenshot({ path: path.join(screenshotDir, 'directory-card.png') });

  // A unit's name lists its people.
  await page.getByRole('textbox', { name: '搜索通讯录' }).fill('督查室');
  await expect(people.getByRole('button', { name: /王强/ })).toBeVisible();

  // Back to 张伟: 发消息 opens a DM with him.
  await page.getByRole('textbox', { name: '搜索通讯录' }).fill('张伟');
  await people.getByRole('button', { name: /张伟/ }).click();
  await card.getByRole('button', { name: /发消息/ }).click();
  await expect(page.getByTestId('room-title')).toHaveText('张伟');
  await expect(page.getByRole('menuitem', { name: /消息/ })).toHaveClass(/ant-menu-item-selected/);
  await context.close();
});

test('an enterprise liaison is told the directory is for civil servants, and sees none of it', async ({ browser, homeserver }) => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await open(page, homeserver.baseUrl, org.liaison, '陈静');
  await page.getByRole('textbox', { name: '搜索通讯录' }).fill('zw');
  await expect(page.getByText('通讯录仅向公务员开放')).toBeVisible();
  await expect(page.getByRole('list', { name: '人员' })).toHaveCount(0);
  await context.close();
});
