import { INVOKE_CHANNEL } from '@govdesk/shared';
import { createBridgeDispatch } from './bridge-dispatch.ts';
import type { CoreConnection } from './core-connection.ts';
import { handleFromApp } from './ipc.ts';
import type { Log } from './log.ts';
import type { AppWindows } from './windows.ts';

/**
 * The renderer's one way to core: `govdesk:invoke`, behind the sender check
 * of ipc.ts, through main's contract dispatcher, to the core process.
 */
export function installRendererBridge(windows: AppWindows, core: CoreConnection, log: Log): void {
  const dispatch = createBridgeDispatch(
    (method, params, origin) => core.request(method, params, origin),
    (method, error) => log('bridge call failed', { method, error: String(error) }),
  );
  handleFromApp(INVOKE_CHANNEL, (contents) => windows.isOurs(contents), (event, request) => dispatch(request, `window:${event.sender.id}`), log);
}
