/**
 * npm start — the whole GovDesk stack on this machine:
 *   1. a Matrix homeserver (provisioned on first run),
 *   2. demo data on first run (an organisation, six accounts, and conversations
 *      in the 秘书一处 group and a DM), and the accounts added to the demo since,
 *   3. the sync-server,
 *   4. the desktop app: Electron when its binary is present, else browser mode.
 * Ctrl-C stops everything. Each service is watched: when one exits, while
 * starting or later, start fails at once with its last lines, and a taken port
 * is named with the variable that moves it. A sync-server counts as started only
 * when /healthz answers with the instance ID it was given, so another process
 * answering on its port is never taken for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { say, seconds } from '../lib/log.ts';
import { repoRoot, runDir } from '../lib/paths.ts';
import { commandExists } from '../lib/process.ts';
import { assertPortFree, portFromEnv, ServiceError, startService, waitForHealthy, type Service, type ServicePort } from '../lib/services.ts';
import { buildDesktop, desktopDir, mainBundle } from '../lib/desktop-build.ts';
import { electronExecutable } from '../lib/electron.ts';
import { HomeserverUnavailableError, startHomeserver, stopHomeserver, watchHomeserver } from '../homeserver/index.ts';
import { DemoSeedError, seedDemoMessages } from '../seed/messages.ts';
import { seedDemo, type SeededAccount } from '../seed/seed.ts';

const stateDir = path.join(runDir, 'dev');

const services: Service[] = [];
let browser: ChildProcess | null = null;
let homeserverStarting = false;
let stopping: Promise<void> | null = null;

function stopAll(): Promise<void> {
  stopping ??= (async () => {
    say('stopping GovDesk…');
    browser?.kill('SIGTERM');
    for (const service of services.reverse()) await service.stop();
    // A start that failed before the homeserver step leaves alone whatever homeserver is running.
    if (homeserverStarting) await stopHomeserver('dev');
    say('stopped');
  })();
  return stopping;
}

/** A service that exits after it has started takes the whole stack down, saying why. */
function watch(service: Service): void {
  void service.died.then((error) => {
    if (stopping) return;
    say(error.message);
    void stopAll().then(() => process.exit(1));
  });
}

function printAccounts(accounts: SeededAccount[]): void {
  const width = Math.max(...accounts.map((account) => account.userId.length));
  const file = path.join(stateDir, 'demo-accounts.json');
  const shown = path.relative(repoRoot, file).startsWith('..') ? file : path.relative(repoRoot, file);
  process.stdout.write(`\n  演示账号 Demo accounts (passwords are kept in ${shown})\n`);
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

  const sync: ServicePort = { port: portFromEnv('GOVDESK_SYNC_PORT', 8780), variable: 'GOVDESK_SYNC_PORT' };
  const app: ServicePort = { port: portFromEnv('GOVDESK_BROWSER_PORT', 5190, 0), variable: 'GOVDESK_BROWSER_PORT' };
  const electron = electronExecutable();
  // Taken ports are found before the homeserver and the build, which can take minutes.
  await assertPortFree('sync-server', sync);
  if (!electron && app.port !== 0) await assertPortFree('browser mode', app);

  say('starting the Matrix homeserver…');
  homeserverStarting = true;
  const { homeserver, reused } = await startHomeserver('dev');
  say(`homeserver healthy after ${seconds(started)} (${homeserver.backend}${reused ? ', already running' : ''}) at ${homeserver.baseUrl}`);
  // Synapse runs detached, so it is watched by asking it, not by its exit.
  watchHomeserver(homeserver, (why) => {
    if (stopping) return;
    say(why);
    void stopAll().then(() => process.exit(1));
  });

  const seed = await seedDemo(homeserver, stateDir);
  if (seed.registered.length === seed.accounts.length) say('demo organisation 广东省人民政府办公厅 and its accounts created');
  else if (seed.registered.length > 0) say(`demo accounts added: ${seed.registered.map((account) => `${account.displayName} (${account.userId})`).join(', ')}`);
  // A failure stops the start here, with the reason: a half-seeded demo is never shown as if it were whole.
  if (await seedDemoMessages(homeserver, stateDir, seed)) say('demo conversations created: the group 秘书一处 (a 防汛 notice, a reply, a file) and a DM between 张伟 and 李娜');

  const buildStarted = performance.now();
  say(`desktop app ${await buildDesktop()} (${seconds(buildStarted)})`);

  const instanceId = randomUUID();
  const syncServer = startService('sync-server', 'sync-server/src/main.ts', [], {
    logDir: stateDir,
    port: sync,
    env: {
      GOVDESK_SYNC_PORT: String(sync.port),
      GOVDESK_SYNC_DATA_DIR: path.join(stateDir, 'sync-server'),
      GOVDESK_SYNC_HOMESERVERS: JSON.stringify({ [homeserver.serverName]: homeserver.baseUrl }),
      GOVDESK_SYNC_DIRECTORY_FILE: seed.directoryFile,
      GOVDESK_SYNC_INSTANCE_ID: instanceId,
    },
  });
  services.push(syncServer);
  const syncUrl = `http://127.0.0.1:${sync.port}`;
  await waitForHealthy(syncServer, `${syncUrl}/healthz`, instanceId);
  watch(syncServer);
  say(`sync-server healthy at ${syncUrl} (log: ${syncServer.logFile})`);

  const appEnv = {
    GOVDESK_DEFAULT_HOMESERVER_URL: homeserver.baseUrl,
    GOVDESK_SYNC_SERVER_URL: syncUrl,
    GOVDESK_DATA_DIR: path.join(stateDir, 'desktop'),
  };
  if (electron && existsSync(mainBundle)) {
    say(`opening the desktop app in Electron (${electron})`);
    const desktop = spawn(electron, [desktopDir], { env: { ...process.env, ...appEnv }, stdio: 'inherit' });
    // Closing the app ends the stack; a crash ends it too, with its exit status (its output is in this terminal).
    desktop.on('exit', (code, signal) => {
      // After Ctrl-C the app ends by our signal, which is no failure.
      const failed = code !== 0 && stopping === null;
      if (failed) say(`the desktop app exited with ${code ?? signal}; see its output above`);
      void stopAll().then(() => process.exit(failed ? 1 : 0));
    });
  } else {
    say('no Electron binary here: opening the desktop app in browser mode');
    const desktop = startService('desktop', 'desktop/src/web/main.ts', ['--port', String(app.port)], { logDir: stateDir, env: appEnv, port: app });
    services.push(desktop);
    // The URL line comes from this child's own stdout, so nothing else can answer for it.
    const [, url] = await desktop.line(/^GOVDESK_APP_URL=(.+)$/);
    watch(desktop);
    process.stdout.write(`\n  政务协同桌面 GovDesk (browser mode): ${url}\n`);
    await openBrowser(url as string);
  }
  printAccounts(seed.accounts);
  say(`GovDesk is up after ${seconds(started)}. Press Ctrl-C to stop.`);
}

main().catch(async (error: unknown) => {
  // These messages say what is wrong and what to do; for anything else the stack is the best there is.
  const explained = error instanceof HomeserverUnavailableError || error instanceof ServiceError || error instanceof DemoSeedError;
  say(explained ? `npm start failed: ${error.message}` : `npm start failed: ${(error as Error).stack ?? String(error)}`);
  await stopAll();
  process.exit(1);
});
