import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../build/lib/paths.ts';
import { startService, waitForHealthy, type Service } from '../../build/lib/services.ts';
import { foreignHealthz } from '../support/net.ts';

/**
 * `npm start` must not take another process for its sync-server. The old start
 * script polled /healthz for any 200; with the port taken, its own sync-server
 * died with EADDRINUSE and it reported "sync-server healthy" because the other
 * process answered. Here that other process is a plain HTTP server answering
 * 200 on /healthz, as a foreign one would.
 */

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function scratchDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'govdesk-start-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A process that is not ours holding a port and answering /healthz with 200, as the old sync-server did. */
async function foreignPort(): Promise<number> {
  const foreign = await foreignHealthz({ status: 'ok' });
  cleanups.push(foreign.close);
  return foreign.port;
}

/** The environment without the developer's GOVDESK_* settings, with this Node first on PATH. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GOVDESK_')));
  return { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };
}

describe('npm start', () => {
  it('is the command this test runs', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('sh build/run.sh node build/scripts/start.ts');
  });

  it("exits non-zero within 10 s when the sync-server's port is taken, naming the port and GOVDESK_SYNC_PORT", async () => {
    const port = await foreignPort();
    const runDir = scratchDir();
    const child = spawn('sh', ['build/run.sh', 'node', 'build/scripts/start.ts'], {
      cwd: repoRoot,
      // Its own process group, so that a start that does not stop can be stopped with everything it began.
      detached: true,
      env: {
        ...cleanEnv(),
        GOVDESK_SYNC_PORT: String(port),
        // Should start ever get past the port check, it stays off the developer's state: a scratch .run, and a
        // homeserver that is not there (nothing listens on the discard port), so no Synapse is started either.
        GOVDESK_RUN_DIR: runDir,
        GOVDESK_HOMESERVER_BACKEND: 'external',
        GOVDESK_HOMESERVER_URL: 'http://127.0.0.1:9',
        GOVDESK_HOMESERVER_REGISTRATION_SECRET: 'not used',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The bound, counted from the spawn of the whole command (build/run.sh included); the port is checked
    // before the homeserver and the desktop build, so nothing slow comes first.
    const deadline = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(deadline);
    expect(child.signalCode, `npm start was still running after 10 s:\n${output}`).toBeNull();
    expect(code).not.toBe(0);
    expect(output).toContain(`port ${port} is already in use by another process`);
    expect(output).toContain('GOVDESK_SYNC_PORT');
    expect(output).not.toMatch(/sync-server healthy/);
  });
});

describe('a watched sync-server', () => {
  it('whose port is taken fails its start at once with the port, the variable and its last lines, although /healthz answers 200', async () => {
    const port = await foreignPort();
    const dir = scratchDir();
    const instanceId = 'start-test-instance';
    const service: Service = startService('sync-server', 'sync-server/src/main.ts', [], {
      logDir: dir,
      baseEnv: { PATH: process.env.PATH },
      env: { GOVDESK_SYNC_PORT: String(port), GOVDESK_SYNC_DATA_DIR: path.join(dir, 'data'), GOVDESK_SYNC_INSTANCE_ID: instanceId },
      port: { port, variable: 'GOVDESK_SYNC_PORT' },
    });
    cleanups.push(() => service.stop());
    // The timeout is far beyond the test's own: only the child's exit can end this wait in time.
    const error = await waitForHealthy(service, `http://127.0.0.1:${port}/healthz`, instanceId, 600_000).then(
      () => null,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toMatch(new RegExp(`^sync-server exited with 1: port ${port} is already in use by another process, so sync-server cannot listen there; stop that process or set GOVDESK_SYNC_PORT to a free port`));
    expect(error?.message).toContain('EADDRINUSE');
    expect(error?.message).toContain(path.join(dir, 'sync-server.log'));
  });
});
