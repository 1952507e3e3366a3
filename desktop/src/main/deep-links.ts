import { app } from 'electron';
import { deepLinkFromArgv, parseDeepLink } from './deep-link.ts';
import { DEEP_LINK_SCHEME } from './identity.ts';
import type { Log } from './log.ts';

/**
 * govdesk:// links reach the app three ways: on macOS as `open-url`, on
 * Windows and Linux as the argv of a second instance (which then quits, see
 * main.ts), and in the argv of the first launch. Each is parsed and checked
 * by deep-link.ts before anything is sent to a renderer.
 */
export function listenForDeepLinks(open: (route: string) => void, log: Log): void {
  // Registered before ready: macOS delivers the link that launched the app right at startup.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const route = parseDeepLink(url);
    if (route === null) log('refused a deep link', { url: url.slice(0, 200) });
    else open(route);
  });
}

/** The route of a deep link on a command line (second instance or first launch), validated. */
export function routeFromCommandLine(argv: readonly string[], log: Log): string | null {
  const route = deepLinkFromArgv(argv);
  if (route === null && argv.some((arg) => arg.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}:`))) log('refused a deep link on the command line');
  return route;
}

/**
 * Makes GovDesk the handler of govdesk:// links. Only a packaged app
 * registers: a development run would otherwise claim the scheme for the
 * bare Electron binary. (Installers also declare it: electron-builder's
 * `protocols`.)
 */
export function registerDeepLinkScheme(log: Log): void {
  if (!app.isPackaged) return;
  if (!app.isDefaultProtocolClient(DEEP_LINK_SCHEME) && !app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME)) log('could not register the govdesk:// scheme');
}
