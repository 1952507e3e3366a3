import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { Directory, SessionTokens } from '@govdesk/shared';
import type { RunningHomeserver } from '../../build/homeserver/index.ts';
import { askHealth, startService, waitForHealthy } from '../../build/lib/services.ts';
import type { TestUser } from './matrix.ts';
import { UNITS } from './organisation.ts';

/**
 * A real sync-server process for a test or a bench — the one way both start
 * one: its own data directory (kept across restarts, its log file
 * `sync-server.log` in it), its own directory file, the real test homeserver
 * as the only allowed homeserver. It is watched as a child (`npm start`'s
 * `startService`): if it exits while starting, the start fails at once with
 * its last lines; and it counts as started only when /healthz answers with
 * the instance ID it was given, never when another process answers on its port.
 */
/** Where a sync-server answers: all that the API helpers below need, of a process or of a server in the test's own process. */
export interface ServerAddress {
  url: string;
  wsUrl: string;
  port: number;
}

export interface SyncServerProcess extends ServerAddress {
  dataDir: string;
  /** The ID it was started with (GOVDESK_SYNC_INSTANCE_ID), which its /healthz reports. */
  instanceId: string;
  child: ChildProcess;
  /** Every log line the server printed, parsed. */
  logs: Record<string, unknown>[];
  /** The exit code; null when a signal ended it. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts the server again on the same data directory and port. */
  restart(): Promise<SyncServerProcess>;
}

export interface SyncServerOptions {
  homeserver: RunningHomeserver;
  directory: Directory;
  env?: Record<string, string>;
  dataDir?: string;
  port?: number;
}

export async function startSyncServer(options: SyncServerOptions): Promise<SyncServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'govdesk-sync-'));
  const directoryFile = path.join(dataDir, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(options.directory));
  const instanceId = randomUUID();
  const service = startService('sync-server', 'sync-server/src/main.ts', [], {
    logDir: dataDir,
    // Only what the test sets: a developer's own GOVDESK_SYNC_* settings must not change what a test sees.
    baseEnv: { PATH: process.env.PATH },
    env: {
      GOVDESK_SYNC_PORT: String(options.port ?? 0),
      GOVDESK_SYNC_DATA_DIR: dataDir,
      GOVDESK_SYNC_DIRECTORY_FILE: directoryFile,
      GOVDESK_SYNC_HOMESERVERS: JSON.stringify({ [options.homeserver.serverName]: options.homeserver.baseUrl }),
      GOVDESK_SYNC_LOG_LEVEL: 'debug',
      ...options.env,
      GOVDESK_SYNC_INSTANCE_ID: instanceId,
    },
  });
  const logs: Record<string, unknown>[] = [];
  service.onLine((line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a log entry (Node's own warnings); it is in the log file.
    }
  });
  const exited = service.exited.then(() => service.child.exitCode);
  try {
    const listening = await service.line(/"msg":"sync-server listening"/);
    const port = (JSON.parse(listening.input as string) as { port: number }).port;
    const url = `http://127.0.0.1:${port}`;
    await waitForHealthy(service, `${url}/healthz`, instanceId);
    return {
      url,
      wsUrl: `ws://127.0.0.1:${port}/docs`,
      port,
      dataDir,
      instanceId,
      child: service.child,
      logs,
      exited,
      async stop(signal = 'SIGTERM') {
        if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill(signal);
        return exited;
      },
      restart: () => startSyncServer({ ...options, dataDir, port }),
    };
  } catch (error) {
    // A server that is not ours to use (it never became healthy) must not outlive the failed start.
    await service.stop();
    throw error;
  }
}

/** Whether the server answers /healthz as itself (its instance ID), within 5 s. */
export async function healthy(server: SyncServerProcess): Promise<boolean> {
  const answer = await askHealth(`${server.url}/healthz`);
  return answer !== null && answer.ok && answer.instance === server.instanceId;
}

/** What a desktop client does to log in: ask the homeserver for an OpenID token, exchange it for a session. */
export async function openIdToken(homeserver: RunningHomeserver, user: TestUser): Promise<string> {
  const response = await fetch(new URL(`/_matrix/client/v3/user/${encodeURIComponent(user.userId)}/openid/request_token`, homeserver.baseUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  if (!response.ok) throw new Error(`no OpenID token for ${user.userId}: ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function login(server: ServerAddress, homeserver: RunningHomeserver, user: TestUser): Promise<SessionTokens> {
  const response = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ homeserver: homeserver.serverName, openIdToken: await openIdToken(homeserver, user) }),
  });
  if (response.status !== 201) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as SessionTokens;
}

/** A parsed JSON body as tests read it: many shapes, checked by the assertions themselves. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type JsonBody = any;

/** A JSON API call with a session; returns status and parsed body. */
export async function api(server: ServerAddress, token: string | null, method: string, pathname: string, body?: unknown): Promise<{ status: number; body: JsonBody }> {
  const response = await fetch(`${server.url}${pathname}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/**
 * A notice `owner` creates in the secretariat and shares with each user in
 * `shares`, as every sync test needs one; throws with the server's answer if
 * either step is refused.
 */
export async function createSharedDocument(server: ServerAddress, owner: SessionTokens, shares: readonly (readonly [userId: string, role: 'editor' | 'reader'])[], title = '关于做好2026年防汛工作的通知'): Promise<string> {
  const created = await api(server, owner.accessToken, 'POST', '/api/documents', { title, docType: 'notice', owningUnitId: UNITS.secretariat, classification: 'internal' });
  if (created.status !== 201) throw new Error(`could not create a document: ${created.status} ${JSON.stringify(created.body)}`);
  const documentId = created.body.id as string;
  for (const [userId, role] of shares) {
    const shared = await api(server, owner.accessToken, 'PUT', `/api/documents/${documentId}/shares`, { principal: { type: 'user', userId }, role });
    if (shared.status !== 200) throw new Error(`could not share ${documentId} with ${userId}: ${shared.status} ${JSON.stringify(shared.body)}`);
  }
  return documentId;
}

/** Reads one metric's value (summed over labels matching `labels`) from /metrics. */
export async function metric(server: ServerAddress, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    if (Object.entries(labels).every(([key, value]) => (match[2] ?? '').includes(`${key}="${value}"`))) sum += Number(match[3]);
  }
  return sum;
}

/** The HTTP status of a WebSocket upgrade attempt (101 when it succeeds; the socket is closed again at once). */
export function upgradeStatus(url: string, headers?: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}
