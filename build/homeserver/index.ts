import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runDir } from '../lib/paths.ts';
import { tailOfFile } from '../lib/process.ts';
import { HomeserverUnavailableError, type HomeserverBackend, type HomeserverBackendName, type RunningHomeserver } from './backend.ts';
import { chrootBackend, chrootUnavailableReason } from './chroot.ts';
import { dockerBackend, dockerEngineAnswers } from './docker.ts';
import { externalBackend } from './external.ts';
import { homeserverProfile, type HomeserverProfileName } from './profiles.ts';

export { HomeserverUnavailableError, type RunningHomeserver } from './backend.ts';
export { homeserverProfile, type HomeserverProfileName } from './profiles.ts';
export { registerUser, UserExistsError } from './admin-api.ts';

const BACKENDS: Record<HomeserverBackendName, HomeserverBackend> = { external: externalBackend, docker: dockerBackend, chroot: chrootBackend };

/**
 * The way to run a homeserver here, in order of preference: an existing one
 * (GOVDESK_HOMESERVER_URL), Docker where an engine answers, else a Debian sid
 * chroot. GOVDESK_HOMESERVER_BACKEND forces one.
 */
export async function chooseHomeserverBackend(): Promise<HomeserverBackend> {
  const forced = process.env.GOVDESK_HOMESERVER_BACKEND as HomeserverBackendName | undefined;
  if (forced) {
    const backend = BACKENDS[forced];
    if (!backend) throw new HomeserverUnavailableError(`GOVDESK_HOMESERVER_BACKEND=${forced} is not one of ${Object.keys(BACKENDS).join(', ')}`);
    return backend;
  }
  if (process.env.GOVDESK_HOMESERVER_URL) return externalBackend;
  if (await dockerEngineAnswers()) return dockerBackend;
  const chrootProblem = chrootUnavailableReason();
  if (chrootProblem === null) return chrootBackend;
  throw new HomeserverUnavailableError(
    [
      'GovDesk needs a Matrix homeserver and found no way to run one:',
      '  - GOVDESK_HOMESERVER_URL is not set (an existing homeserver, with GOVDESK_HOMESERVER_REGISTRATION_SECRET);',
      '  - no Docker engine answers (`docker info` failed), so the matrixdotorg/synapse image cannot run;',
      `  - ${chrootProblem}.`,
      'Set GOVDESK_HOMESERVER_URL, start Docker, or run as root on Debian/Ubuntu.',
    ].join('\n'),
  );
}

const stateFile = (profile: HomeserverProfileName) => path.join(runDir, 'homeserver', `${profile}.json`);

/** The homeserver a profile last started, as recorded (it may have stopped since). */
export function recordedHomeserver(profile: HomeserverProfileName): RunningHomeserver | null {
  const file = stateFile(profile);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as RunningHomeserver;
}

/** The profile's homeserver if it is running and healthy now. */
export async function runningHomeserver(profile: HomeserverProfileName): Promise<RunningHomeserver | null> {
  const recorded = recordedHomeserver(profile);
  if (!recorded) return null;
  return (await BACKENDS[recorded.backend].isRunning(recorded)) ? recorded : null;
}

export async function provisionHomeserver(): Promise<HomeserverBackendName> {
  const backend = await chooseHomeserverBackend();
  await backend.provision();
  return backend.name;
}

/** Starts the profile's homeserver, or returns the one already running. */
export async function startHomeserver(profile: HomeserverProfileName): Promise<{ homeserver: RunningHomeserver; reused: boolean }> {
  const already = await runningHomeserver(profile);
  if (already) return { homeserver: already, reused: true };
  const backend = await chooseHomeserverBackend();
  const homeserver = await backend.start(homeserverProfile(profile));
  mkdirSync(path.dirname(stateFile(profile)), { recursive: true });
  writeFileSync(stateFile(profile), JSON.stringify(homeserver, null, 2), { mode: 0o600 });
  return { homeserver, reused: false };
}

export async function stopHomeserver(profile: HomeserverProfileName): Promise<void> {
  const recorded = recordedHomeserver(profile);
  if (!recorded) return;
  await BACKENDS[recorded.backend].stop(recorded);
  rmSync(stateFile(profile), { force: true });
}

/**
 * Watches a homeserver that runs detached (so no exit event reaches us): checks
 * every `everyMs` that it is still the one recorded and healthy, and calls
 * `gone` once, with the end of its log, after two failed checks in a row (one
 * slow answer is no reason to stop everything). Returns a function that stops
 * watching.
 */
export function watchHomeserver(homeserver: RunningHomeserver, gone: (why: string) => void, everyMs = 5_000): () => void {
  let failures = 0;
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void BACKENDS[homeserver.backend]
      .isRunning(homeserver)
      .catch(() => false)
      .then((running) => {
        checking = false;
        failures = running ? 0 : failures + 1;
        if (failures < 2) return;
        clearInterval(timer);
        const log = homeserver.logFile ? `; the end of ${homeserver.logFile}:\n${tailOfFile(homeserver.logFile)}` : '';
        gone(`the homeserver at ${homeserver.baseUrl} stopped answering${log}`);
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
