import { isHomeserverHealthy } from './admin-api.ts';
import { HomeserverUnavailableError, type HomeserverBackend } from './backend.ts';

/**
 * A homeserver someone else runs: GOVDESK_HOMESERVER_URL, with the shared
 * registration secret in GOVDESK_HOMESERVER_REGISTRATION_SECRET (needed to create
 * the demo and test accounts) and its server name in GOVDESK_HOMESERVER_SERVER_NAME
 * (defaults to the URL's host name).
 */
export const externalBackend: HomeserverBackend = {
  name: 'external',

  async provision() {},

  async start(profile) {
    const baseUrl = process.env.GOVDESK_HOMESERVER_URL;
    if (!baseUrl) throw new HomeserverUnavailableError('GOVDESK_HOMESERVER_URL is not set');
    const registrationSecret = process.env.GOVDESK_HOMESERVER_REGISTRATION_SECRET;
    if (!registrationSecret) {
      throw new HomeserverUnavailableError('GOVDESK_HOMESERVER_URL is set but GOVDESK_HOMESERVER_REGISTRATION_SECRET is not: GovDesk creates its accounts through the shared-secret admin API');
    }
    if (!(await isHomeserverHealthy(baseUrl))) throw new HomeserverUnavailableError(`the homeserver at ${baseUrl} (GOVDESK_HOMESERVER_URL) does not answer /health`);
    const serverName = process.env.GOVDESK_HOMESERVER_SERVER_NAME ?? new URL(baseUrl).hostname;
    return { profile: profile.name, backend: 'external', baseUrl: baseUrl.replace(/\/$/, ''), serverName, registrationSecret };
  },

  async isRunning(running) {
    return isHomeserverHealthy(running.baseUrl);
  },

  async stop() {
    // Not ours to stop.
  },
};
