import { isAppUrl } from './app-url.ts';

/**
 * The check every IPC handler runs before it does anything (Electron security
 * checklist item 17, the mitigation of CVE-2022-29247): the message must come
 * from the main frame of one of our windows while it shows app://govdesk/.
 * A subframe, another webContents (a devtools extension, a future webview) or
 * a page that somehow navigated elsewhere is refused.
 */

export interface SenderFacts {
  /** Whether the sending webContents belongs to one of GovDesk's windows. */
  fromOurWindow: boolean;
  /** The sending frame; null when it navigated away or was destroyed before the message arrived. */
  frame: { url: string; isMainFrame: boolean } | null;
}

/** Why the sender is refused, or null when it may be served. */
export function senderRefusal(sender: SenderFacts): string | null {
  if (!sender.fromOurWindow) return 'the sender is not a GovDesk window';
  if (sender.frame === null) return 'the sending frame is gone';
  if (!sender.frame.isMainFrame) return 'subframes may not call the GovDesk core';
  if (!isAppUrl(sender.frame.url)) return 'the sending page is not the GovDesk app';
  return null;
}

/** What a refused call answers: an error value the renderer can show, never an exception. */
export function refusedAnswer(reason: string): { ok: false; error: { code: 'forbidden'; message: string } } {
  return { ok: false, error: { code: 'forbidden', message: `refused: ${reason}` } };
}
