/**
 * The local homeservers GovDesk runs. `dev` keeps its data between `npm start`s;
 * `test` keeps its database in memory and lifts rate limits.
 */
export type HomeserverProfileName = 'dev' | 'test';

export interface HomeserverProfile {
  name: HomeserverProfileName;
  port: number;
  serverName: string;
  database: 'file' | 'memory';
  liftRateLimits: boolean;
}

function portFromEnv(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`${variable}=${raw} is not a port number`);
  return port;
}

export function homeserverProfile(name: HomeserverProfileName): HomeserverProfile {
  return name === 'dev'
    ? { name, port: portFromEnv('GOVDESK_HOMESERVER_PORT', 8008), serverName: 'localhost', database: 'file', liftRateLimits: false }
    : { name, port: portFromEnv('GOVDESK_TEST_HOMESERVER_PORT', 18008), serverName: 'localhost', database: 'memory', liftRateLimits: true };
}
