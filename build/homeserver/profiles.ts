import { portFromEnv } from '../lib/services.ts';

/**
 * The local homeservers GovDesk runs. `dev` keeps its data between `npm start`s;
 * `test` keeps its database in memory and lifts rate limits.
 */
export type HomeserverProfileName = 'dev' | 'test';

export interface HomeserverProfile {
  name: HomeserverProfileName;
  port: number;
  /** The environment variable that moves `port`, named when the port is taken. */
  portVariable: string;
  serverName: string;
  database: 'file' | 'memory';
  liftRateLimits: boolean;
}

export function homeserverProfile(name: HomeserverProfileName): HomeserverProfile {
  const portVariable = name === 'dev' ? 'GOVDESK_HOMESERVER_PORT' : 'GOVDESK_TEST_HOMESERVER_PORT';
  const port = portFromEnv(portVariable, name === 'dev' ? 8008 : 18008);
  return name === 'dev'
    ? { name, port, portVariable, serverName: 'localhost', database: 'file', liftRateLimits: false }
    : { name, port, portVariable, serverName: 'localhost', database: 'memory', liftRateLimits: true };
}
