import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, waitForHealthy } from '../../build/lib/services.ts';
import { testHomeserver } from '../support/homeserver.ts';
import { foreignHealthz } from '../support/net.ts';
import { createTestOrganisation, type TestOrganisation } from '../support/organisation.ts';
import { healthy, startSyncServer, type SyncServerProcess } from '../support/sync-server.ts';

/**
 * How tests and benches start a sync-server: watched as a child, so that one
 * that dies while starting fails the start at once with its own last lines,
 * and counted as started only when its /healthz names the instance it was
 * started as — another process answering on its port is never taken for it.
 */
const homeserver = testHomeserver();
let org: TestOrganisation;
let server: SyncServerProcess;
/** Answers every /healthz as a healthy sync-server of another instance. */
let impostor: Awaited<ReturnType<typeof foreignHealthz>>;
let impostorUrl: string;

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
  server = await startSyncServer({ homeserver, directory: org.directory });
  impostor = await foreignHealthz({ status: 'ok', instance: 'theirs' });
  impostorUrl = impostor.url;
});

afterAll(async () => {
  await server?.stop();
  await impostor?.close();
});

describe('starting a sync-server for a test', () => {
  it('fails with the server’s own last lines, not a timeout, when its port is taken', async () => {
    const start = startSyncServer({ homeserver, directory: org.directory, port: server.port });
    await expect(start).rejects.toThrow(/sync-server exited with 1\b.*Its last lines/);
    await expect(start).rejects.toThrow(/EADDRINUSE/);
    // The server on that port is untouched.
    expect(await healthy(server)).toBe(true);
  });

  it('knows its own server from another process on the same address', async () => {
    expect(await healthy(server)).toBe(true);
    expect(await healthy({ ...server, url: impostorUrl })).toBe(false);
  });

  it('does not wait for a server that another process answers for, and stops waiting when that server dies', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'govdesk-sync-'));
    const service = startService('sync-server', 'sync-server/src/main.ts', [], {
      logDir: dataDir,
      baseEnv: { PATH: process.env.PATH },
      env: { GOVDESK_SYNC_PORT: '0', GOVDESK_SYNC_DATA_DIR: dataDir, GOVDESK_SYNC_INSTANCE_ID: 'ours' },
    });
    try {
      await service.line(/"msg":"sync-server listening"/);
      // The impostor answers healthy, but as another instance: never accepted.
      await expect(waitForHealthy(service, `${impostorUrl}/healthz`, 'ours', 2_000)).rejects.toThrow(/instance theirs, not ours/);
      // While waiting in vain, the death of the server ends the wait with its last lines.
      const waiting = waitForHealthy(service, `${impostorUrl}/healthz`, 'ours', 60_000);
      service.child.kill('SIGKILL');
      await expect(waiting).rejects.toThrow(/sync-server exited with SIGKILL\b.*Its last lines[^]*sync-server listening/);
    } finally {
      await service.stop();
    }
  });
});
