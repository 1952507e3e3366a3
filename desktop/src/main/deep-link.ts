import { DeepLinkRoute } from '@govdesk/shared';
import { DEEP_LINK_SCHEME } from './identity.ts';

/**
 * govdesk:// links, which any web page or mail can contain, are untrusted
 * input. They are parsed with URL and must name one of the routes of
 * DeepLinkRoute exactly — shared's `linkableRoutes`, the same values the
 * renderer's feature registry binds to pages; nothing else reaches the
 * renderer. Host and path together form the route: govdesk://documents/d_…
 * → /documents/d_…
 */

const MAX_LENGTH = 2048;

/** The in-app route a deep link opens, or null when the link is refused. */
export function parseDeepLink(link: string): string | null {
  if (typeof link !== 'string' || link.length > MAX_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:`) return null;
  // Credentials, ports, queries and fragments have no meaning in a GovDesk link; a link carrying them is not ours.
  if (url.username !== '' || url.password !== '' || url.port !== '' || url.search !== '' || url.hash !== '') return null;
  const route = url.host === '' ? url.pathname : `/${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  return DeepLinkRoute.safeParse(route).success ? route : null;
}

/**
 * The route of the deep link among a command line (Windows and Linux start a
 * second instance with the link as an argument), or null.
 */
export function deepLinkFromArgv(argv: readonly string[]): string | null {
  const prefix = `${DEEP_LINK_SCHEME}:`;
  const link = argv.find((arg) => typeof arg === 'string' && arg.toLowerCase().startsWith(prefix));
  return link === undefined ? null : parseDeepLink(link);
}
