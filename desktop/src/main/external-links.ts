/**
 * Which URLs the app hands to the operating system (shell.openExternal).
 * openExternal with an arbitrary URL can start any registered handler, even
 * a local program (file:, smb:, ms-msdt:), so only web and mail links pass,
 * parsed with URL rather than matched as text.
 */

const EXTERNAL_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const MAX_LENGTH = 2048;

/** The URL to open, normalised by the URL parser, or null when it must not be opened. */
export function externalUrlToOpen(url: string): string | null {
  if (typeof url !== 'string' || url.length > MAX_LENGTH) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!EXTERNAL_PROTOCOLS.has(parsed.protocol)) return null;
  // https://gov.cn@evil.example/ reads like gov.cn and is not; nobody needs credentials in a link.
  if (parsed.username !== '' || parsed.password !== '') return null;
  if (parsed.protocol !== 'mailto:' && parsed.hostname === '') return null;
  return parsed.href;
}
