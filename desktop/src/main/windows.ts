import { BrowserWindow, type WebContents } from 'electron';
import { APP_ENTRY_URL, isAppUrl } from './app-url.ts';
import type { Log } from './log.ts';
import { EVENT_CHANNEL } from '@govdesk/shared';
import { secureWebPreferences } from './web-preferences.ts';

/**
 * GovDesk's windows. This is the only place a BrowserWindow is created, and
 * it always gets secureWebPreferences. The set of windows is also what the
 * IPC sender check trusts.
 */
export class AppWindows {
  readonly #preload: string;
  readonly #log: Log;
  readonly #windows = new Set<BrowserWindow>();
  /** Hides instead of closing while it returns true (the tray keeps the app running). */
  #keepInBackground: () => boolean = () => false;

  constructor(preload: string, log: Log) {
    this.#preload = preload;
    this.#log = log;
  }

  keepInBackgroundWhen(predicate: () => boolean): void {
    this.#keepInBackground = predicate;
  }

  create(): BrowserWindow {
    const window = new BrowserWindow({
      width: 1280,
      height: 800,
      minWidth: 960,
      minHeight: 600,
      show: false,
      title: '政务协同桌面 GovDesk',
      backgroundColor: '#ffffff',
      webPreferences: secureWebPreferences(this.#preload),
    });
    this.#windows.add(window);
    window.once('ready-to-show', () => window.show());
    window.on('close', (event) => {
      if (this.#keepInBackground()) {
        event.preventDefault();
        window.hide();
      }
    });
    window.on('closed', () => this.#windows.delete(window));
    window.webContents.on('render-process-gone', (_event, details) => this.#log('renderer process gone', { reason: details.reason, exitCode: details.exitCode }));
    window.loadURL(APP_ENTRY_URL).catch((error: unknown) => this.#log('could not load the app', { error: String(error) }));
    return window;
  }

  isOurs(contents: WebContents): boolean {
    for (const window of this.#windows) if (!window.isDestroyed() && window.webContents.id === contents.id) return true;
    return false;
  }

  /** The window to bring up: the focused one, else the first, else a new one. */
  main(): BrowserWindow {
    const open = [...this.#windows].filter((window) => !window.isDestroyed());
    return open.find((window) => window.isFocused()) ?? open[0] ?? this.create();
  }

  focus(): BrowserWindow {
    const window = this.main();
    if (window.isMinimized()) window.restore();
    if (!window.isVisible()) window.show();
    window.focus();
    return window;
  }

  /** Sends a renderer event to every window that shows the app (and to no page that is somehow something else). */
  broadcast(event: string, payload: unknown): void {
    for (const window of this.#windows) {
      if (window.isDestroyed()) continue;
      const contents = window.webContents;
      if (isAppUrl(contents.getURL())) contents.send(EVENT_CHANNEL, { event, payload });
    }
  }

  /** Sends an event to one window, once its page has loaded. */
  sendWhenLoaded(window: BrowserWindow, event: string, payload: unknown): void {
    const contents = window.webContents;
    const send = () => {
      if (!window.isDestroyed() && isAppUrl(contents.getURL())) contents.send(EVENT_CHANNEL, { event, payload });
    };
    if (contents.isLoading()) contents.once('did-finish-load', send);
    else send();
  }

  all(): BrowserWindow[] {
    return [...this.#windows].filter((window) => !window.isDestroyed());
  }
}
