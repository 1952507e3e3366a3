import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../lib/paths.ts';
import { say, seconds } from '../lib/log.ts';
import { commandLineOf, isAlive, run, runVisible, startDetached, stopProcessGroup, tailOfFile } from '../lib/process.ts';
import { ensureDebianPackages } from '../lib/debian.ts';
import { assertPortFree } from '../lib/services.ts';
import { isHomeserverHealthy, waitForHomeserver } from './admin-api.ts';
import { HomeserverUnavailableError, type HomeserverBackend } from './backend.ts';
import type { HomeserverProfile } from './profiles.ts';
import { generateSynapseSecrets, renderSynapseConfig, type SynapseSecrets } from './synapse-config.ts';

/**
 * Synapse from Debian sid's `matrix-synapse` package, run in a debootstrapped
 * chroot (Debian 12 has no matrix-synapse). The chroot shares the host's network
 * namespace, so Synapse binds the host's loopback. The prepared rootfs is cached
 * under .cache/homeserver, so only the first start pays for building it.
 */

const rootfs = path.join(cacheDir, 'homeserver', 'sid-rootfs');
const readyStamp = path.join(rootfs, '.govdesk-rootfs.json');
const mirror = process.env.GOVDESK_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
// The mirror's sid Release file can be older than the machine's clock.
const APT = ['-o', 'Acquire::Check-Valid-Until=false', '-o', 'Acquire::Retries=3'];

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function isDebianLike(): boolean {
  if (!existsSync('/etc/os-release')) return false;
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(readFileSync('/etc/os-release', 'utf8'));
}

/** Why a chroot cannot be used here, or null when it can. */
export function chrootUnavailableReason(): string | null {
  if (process.platform !== 'linux' || !isDebianLike()) return 'the chroot homeserver needs a Debian or Ubuntu host';
  if (!isRoot()) return 'the chroot homeserver needs root (debootstrap, mount and chroot)';
  return null;
}

function mountsUnder(dir: string): string[] {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`));
  return mounts.sort((a, b) => b.length - a.length);
}

async function unmountAll(dir: string): Promise<void> {
  for (const mountPoint of mountsUnder(dir)) await run('umount', ['-l', mountPoint]);
}

/** PIDs of the processes whose root directory is `dir`, i.e. that run inside that chroot. */
function processesRootedAt(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/root`) === dir) pids.push(Number(entry));
    } catch {
      // gone, or not ours to inspect
    }
  }
  return pids;
}

async function ensureProcMounted(root: string): Promise<void> {
  const proc = path.join(root, 'proc');
  if (mountsUnder(proc).includes(proc)) return;
  await runVisible('mount', ['-t', 'proc', 'proc', proc]);
}

/** Runs a shell script inside the chroot; its output is shown only when it fails. */
async function chroot(root: string, script: string): Promise<void> {
  const result = await run('chroot', [root, '/bin/sh', '-c', script], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive', HOME: '/root' },
  });
  if (result.code !== 0) throw new Error(`in the chroot, \`${script}\` failed (${result.code}):\n${(result.stdout + result.stderr).split('\n').slice(-40).join('\n')}`);
}

