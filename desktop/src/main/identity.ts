/**
 * Names the operating system and the renderer know GovDesk by. The packaging
 * config (build/electron-builder.config.ts) must use the same app id and deep
 * link scheme; desktop/test/unit/packaging-config.test.ts checks that it does.
 */

/**
 * The app id of the installers, and the AppUserModelID on Windows: a running
 * app whose id differs from its shortcut's gets no toast notifications.
 */
export const APP_ID = 'org.govdesk.desktop';

/** The privileged scheme the renderer is served from, and its one host: app://govdesk/ */
export const APP_SCHEME = 'app';
export const APP_HOST = 'govdesk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Deep links: govdesk://documents/d_… opens /documents/d_… */
export const DEEP_LINK_SCHEME = 'govdesk';
