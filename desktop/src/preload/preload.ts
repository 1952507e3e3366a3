/**
 * The preload of every GovDesk window. It runs sandboxed (it may require only
 * electron's renderer modules, events, timers and url), so the build bundles
 * it with the contract into one CommonJS file. It exposes exactly
 * `GovdeskBridge` as `window.govdesk`, the object browser mode's bridge
 * defines too, so the renderer cannot tell the two shells apart.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { desktopContract } from '@govdesk/shared/desktop-api/contract';
import { createPreloadBridge } from './bridge.ts';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '@govdesk/shared/desktop-api/ipc-channels';

const bridge = createPreloadBridge(
  desktopContract,
  {
    invoke: (request) => ipcRenderer.invoke(INVOKE_CHANNEL, request),
    listen: (deliver) => {
      ipcRenderer.on(EVENT_CHANNEL, (_event, message: unknown) => deliver(message));
    },
  },
  (message, error) => console.error(`[govdesk] ${message}`, error),
);

contextBridge.exposeInMainWorld('govdesk', bridge);
