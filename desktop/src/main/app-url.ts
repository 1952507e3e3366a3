import { APP_HOST, APP_ORIGIN, APP_SCHEME } from './identity.ts';

/**
 * Whether a URL is one of the app's own pages. Parsed with URL, never
 * compared as text: `app://govdesk.evil/` and `app://govdesk@evil/` start
 * with the same characters as our origin and are not it.
 */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}

/** The URL a window loads: the app shell, which then shows `route` itself. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
