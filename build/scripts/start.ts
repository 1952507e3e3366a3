/**
 * npm start — the whole GovDesk stack on this machine:
 *   1. a Matrix homeserver (provisioned on first run),
 *   2. demo data on first run (an organisation and five accounts),
 *   3. the sync-server,
 *   4. the desktop app: Electron when its binary is present, else browser mode.
 * Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { say, seconds } from '../lib/log.ts';
import { runDir } from '../lib/paths.ts';
import { commandExists } from '../lib/process.ts';
import { startService, waitForHttp, type Service } from '../lib/services.ts';
import { buildDesktop, desktopDir, mainBundle } from '../lib/desktop-build.ts';
import { electronExecutable } from '../lib/electron.ts';
import { HomeserverUnavailableError, startHomeserver, stopHomeserver } from '../homeserver/index.ts';
import { seedDemo, type SeededAccount } from '../seed/seed.ts';

const stateDir = path.join(runDir, 'dev');
const syncPort = Number(process.env.GOVDESK_SYNC_PORT ?? 8780);
const appPort = Number(process.env.GOVDESK_BROWSER_PORT ?? 5190);

const services: Service[] = [];
let browser: ChildProcess | null = null;
let stopping: Promise<void> | null = null;

function stopAll(): Promise<void> {
  stopping ??= (async () => {
    say('stopping GovDesk…');
    browser?.kill('SIGTERM');
    for (const service of services.reverse()) await service.stop();
    await stopHomeserver('dev');
    say('stopped');
  })();
  return stopping;
}

function printAccounts(accounts: SeededAccount[]): void {
  const width = Math.max(...accounts.map((account) => account.userId.length));
  process.stdout.write('\n  演示账号 Demo accounts (passwords are kept in .run/dev/demo-accounts.json)\n');
  for (const account of accounts) {
    process.stdout.write(`    ${account.userId.padEnd(width)}  ${account.password}  ${account.displayName}  ${account.role}\n`);
  }
  process.stdout.write('\n');
}

async function openBrowser(url: string): Promise<void> {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    say('no graphical display here: open the URL above in Chromium or Chrome');
    return;
  }
  for (const candidate of ['chromium', 'chromium-browser', 'google-chrome']) {
    if (await commandExists(candidate)) {
      browser = spawn(candidate, [`--app=${url}`, `--user-data-dir=${path.join(stateDir, 'chromium-profile')}`, '--no-first-run', '--disable-background-networking'], { stdio: 'ignore' });
      return;
    }
  }
  say('no Chromium or Chrome found: open the URL above in a browser');
}

async function main(): Promise<void> {
  const started = performance.now();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stopAll().then(() => process.exit(0)));

  say('starting the Matrix homeserver…');
  const { homeserver, reused } = await startHomeserver('dev');
  say(`homeserver healthy after ${seconds(started)} (${homeserver.backend}${reused ? ', already running' : ''}) at ${homeserver.baseUrl}`);

  const seed = await seedDemo(homeserver, stateDir);
  if (seed.seededNow) say('demo organisation 广东省人民政府办公厅 and its accounts created');

  const buildStarted = performance.now();
  say(`desktop app ${await buildDesktop()} (${seconds(buildStarted)})`);

  const syncServer = startService('sync-server', 'sync-server/src/main.ts', [], {
    logDir: stateDir,
    env: {
      GOVDESK_SYNC_PORT: String(syncPort),
      GOVDESK_SYNC_DATA_DIR: path.join(stateDir, 'sync-server'),
      GOVDESK_SYNC_HOMESERVERS: JSON.stringify({ [homeserver.serverName]: homeserver.baseUrl }),
      GOVDESK_SYNC_DIRECTORY_FILE: seed.directoryFile,
    },
  });
  services.push(syncServer);
  const syncUrl = `http://127.0.0.1:${syncPort}`;
  await waitForHttp(`${syncUrl}/healthz`, 30_000, syncServer);
  say(`sync-server healthy at ${syncUrl} (log: ${syncServer.logFile})`);

  const appEnv = {
    GOVDESK_DEFAULT_HOMESERVER_URL: homeserver.baseUrl,
    GOVDESK_SYNC_SERVER_URL: syncUrl,
    GOVDESK_DATA_DIR: path.join(stateDir, 'desktop'),
  };
  const electron = electronExecutable();
  if (electron && existsSync(mainBundle)) {
    say(`opening the desktop app in Electron (${electron})`);
    const app = spawn(electron, [desktopDir], { env: { ...process.env, ...appEnv }, stdio: 'inherit' });
    app.on('exit', () => void stopAll().then(() => process.exit(0)));
  } else {
    say('no Electron binary here: opening the desktop app in browser mode');
    const app = startService('desktop', 'desktop/src/web/main.ts', ['--port', String(appPort)], { logDir: stateDir, env: appEnv });
    services.push(app);
    const [, url] = await app.line(/^GOVDESK_APP_URL=(.+)$/);
    process.stdout.write(`\n  政务协同桌面 GovDesk (browser mode): ${url}\n`);
    await openBrowser(url as string);
    void app.exited.then((code) => {
      if (!stopping) {
        say(`the desktop app exited (${code}); see ${app.logFile}`);
        void stopAll().then(() => process.exit(1));
      }
    });
  }
  printAccounts(seed.accounts);
  say(`GovDesk is up after ${seconds(started)}. Press Ctrl-C to stop.`);
}

main().catch(async (error: unknown) => {
  say(error instanceof HomeserverUnavailableError ? error.message : `npm start failed: ${(error as Error).stack ?? String(error)}`);
  await stopAll();
  process.exit(1);
});
