import { z } from 'zod';
import { method, type ContractSpec } from '../rpc/contract.ts';
import { LoginParams, SessionInfo } from '../session/schema.ts';

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
  },
} satisfies ContractSpec;

export type DesktopContract = typeof desktopContract;
