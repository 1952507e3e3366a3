import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from '@playwright/test';
import type { GovdeskBridge } from '@govdesk/shared';
import { desktopDir } from '../../build/lib/desktop-build.ts';
import { electronExecutable } from '../../build/lib/electron.ts';
import { expect, test } from './fixtures.ts';

/**
 * The desktop app in real Electron: the unpacked app (desktop/, which loads
 * desktop/dist/main/main.cjs) with a fresh profile. This needs an Electron
 * binary, which machines without internet access do not have (since
 * Electron 42 it is downloaded on first use), so the file skips itself
 * then; the rest of the suite covers the renderer in browser mode and main's
 * logic statically (docs/security.md). It never imports electron: the binary
 * is found by electronExecutable() and given to Playwright explicitly.
 */

const executable = electronExecutable();

test.skip(executable === null, 'no Electron binary on this machine; set ELECTRON_OVERRIDE_DIST_PATH to run it');

interface Launched {
  app: ElectronApplication;
  page: Page;
  profile: string;
}

/** What the page's global object offers (this project compiles without DOM types; the callbacks run in the page). */
interface PageGlobals {
  govdesk: GovdeskBridge;
  open(url: string): unknown;
  location: { href: string };
  Notification: { requestPermission(): Promise<string> };
  routes: unknown[];
  require?: unknown;
  process?: unknown;
  ipcRenderer?: unknown;
}

async function launch(homeserverUrl: string): Promise<Launched> {
  const profile = mkdtempSync(path.join(tmpdir(), 'govdesk-electron-'));
  // Test machines have no keyring: record the consent the user would give in the basic_text dialog, so no dialog waits.
  writeFileSync(path.join(profile, 'storage-consent.json'), JSON.stringify({ weakBackendAccepted: true, backend: 'basic_text', acceptedAt: new Date().toISOString() }));
  const app = await _electron.launch({
    executablePath: executable as string,
    args: [desktopDir],
    env: { ...process.env, GOVDESK_DATA_DIR: profile, GOVDESK_DEFAULT_HOMESERVER_URL: homeserverUrl },
    timeout: 60_000,
  });
  const page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
  return { app, page, profile };
}

test.describe('the Electron shell', () => {
  test('serves the app from app://govdesk with a hardened window and exactly window.govdesk', async ({ homeserver }) => {
    const { app, page } = await launch(homeserver.baseUrl);
    try {
      expect(page.url()).toMatch(/^app:\/\/govdesk\//);
      await expect(page.getByRole('heading', { name: '政务协同桌面' })).toBeVisible();

      const seen = await page.evaluate(() => {
        const scope = globalThis as unknown as PageGlobals;
        let evalBlocked = false;
        try {
          eval('1');
        } catch {
          evalBlocked = true;
        }
        return { keys: Object.keys(scope.govdesk).sort(), require: typeof scope.require, process: typeof scope.process, ipcRenderer: typeof scope.ipcRenderer, evalBlocked };
      });
      expect(seen).toEqual({ keys: ['invoke', 'on'], require: 'undefined', process: 'undefined', ipcRenderer: 'undefined', evalBlocked: true });

      const invoke = (method: string, params: unknown) => page.evaluate(([m, p]) => (globalThis as unknown as PageGlobals).govdesk.invoke(m as string, p), [method, params] as const);
      expect(await invoke('app.defaults', {})).toEqual({ ok: true, result: { homeserverUrl: homeserver.baseUrl } });
      expect(await invoke('shell.openExternal', { url: 'file:///etc/passwd' })).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
      expect(await invoke('session.login', { homeserverUrl: 'file:///etc' })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });

      // Not in Electron's typings, but present in current versions: the preferences the window really got.
      const preferences = await app.evaluate(({ BrowserWindow }) => {
        const contents = BrowserWindow.getAllWindows()[0]?.webContents as unknown as { getLastWebPreferences?: () => unknown } | undefined;
        return contents?.getLastWebPreferences?.() ?? null;
      });
      if (preferences !== null) {
        expect(preferences).toMatchObject({
          contextIsolation: true,
          sandbox: true,
          nodeIntegration: false,
          nodeIntegrationInWorker: false,
          webSecurity: true,
          allowRunningInsecureContent: false,
          experimentalFeatures: false,
          webviewTag: false,
          navigateOnDragDrop: false,
        });
      }
    } finally {
      await app.close();
    }
  });

  test('refuses navigation away from the app and new windows', async ({ homeserver }) => {
    const { app, page } = await launch(homeserver.baseUrl);
    try {
      // file: is neither the app nor a link the OS may open, so nothing leaves the test machine either.
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).open('file:///etc/hosts'))).toBeNull();
      await page.evaluate(() => {
        (globalThis as unknown as PageGlobals).location.href = 'file:///etc/hosts';
      });
      await page.waitForTimeout(500);
      expect(page.url()).toMatch(/^app:\/\/govdesk\//);
      expect(app.windows()).toHaveLength(1);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).Notification.requestPermission())).toBe('denied');
    } finally {
      await app.close();
    }
  });

  test('hands a govdesk:// link from a second instance to the renderer, and refuses a bad one', async ({ homeserver }) => {
    const { app, page, profile } = await launch(homeserver.baseUrl);
    try {
      await page.evaluate(() => {
        const scope = globalThis as unknown as PageGlobals;
        scope.routes = [];
        scope.govdesk.on('app.navigate', (payload) => scope.routes.push(payload));
      });
      const secondInstance = (link: string) =>
        new Promise<void>((resolve) => {
          const child = spawn(executable as string, [desktopDir, ...(process.platform === 'linux' ? ['--no-sandbox'] : []), link], { env: { ...process.env, GOVDESK_DATA_DIR: profile }, stdio: 'ignore' });
          child.on('exit', () => resolve());
        });
      await secondInstance('govdesk://settings');
      await secondInstance('govdesk://documents');
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).routes.length > 0);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).routes)).toEqual([{ route: '/documents' }]);
    } finally {
      await app.close();
    }
  });
});
