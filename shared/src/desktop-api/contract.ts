import { z } from 'zod';
import { method, type ContractSpec } from '../rpc/contract.ts';
import { LoginParams, SessionInfo } from '../session/schema.ts';
import { DeepLinkRoute } from './shell.ts';

const None = z.object({}).strict();

/** What the app was configured with, for forms to start from. */
export const AppDefaults = z.object({
  homeserverUrl: z.url().nullable(),
});
export type AppDefaults = z.infer<typeof AppDefaults>;

/**
 * The API between the renderer and core, the same in Electron (preload + IPC)
 * and in browser mode (loopback WebSocket). Methods are `<feature>.<verb>`.
 */
export const desktopContract = {
  methods: {
    'app.defaults': method(None, AppDefaults),
    'session.login': method(LoginParams, SessionInfo),
    'session.current': method(None, SessionInfo.nullable()),
    'session.logout': method(None, z.object({ ok: z.literal(true) })),
  },
  events: {
    'session.changed': SessionInfo.nullable(),
    /** The shell asks the UI to show a route (a govdesk:// deep link, a clicked notification). */
    'app.navigate': z.object({ route: DeepLinkRoute }),
  },
} satisfies ContractSpec;

export type DesktopContract = typeof desktopContract;
