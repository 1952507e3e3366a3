import { app, Menu, nativeImage, Tray, type BrowserWindow } from 'electron';
import type { MainStrings } from './strings.ts';
import { trayIconPng } from './tray-icon.ts';

/**
 * The unread count from core's `shell.badge` events: the tray icon (a dot)
 * and its tooltip (the number) on Windows and Linux, the badge where the
 * platform has one (macOS dock, Unity launchers), and the taskbar overlay
 * on Windows. macOS gets no tray icon, as in Element: the dock is its place.
 */
export class UnreadIndicator {
  #strings: MainStrings;
  readonly #actions: { show(): void; quit(): void };
  readonly #tray: Tray | null;
  #unread = 0;

  constructor(strings: MainStrings, actions: { show(): void; quit(): void }) {
    this.#strings = strings;
    this.#actions = actions;
    if (process.platform === 'darwin') {
      this.#tray = null;
      return;
    }
    this.#tray = new Tray(this.#image(0));
    this.#label();
    this.#tray.on('click', () => actions.show());
  }

  /** The user chose another language in the app. */
  setStrings(strings: MainStrings): void {
    this.#strings = strings;
    this.#label();
  }

  #label(): void {
    const strings = this.#strings;
    this.#tray?.setToolTip(strings.tray.tooltip(this.#unread));
    this.#tray?.setContextMenu(
      Menu.buildFromTemplate([
        { label: strings.tray.show, click: () => this.#actions.show() },
        { type: 'separator' },
        { label: strings.tray.quit, click: () => this.#actions.quit() },
      ]),
    );
  }

  /** Whether closing the window can leave the app running in the tray. */
  get hasTray(): boolean {
    return this.#tray !== null;
  }

  #image(unread: number) {
    return nativeImage.createFromBuffer(trayIconPng(unread), { scaleFactor: 2 });
  }

  update(unread: number, windows: readonly BrowserWindow[]): void {
    if (unread === this.#unread) return;
    this.#unread = unread;
    this.#tray?.setImage(this.#image(unread));
    this.#tray?.setToolTip(this.#strings.tray.tooltip(unread));
    app.setBadgeCount(unread);
    if (process.platform === 'win32') {
      const overlay = unread > 0 ? this.#image(unread) : null;
      for (const window of windows) window.setOverlayIcon(overlay, unread > 0 ? this.#strings.tray.tooltip(unread) : '');
    }
  }

  destroy(): void {
    this.#tray?.destroy();
  }
}
