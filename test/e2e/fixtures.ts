import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test as base, expect } from '@playwright/test';
import { recordedHomeserver, type RunningHomeserver } from '../../build/homeserver/index.ts';
import { repoRoot } from '../../build/lib/paths.ts';
import { startService, type Service } from '../../build/lib/services.ts';
import { createTestUser, type TestUser } from '../support/matrix.ts';

export interface DesktopApp {
  url: string;
  service: Service;
  dataDir: string;
  /** Quits the app (its core) and starts it again on the same encrypted cache: a new launch, a new URL. */
  restart(): Promise<DesktopApp>;
  stop(): Promise<void>;
}

export interface DesktopAppOptions {
  homeserverUrl: string;
  syncServerUrl?: string;
  dataDir?: string;
}

/** The real browser-mode launcher (desktop/src/web/main.ts): one app = one core with its own cache and key file. */
export async function launchDesktopApp(options: DesktopAppOptions): Promise<DesktopApp> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'govdesk-e2e-'));
  const service = startService('desktop', 'desktop/src/web/main.ts', ['--port', '0', '--data', dataDir], {
    logDir: dataDir,
    env: { GOVDESK_DEFAULT_HOMESERVER_URL: options.homeserverUrl, ...(options.syncServerUrl ? { GOVDESK_SYNC_SERVER_URL: options.syncServerUrl } : {}) },
  });
  const [, url] = await service.line(/^GOVDESK_APP_URL=(.+)$/);
  return {
    url: url as string,
    service,
    dataDir,
    stop: () => service.stop(),
    async restart() {
      await service.stop();
      return launchDesktopApp({ ...options, dataDir });
    },
  };
}

/** Screenshots worth looking at, kept next to the other test results. */
export const screenshotDir = path.join(repoRoot, 'test-results', 'screens');
mkdirSync(screenshotDir, { recursive: true });

export const test = base.extend<{ homeserver: RunningHomeserver; newUser: (prefix: string, displayName: string) => Promise<TestUser>; desktopApp: DesktopApp }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as the first argument.
  homeserver: async ({}, use) => {
    const homeserver = recordedHomeserver('test');
    if (!homeserver) throw new Error('the test homeserver is not running (global setup starts it)');
    await use(homeserver);
  },
  newUser: async ({ homeserver }, use) => {
    await use((prefix, displayName) => createTestUser(homeserver, prefix, displayName));
  },
  /** The real browser-mode launcher (desktop/src/web/main.ts), one app = one core, with its own data directory. */
  desktopApp: async ({ homeserver }, use) => {
    const app = await launchDesktopApp({ homeserverUrl: homeserver.baseUrl });
    await use(app);
    await app.stop();
  },
});

export { expect };
