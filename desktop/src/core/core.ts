import type { DesktopContract, Handlers } from '@govdesk/shared';
import { CoreEvents } from './events.ts';
import { SessionService } from './session/session-service.ts';

export interface CoreOptions {
  /** Shown in the user's device list on the homeserver. */
  deviceName?: string;
  /** Pre-filled on the login form (the homeserver this installation belongs to). */
  defaultHomeserverUrl?: string | null;
}

/** What every call into core knows about its caller. */
export interface CallContext {
  /** Which window or browser tab asked, for logs. */
  origin: string;
}

export interface Core {
  readonly handlers: Handlers<DesktopContract, CallContext>;
  readonly events: CoreEvents;
  close(): Promise<void>;
}

/** The app's Node-side brain: no electron import, so tests and browser mode run it as it is. */
export function createCore(options: CoreOptions = {}): Core {
  const events = new CoreEvents();
  const session = new SessionService(events, options.deviceName ?? 'GovDesk 政务协同桌面');
  return {
    events,
    handlers: {
      'app.defaults': () => ({ homeserverUrl: options.defaultHomeserverUrl ?? null }),
      'session.login': (params) => session.login(params),
      'session.current': () => session.current(),
      'session.logout': async () => {
        await session.logout();
        return { ok: true as const };
      },
    },
    async close() {},
  };
}
