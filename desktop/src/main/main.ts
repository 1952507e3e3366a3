/**
 * Electron main: the shell around the renderer and the core process. It owns
 * what only main can do (windows, the app:// protocol, menus, tray,
 * notifications, deep links, safeStorage) and checks everything that crosses
 * into it. docs/security.md lists each hardening measure and where it is.
 *
 * Bundled by build/lib/desktop-build.ts into desktop/dist/main/main.cjs.
 */
import path from 'node:path';
import { app, dialog, session, type BrowserWindow } from 'electron';
import { createApiClient, desktopContract, type Language } from '@govdesk/shared';
import { registerAppScheme, serveAppScheme } from './app-protocol.ts';
import { CacheKeyUnreadableError, loadOrCreateCacheKey } from './cache-key.ts';
import { appFiles, readShellConfig } from './config.ts';
import { CoreConnection, CoreStartError } from './core-connection.ts';
import { spawnCoreProcess } from './core-process.ts';
import { listenForDeepLinks, registerDeepLinkScheme, routeFromCommandLine } from './deep-links.ts';
import { APP_ID } from './identity.ts';
import { log } from './log.ts';
import { installApplicationMenu } from './menu.ts';
import { Notifier } from './notifications.ts';
import { denyAllPermissions } from './permissions.ts';
import { installRendererBridge } from './renderer-bridge.ts';
import { createEncryptedSecretStore } from './secret-file.ts';
import { openSecureStorage } from './secure-storage.ts';
import { languageOf, STRINGS, type DialogText, type MainStrings } from './strings.ts';
import { UnreadIndicator } from './tray.ts';
import { guardAllWebContents } from './web-contents-guard.ts';
import { AppWindows } from './windows.ts';

const config = readShellConfig(process.env);
// Before anything reads userData (the single-instance lock lives there): a separate profile for development and tests.
if (config.dataDir) app.setPath('userData', config.dataDir);
// Windows shows toasts only for an app whose AppUserModelID matches its Start-menu shortcut (electron-builder's appId).
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
// Every renderer sandboxed, including any a future feature forgets to configure.
app.enableSandbox();
registerAppScheme();

async function showDialog(type: 'info' | 'warning' | 'error', text: DialogText, buttons: string[], window?: BrowserWindow): Promise<number> {
  const options = { type, title: text.title, message: text.message, detail: text.detail, buttons, defaultId: 0, cancelId: 0, noLink: true };
  const { response } = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
  return response;
}

