import type { HomeserverProfile } from './profiles.ts';

export type HomeserverBackendName = 'external' | 'docker' | 'chroot';

/** What every way of running a homeserver records about the one it runs. */
export interface RunningHomeserver {
  profile: HomeserverProfile['name'];
  backend: HomeserverBackendName;
  baseUrl: string;
  serverName: string;
  registrationSecret: string;
  /** chroot: the Synapse process group. */
  pid?: number;
  /** docker: the container name. */
  container?: string;
  logFile?: string;
}

export interface HomeserverBackend {
  name: HomeserverBackendName;
  /** Build or fetch whatever the backend needs; idempotent and cached. */
  provision(): Promise<void>;
  /** Start the profile's homeserver and wait until it is healthy. */
  start(profile: HomeserverProfile): Promise<RunningHomeserver>;
  /** Whether a homeserver recorded earlier is still the one running. */
  isRunning(running: RunningHomeserver): Promise<boolean>;
  stop(running: RunningHomeserver): Promise<void>;
}

/** None of the ways to run a homeserver works here; the message says what is missing. */
export class HomeserverUnavailableError extends Error {}