async function buildRootfs(): Promise<void> {
  const started = performance.now();
  await ensureDebianPackages(['debootstrap']);
  const partial = `${rootfs}.partial`;
  await unmountAll(partial);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(path.dirname(rootfs), { recursive: true });
  say(`building the Synapse chroot (Debian sid + matrix-synapse) from ${mirror}; this happens once`);
  const debootstrap = await run('debootstrap', ['--variant=minbase', '--include=ca-certificates', 'sid', partial, mirror]);
  if (debootstrap.code !== 0) throw new Error(`debootstrap failed (${debootstrap.code}):\n${(debootstrap.stdout + debootstrap.stderr).split('\n').slice(-40).join('\n')}`);
  // Package scripts must not try to start services inside the chroot.
  writeFileSync(path.join(partial, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  await ensureProcMounted(partial);
  try {
    await chroot(
      partial,
      `apt-get ${APT.join(' ')} update -qq && ` +
        `apt-get ${APT.join(' ')} install -y -qq --no-install-recommends matrix-synapse >/dev/null && ` +
        'apt-get clean && rm -rf /var/lib/apt/lists/*',
    );
    const version = await run('chroot', [partial, '/usr/bin/python3', '-c', 'import synapse; print(synapse.__version__)']);
    if (version.code !== 0) throw new Error(`Synapse did not install in the chroot: ${version.stderr}`);
    writeFileSync(path.join(partial, '.govdesk-rootfs.json'), JSON.stringify({ synapse: version.stdout.trim(), mirror, builtAt: new Date().toISOString() }));
  } finally {
    await unmountAll(partial);
  }
  await unmountAll(rootfs);
  rmSync(rootfs, { recursive: true, force: true });
  renameSync(partial, rootfs);
  say(`Synapse chroot ready in ${seconds(started)}`);
}

function synapseAccount(): { uid: number; gid: number } {
  const line = readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('matrix-synapse:'));
  const fields = line?.split(':');
  if (!fields || fields.length < 4) throw new Error('the chroot has no matrix-synapse user; delete .cache/homeserver and start again');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** Paths of a profile's homeserver, on the host and as Synapse sees them inside the chroot. */
function profilePaths(profile: HomeserverProfile) {
  const inside = `/var/lib/govdesk/${profile.name}`;
  const host = path.join(rootfs, inside);
  return { inside, host, config: path.join(host, 'homeserver.yaml'), secrets: path.join(host, 'secrets.json'), log: path.join(host, 'homeserver.log') };
}

function loadOrCreateSecrets(file: string): SynapseSecrets {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SynapseSecrets;
  const secrets = generateSynapseSecrets();
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export const chrootBackend: HomeserverBackend = {
  name: 'chroot',

  async provision() {
    const reason = chrootUnavailableReason();
    if (reason) throw new HomeserverUnavailableError(reason);
    if (!existsSync(readyStamp)) await buildRootfs();
  },

  async start(profile) {
    await this.provision();
    const paths = profilePaths(profile);
    const { uid, gid } = synapseAccount();
    mkdirSync(paths.host, { recursive: true });
    const secrets = loadOrCreateSecrets(paths.secrets);
    const baseUrl = `http://127.0.0.1:${profile.port}`;
    // The configuration is rendered on every start, so a change in code applies; the secrets persist.
    writeFileSync(
      paths.config,
      renderSynapseConfig(
        { serverName: profile.serverName, bindAddress: '127.0.0.1', port: profile.port, publicBaseUrl: baseUrl, dataDir: paths.inside, database: profile.database, liftRateLimits: profile.liftRateLimits },
        secrets,
      ),
      { mode: 0o640 },
    );
    writeFileSync(path.join(paths.host, 'signing.key'), secrets.signingKey, { mode: 0o600 });
    chownSync(paths.host, uid, gid);
    for (const file of ['homeserver.yaml', 'signing.key']) chownSync(path.join(paths.host, file), uid, gid);
    chmodSync(paths.host, 0o750);
    await assertPortFree('the homeserver', { port: profile.port, variable: profile.portVariable });
    await ensureProcMounted(rootfs);
    writeFileSync(paths.log, '');
    chownSync(paths.log, uid, gid);
    const pid = startDetached(
      'chroot',
      [`--userspec=${uid}:${gid}`, rootfs, '/usr/bin/python3', '-m', 'synapse.app.homeserver', '--config-path', `${paths.inside}/homeserver.yaml`],
      paths.log,
      { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: paths.inside } },
    );
    await waitForHomeserver(baseUrl, 120_000, () =>
      isAlive(pid) ? null : `Synapse exited while starting; the end of ${paths.log}:\n${tailOfFile(paths.log)}`,
    );
    return { profile: profile.name, backend: 'chroot', baseUrl, serverName: profile.serverName, registrationSecret: secrets.registrationSharedSecret, pid, logFile: paths.log };
  },

  async isRunning(running) {
    if (running.pid === undefined || !isAlive(running.pid)) return false;
    const commandLine = commandLineOf(running.pid) ?? '';
    return commandLine.includes('synapse.app.homeserver') && commandLine.includes(`/var/lib/govdesk/${running.profile}/`) && (await isHomeserverHealthy(running.baseUrl));
  },

  async stop(running) {
    if (running.pid !== undefined) await stopProcessGroup(running.pid, 15_000);
    // /proc stays mounted while another profile's Synapse still runs in the chroot.
    if (processesRootedAt(rootfs).length === 0) await unmountAll(rootfs);
  },
};
