import path from 'node:path';

/**
 * What the environment tells the Electron shell: the same variables as
 * browser mode (build/scripts/start.ts sets them for either shell). An
 * installation that sets nothing gets an empty login form and no sync-server.
 */

export interface ShellConfig {
  /** Replaces userData (a separate profile for development and tests). */
  dataDir: string | null;
  defaultHomeserverUrl: string | null;
  syncServerUrl: string | null;
}

/** http(s) URLs only; anything else is ignored rather than handed to core. */
function httpUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : null;
  } catch {
    return null;
  }
}

export function readShellConfig(env: Record<string, string | undefined>): ShellConfig {
  const dataDir = env.GOVDESK_DATA_DIR;
  return {
    dataDir: dataDir ? path.resolve(dataDir) : null,
    defaultHomeserverUrl: httpUrl(env.GOVDESK_DEFAULT_HOMESERVER_URL),
    syncServerUrl: httpUrl(env.GOVDESK_SYNC_SERVER_URL),
  };
}

/** Where the app's built files are, from app.getAppPath() (the desktop folder, or app.asar when packaged). */
export function appFiles(appPath: string): { rendererDir: string; preload: string; coreHost: string } {
  return {
    rendererDir: path.join(appPath, 'dist', 'renderer'),
    preload: path.join(appPath, 'dist', 'preload', 'preload.cjs'),
    coreHost: path.join(appPath, 'dist', 'core', 'core-host.cjs'),
  };
}
