import { createApiClient, createDispatcher, desktopContract, type ApiClient, type DesktopContract, type GovdeskBridge } from '@govdesk/shared';
import type { Core } from '../../desktop/src/core/core.ts';

/** The desktop API of an in-process core, as a renderer would see it (same dispatcher as the shells). */
export function inProcessApi(core: Core): ApiClient<DesktopContract> {
  const dispatch = createDispatcher(desktopContract, core.handlers, (method, error) => console.error(`core method ${method} failed`, error));
  const bridge: GovdeskBridge = {
    invoke: (method, params) => dispatch(method, params, { origin: 'test' }),
    on: (event, listener) => core.events.subscribe((name, payload) => name === event && listener(payload)),
  };
  return createApiClient(desktopContract, bridge);
}
