import path from 'node:path';
import { expect, screenshotDir, test } from './fixtures.ts';

test.describe('first screen and login', () => {
  test('shows the login screen in Chinese, refuses a wrong password, logs in and out', async ({ page, desktopApp, homeserver, newUser }) => {
    const user = await newUser('zhangwei', '张伟');
    await page.goto(desktopApp.url);

    // The launch secret leaves the address bar as soon as the bridge has it.
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: '政务协同桌面' })).toBeVisible();
    await expect(page.getByText('办文 · 办事 · 办会，一个桌面')).toBeVisible();
    await expect(page.getByText('本系统严禁处理涉密信息（涉密不上网，上网不涉密）')).toBeVisible();
    await expect(page.getByLabel('服务器地址')).toHaveValue(homeserver.baseUrl);
    await page.screenshot({ path: path.join(screenshotDir, 'login-zh-CN.png') });

    // Form validation is local and in Chinese.
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await expect(page.getByText('请输入账号')).toBeVisible();
    await expect(page.getByText('请输入密码')).toBeVisible();

    await page.getByLabel('账号').fill(user.username);
    await page.getByLabel('密码').fill('wrong password');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await expect(page.getByRole('alert')).toHaveText('账号或密码不正确');

    await page.getByLabel('密码').fill(user.password);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await expect(page.getByTestId('current-user')).toHaveText('张伟');
    // The app opens on 消息; 工作台 says who is signed in, where.
    await expect(page.getByRole('menuitem', { name: /消息/ })).toHaveClass(/ant-menu-item-selected/);
    await page.getByRole('menuitem', { name: '工作台' }).click();
    await expect(page.getByText(user.userId)).toBeVisible();
    await page.screenshot({ path: path.join(screenshotDir, 'workspace-zh-CN.png') });

    // A reload keeps the session: it lives in core, not in the page.
    await page.reload();
    await expect(page.getByTestId('current-user')).toHaveText('张伟');

    await page.getByRole('button', { name: '退出登录' }).click();
    await expect(page.getByRole('heading', { name: '政务协同桌面' })).toBeVisible();
  });

  test('switches to English and back, for every window of the app', async ({ page, context, desktopApp }) => {
    await page.goto(desktopApp.url);
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.getByRole('heading', { name: 'GovDesk' })).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Server', exact: true })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await page.screenshot({ path: path.join(screenshotDir, 'login-en.png') });

    // Core keeps the choice: a reload, and another window of the same app, start in English.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'GovDesk' })).toBeVisible();
    const other = await context.newPage();
    await other.goto(desktopApp.url);
    await expect(other.getByRole('heading', { name: 'GovDesk' })).toBeVisible();
    await expect(other.locator('html')).toHaveAttribute('lang', 'en');

    // And a switch in one window reaches the other.
    await page.getByRole('button', { name: '中文' }).click();
    await expect(page.getByLabel('服务器地址')).toBeVisible();
    await expect(other.getByLabel('服务器地址')).toBeVisible();
    await expect(other.locator('html')).toHaveAttribute('lang', 'zh-CN');
  });

  test('refuses to open without the launch secret', async ({ page, desktopApp }) => {
    await page.goto(new URL(desktopApp.url).origin);
    // The page loads, but core answers nobody who lacks the secret: the login form cannot learn its defaults.
    await expect(page.getByLabel('服务器地址')).toHaveValue('');
    await page.getByLabel('服务器地址').fill('http://127.0.0.1:1');
    await page.getByLabel('账号').fill('x');
    await page.getByLabel('密码').fill('y');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await expect(page.getByRole('alert')).toHaveText('本地服务不可用，请重新启动应用');
  });
});