function run(): void {
  let windows: AppWindows | null = null;
  // A deep link can arrive before there is a window to show it in: on the first launch's command line, or macOS's open-url.
  let pendingRoute = routeFromCommandLine(process.argv, log);

  const openRoute = (route: string) => {
    if (!windows) {
      pendingRoute = route;
      return;
    }
    windows.sendWhenLoaded(windows.focus(), 'app.navigate', { route });
  };

  app.on('second-instance', (_event, argv) => {
    // The second instance quits at once (below); its argv carries the deep link on Windows and Linux.
    windows?.focus();
    const route = routeFromCommandLine(argv, log);
    if (route !== null) openRoute(route);
  });
  listenForDeepLinks(openRoute, log);
  guardAllWebContents(log);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app
    .whenReady()
    .then(() => ready())
    .catch(async (error: unknown) => {
      log('startup failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      const strings = STRINGS[languageOf(app.getLocale())];
      await showDialog('error', strings.dialogs.startFailed(String(error)), [strings.buttons.quit]);
      app.exit(1);
    });

  async function ready(): Promise<void> {
    // The system's language until core, which keeps the user's choice, is running.
    let strings: MainStrings = STRINGS[languageOf(app.getLocale())];
    denyAllPermissions(session.defaultSession, log);
    const files = appFiles(app.getAppPath());
    serveAppScheme(files.rendererDir);
    installApplicationMenu(strings);
    registerDeepLinkScheme(log);

    const userData = app.getPath('userData');
    const encryptor = await openSecureStorage(userData, strings, log);
    if (!encryptor) {
      app.quit();
      return;
    }

    let databaseKey: Uint8Array;
    try {
      databaseKey = await loadOrCreateCacheKey(path.join(userData, 'cache-key.json'), encryptor, log);
    } catch (error) {
      if (!(error instanceof CacheKeyUnreadableError)) throw error;
      log('the cache key cannot be read', { error: error.message });
      await showDialog('error', strings.dialogs.keyUnreadable(error.file), [strings.buttons.quit]);
      app.quit();
      return;
    }

    const dataDir = path.join(userData, 'core');
    const indicator = new UnreadIndicator(strings, { show: () => windows?.focus(), quit: () => app.quit() });
    const notifier = new Notifier();
    const followLanguage = (language: Language) => {
      strings = STRINGS[language];
      installApplicationMenu(strings);
      indicator.setStrings(strings);
    };
    const core: CoreConnection = new CoreConnection({
      spawn: () => spawnCoreProcess(files.coreHost),
      startOptions: {
        dataDir,
        databaseKeyHex: Buffer.from(databaseKey).toString('hex'),
        defaultHomeserverUrl: config.defaultHomeserverUrl,
        syncServerUrl: config.syncServerUrl,
        secretsInShell: true,
      },
      secrets: createEncryptedSecretStore(path.join(userData, 'secrets.json'), encryptor, log),
      onEvent: (event, payload) => {
        // Validated against the contract by CoreConnection: an app.language payload is { language }.
        if (event === 'app.language') followLanguage((payload as { language: Language }).language);
        windows?.broadcast(event, payload);
      },
      onShellEvent: (message) => {
        if (message.event === 'shell.badge') indicator.update(message.payload.unread, windows?.all() ?? []);
        else
          notifier.show(message.payload, (route) => {
            const window = windows?.focus();
            if (window && route !== null) windows?.sendWhenLoaded(window, 'app.navigate', { route });
          });
      },
      onCrash: ({ restarted }) => void reportCrash(restarted),
      log,
    });
    databaseKey.fill(0);

    async function reportCrash(restarted: boolean): Promise<void> {
      const window = windows?.all()[0];
      if (restarted) {
        await showDialog('warning', strings.dialogs.coreRestarted, [strings.buttons.ok], window);
        // The new core has no replicas of the old one's open documents; a reload reopens them cleanly.
        for (const open of windows?.all() ?? []) open.webContents.reload();
        return;
      }
      if ((await showDialog('error', strings.dialogs.coreGaveUp, [strings.buttons.quit, strings.buttons.retry], window)) !== 1) {
        app.quit();
        return;
      }
      try {
        await core.start();
        for (const open of windows?.all() ?? []) open.webContents.reload();
      } catch (error) {
        log('core could not be started again', { error: String(error) });
        app.quit();
      }
    }

    try {
      await core.start();
    } catch (error) {
      const wrongKey = error instanceof CoreStartError && error.reason === 'wrong_key';
      log('core did not start', { wrongKey, error: String(error) });
      // Never "fix" a wrong key by deleting or recreating the cache: the user's unsynced work may be in it.
      await showDialog('error', wrongKey ? strings.dialogs.wrongKey(dataDir) : strings.dialogs.startFailed(String(error instanceof Error ? error.message : error)), [strings.buttons.quit]);
      app.quit();
      return;
    }

    // Main's own calls into core go through the same typed, validated client as the renderer's.
    const fromMain = createApiClient(desktopContract, { invoke: (method, params) => core.request(method, params, 'main'), on: () => () => {} });
    await fromMain.call('app.language').then(
      ({ language }) => followLanguage(language),
      (error: unknown) => log('the language could not be read from core; menus stay in the system language', { error: String(error) }),
    );

    let stopping: Promise<void> | null = null;
    let coreClosed = false;
    app.on('before-quit', (event) => {
      // Core closes its store before the app goes: SQLite and the sync connections end cleanly.
      if (coreClosed) return;
      event.preventDefault();
      stopping ??= core.stop().finally(() => {
        coreClosed = true;
        indicator.destroy();
        app.quit();
      });
    });

    windows = new AppWindows(files.preload, log);
    // On Windows, closing the window leaves GovDesk in the tray (notifications keep coming); elsewhere trays are unreliable.
    windows.keepInBackgroundWhen(() => process.platform === 'win32' && indicator.hasTray && stopping === null);
    installRendererBridge(windows, core, log);
    app.on('activate', () => windows?.focus());

    const window = windows.create();
    if (pendingRoute !== null) windows.sendWhenLoaded(window, 'app.navigate', { route: pendingRoute });
    pendingRoute = null;
  }
}

// One GovDesk per profile: a second start hands its deep link to the first and quits.
if (app.requestSingleInstanceLock()) run();
else app.quit();
