import { protocol } from 'electron';
import { contentSecurityPolicy } from '@govdesk/shared';
import { createAppRequestHandler } from './app-files.ts';
import { APP_SCHEME } from './identity.ts';

/**
 * app://govdesk/ instead of file:// (Electron security checklist item 18):
 * file:// pages get privileges a web page should not have, and with the
 * GrantFileProtocolExtraPrivileges fuse off they would not even work.
 *
 * Privileges: standard (an origin, relative URLs, storage), secure (a secure
 * context, as https), supportFetchAPI (fetch and module scripts), codeCache
 * (V8 keeps the code it compiled from app:// scripts, so that a start does
 * not parse the app again: most of a cold start's time otherwise). Not
 * corsEnabled, bypassCSP, allowServiceWorkers or stream: nothing else may read
 * app:// across origins, and the CSP always applies.
 */
export function registerAppScheme(): void {
  // Privileges can only be granted before the app is ready.
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
}

/** Serves the built renderer, GET only, with the CSP of @govdesk/shared as a header on every response. */
export function serveAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, createAppRequestHandler({ rendererDir, contentSecurityPolicy: contentSecurityPolicy() }));
}
