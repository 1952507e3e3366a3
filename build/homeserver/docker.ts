import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runDir } from '../lib/paths.ts';
import { run } from '../lib/process.ts';
import { assertPortFree } from '../lib/services.ts';
import { isHomeserverHealthy, waitForHomeserver } from './admin-api.ts';
import type { HomeserverBackend } from './backend.ts';
import { generateSynapseSecrets, renderSynapseConfig, type SynapseSecrets } from './synapse-config.ts';

/**
 * Synapse from the `matrixdotorg/synapse` image where a Docker engine answers
 * (a developer's laptop). The container listens on 0.0.0.0:8008 inside and is
 * published on the host's loopback only.
 */

export const SYNAPSE_IMAGE = process.env.GOVDESK_SYNAPSE_IMAGE ?? 'matrixdotorg/synapse:v1.160.0';

export async function dockerEngineAnswers(): Promise<boolean> {
  return (await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 8_000 })).code === 0;
}

const containerName = (profile: string) => `govdesk-synapse-${profile}`;

export const dockerBackend: HomeserverBackend = {
  name: 'docker',

  async provision() {
    const present = await run('docker', ['image', 'inspect', SYNAPSE_IMAGE]);
    if (present.code === 0) return;
    const pulled = await run('docker', ['pull', SYNAPSE_IMAGE], { timeoutMs: 600_000 });
    if (pulled.code !== 0) throw new Error(`docker pull ${SYNAPSE_IMAGE} failed: ${pulled.stderr.trim()}`);
  },

  async start(profile) {
    await this.provision();
    const dataDir = path.join(runDir, 'homeserver', `docker-${profile.name}`);
    mkdirSync(dataDir, { recursive: true });
    const secretsFile = path.join(dataDir, 'secrets.json');
    let secrets: SynapseSecrets;
    if (existsSync(secretsFile)) {
      secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as SynapseSecrets;
    } else {
      secrets = generateSynapseSecrets();
      writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    }
    const baseUrl = `http://127.0.0.1:${profile.port}`;
    writeFileSync(
      path.join(dataDir, 'homeserver.yaml'),
      renderSynapseConfig(
        { serverName: profile.serverName, bindAddress: '0.0.0.0', port: 8008, publicBaseUrl: baseUrl, dataDir: '/data', database: profile.database, liftRateLimits: profile.liftRateLimits },
        secrets,
      ),
    );
    writeFileSync(path.join(dataDir, 'signing.key'), secrets.signingKey, { mode: 0o600 });
    const name = containerName(profile.name);
    // Our own container from an earlier run may still hold the port: remove it before asking whether another process does.
    await run('docker', ['rm', '-f', name]);
    await assertPortFree('the homeserver', { port: profile.port, variable: profile.portVariable });
    const uid = process.getuid?.() ?? 991;
    const gid = process.getgid?.() ?? 991;
    const started = await run('docker', [
      'run', '--detach', '--rm', '--name', name,
      '--publish', `127.0.0.1:${profile.port}:8008`,
      '--volume', `${dataDir}:/data`,
      '--env', 'SYNAPSE_CONFIG_PATH=/data/homeserver.yaml',
      '--env', `UID=${uid}`, '--env', `GID=${gid}`,
      SYNAPSE_IMAGE,
    ]);
    if (started.code !== 0) throw new Error(`docker run failed: ${started.stderr.trim()}`);
    await waitForHomeserver(baseUrl, 120_000);
    return { profile: profile.name, backend: 'docker', baseUrl, serverName: profile.serverName, registrationSecret: secrets.registrationSharedSecret, container: name };
  },

  async isRunning(running) {
    if (!running.container) return false;
    const state = await run('docker', ['inspect', '--format', '{{.State.Running}}', running.container]);
    return state.stdout.trim() === 'true' && (await isHomeserverHealthy(running.baseUrl));
  },

  async stop(running) {
    if (running.container) await run('docker', ['stop', '--time', '15', running.container], { timeoutMs: 30_000 });
  },
};
