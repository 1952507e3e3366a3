import { app, shell, type WebContents } from 'electron';
import { isAppUrl } from './app-url.ts';
import { externalUrlToOpen } from './external-links.ts';
import type { Log } from './log.ts';

/**
 * Rules for every webContents the app ever creates, installed before any
 * exists (Electron security checklist items 12-15): no navigation and no
 * redirect away from app://govdesk/, no new windows, no <webview>. Web and
 * mail links open in the user's browser or mail program instead; nothing
 * else is handed to the operating system.
 */

function openExternally(url: string, log: Log): void {
  const target = externalUrlToOpen(url);
  if (target === null) {
    log('refused to open a link', { url: url.slice(0, 200) });
    return;
  }
  shell.openExternal(target).catch((error: unknown) => log('could not open a link', { error: String(error) }));
}

export function guardWebContents(contents: WebContents, log: Log): void {
  contents.on('will-navigate', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    openExternally(event.url, log);
  });
  // Subframes too (the CSP already forbids frames; this holds even if it did not).
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('refused to attach a webview');
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url, log);
    return { action: 'deny' };
  });
}

export function guardAllWebContents(log: Log): void {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, log));
}
