import { createApiClient, desktopContract } from '@govdesk/shared';

/** The typed desktop API; the same in Electron and in browser mode. */
export const api = createApiClient(desktopContract, window.govdesk);
