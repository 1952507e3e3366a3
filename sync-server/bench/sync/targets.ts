import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startService, type Service } from '../../../build/lib/services.ts';
import type { RunningHomeserver } from '../../../build/homeserver/index.ts';
import { startGovdesk, type Govdesk } from '../../test/harness/govdesk.ts';
import { freePort } from '../../../test/support/net.ts';

/**
 * The servers bench:sync compares, behind one shape: our sync-server (with
 * sessions from the real homeserver and documents created through its API)
 * and the y-websocket@2.1.0 reference server (no auth; rooms by name), with
 * and without its LevelDB persistence.
 */
export interface Target {
  label: string;
  /** The server process (for CPU time and memory from /proc). */
  pid(): number;
  /** Creates `count` documents; returns a WebSocket URL for each. */
  documents(count: number): Promise<string[]>;
  /** Stops the process and starts it again on the same data (for cold joins); undefined when the server keeps nothing. */
  restart?: () => Promise<void>;
  stop(): Promise<void>;
  /** Settings the bench gave this server, and why. */
  settings: string[];
}

/**
 * Our server's settings for the benches. The defaults protect a server from
 * one client; the benches drive many connections from one account and one
 * writer far above typing speed.
 */
export const GOVDESK_BENCH_ENV: Record<string, { value: string; why: string }> = {
  GOVDESK_SYNC_FRAMES_PER_SECOND: { value: '5000', why: 'case (a) has one writer at 1,000 updates/s (default 500 frames/s per connection; a person typing sends ~10)' },
  GOVDESK_SYNC_FRAME_BURST: { value: '10000', why: 'the same writer, and the 4 MB document uploaded in one go' },
  GOVDESK_SYNC_MAX_CONNECTIONS_PER_USER: { value: '5000', why: 'every bench connection (up to 1,000 at once) uses one account (default 64)' },
  GOVDESK_SYNC_SESSION_TTL_SECONDS: { value: '7200', why: 'one session lasts the whole run (default 15 min)' },
};

export async function govdeskTarget(homeserver: RunningHomeserver): Promise<Target & { setup: Govdesk }> {
  const env = Object.fromEntries(Object.entries(GOVDESK_BENCH_ENV).map(([key, { value }]) => [key, value]));
  const setup = await startGovdesk(homeserver, env);
  return {
    label: 'GovDesk sync-server',
    setup,
    pid: () => setup.server.child.pid as number,
    async documents(count) {
      const urls: string[] = [];
      for (let i = 0; i < count; i++) urls.push(setup.socketUrl(await setup.createDocument(`压测文档 ${i + 1}`)));
      return urls;
    },
    async restart() {
      await setup.server.stop('SIGTERM');
      await setup.restart();
    },
    stop: async () => {
      await setup.stop();
    },
    settings: [
      'durability on: every update is in SQLite (WAL, synchronous=FULL, fsync per group commit) before anyone receives it',
      ...Object.entries(GOVDESK_BENCH_ENV).map(([key, { value, why }]) => `${key}=${value} — ${why}`),
    ],
  };
}

/**
 * The reference server: `node node_modules/y-websocket-reference/bin/server.cjs`
 * with HOST/PORT (and YPERSISTENCE for LevelDB), watched as a child like ours
 * (its log, `y-websocket.log`, in a temporary directory).
 */
export async function referenceTarget(options: { leveldb: boolean }): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'y-websocket-ref-'));
  const persistenceDir = options.leveldb ? path.join(dir, 'leveldb') : null;
  let service: Service;
  const start = async () => {
    service = startService('y-websocket', 'node_modules/y-websocket-reference/bin/server.cjs', [], {
      logDir: dir,
      baseEnv: { PATH: process.env.PATH },
      env: { HOST: '127.0.0.1', PORT: String(port), ...(persistenceDir ? { YPERSISTENCE: persistenceDir } : {}) },
    });
    await service.line(/^running at/);
  };
  const stop = () => service.stop();
  await start();
  return {
    label: options.leveldb ? 'y-websocket@2.1.0 + LevelDB' : 'y-websocket@2.1.0',
    pid: () => service.child.pid as number,
    async documents(count) {
      return Array.from({ length: count }, () => `ws://127.0.0.1:${port}/bench-${randomBytes(8).toString('hex')}`);
    },
    restart: persistenceDir
      ? async () => {
          await stop();
          await start();
        }
      : undefined,
    stop,
    settings: options.leveldb
      ? ['YPERSISTENCE (y-leveldb): every update is written to LevelDB, not awaited and not fsync\'ed, and broadcast at once', 'no authentication, no rights, no rate limits']
      : ['no persistence (content lives only while a client is connected)', 'no authentication, no rights, no rate limits'],
  };
}
