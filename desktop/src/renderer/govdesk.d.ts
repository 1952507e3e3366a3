import type { GovdeskBridge } from '@govdesk/shared';

declare global {
  interface Window {
    /** Provided by the Electron preload or by browser mode's bridge; the renderer's only way to core. */
    readonly govdesk: GovdeskBridge;
  }
}
