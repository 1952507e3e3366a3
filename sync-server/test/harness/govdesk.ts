import type { DocumentRole, SessionTokens } from '@govdesk/shared';
import { startHomeserver, type RunningHomeserver } from '../../../build/homeserver/index.ts';
import { createTestOrganisation, type TestOrganisation } from '../../../test/support/organisation.ts';
import { api, createSharedDocument, login, startSyncServer, type SyncServerProcess } from '../../../test/support/sync-server.ts';

/**
 * Our server as the benches and the crash and fuzz tests use it: a real
 * sync-server process on its own data directory, a fresh organisation of real
 * accounts on the real Synapse test homeserver, sessions from real OpenID
 * tokens, documents created through the JSON API.
 */
export interface Govdesk {
  homeserver: RunningHomeserver;
  org: TestOrganisation;
  server: SyncServerProcess;
  /** 张伟 (秘书一处, civil servant): owns every document created here. */
  owner: SessionTokens;
  /** Logs a member of the organisation in. */
  login(name: 'zhang' | 'li' | 'wang'): Promise<SessionTokens>;
  /** Creates an internal document owned by 张伟; returns its ID. */
  createDocument(title?: string): Promise<string>;
  share(documentId: string, userId: string, role: DocumentRole): Promise<void>;
  /** `ws://…/docs/<id>?token=…` */
  socketUrl(documentId: string, session?: SessionTokens): string;
  /** Restarts the process on the same data directory and port (after `server.stop`). Sessions stay valid: they live in the database. */
  restart(): Promise<SyncServerProcess>;
  stop(): Promise<number | null>;
}

/** The homeserver for scripts outside vitest: the running test homeserver, or a fresh start of it. */
export async function benchHomeserver(): Promise<RunningHomeserver> {
  return (await startHomeserver('test')).homeserver;
}

/**
 * Starts our server. `env` sets GOVDESK_SYNC_* limits; the log level is
 * `info` (the test default, `debug`, logs every refused frame).
 * GOVDESK_BENCH_SERVER_NODE_OPTIONS, when set, becomes the server's NODE_OPTIONS.
 */
export async function startGovdesk(homeserver: RunningHomeserver, env: Record<string, string> = {}): Promise<Govdesk> {
  const org = await createTestOrganisation(homeserver);
  // GOVDESK_BENCH_SERVER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=…" profiles the server process (written when it exits gracefully).
  const profiling: Record<string, string> = process.env.GOVDESK_BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.GOVDESK_BENCH_SERVER_NODE_OPTIONS } : {};
  let server = await startSyncServer({ homeserver, directory: org.directory, env: { GOVDESK_SYNC_LOG_LEVEL: 'info', ...profiling, ...env } });
  const owner = await login(server, homeserver, org.zhang);
  const setup: Govdesk = {
    homeserver,
    org,
    get server() {
      return server;
    },
    owner,
    login: (name) => login(server, homeserver, org[name]),
    createDocument: (title) => createSharedDocument(server, owner, [], title),
    async share(documentId, userId, role) {
      const { status, body } = await api(server, owner.accessToken, 'PUT', `/api/documents/${documentId}/shares`, { principal: { type: 'user', userId }, role });
      if (status !== 200) throw new Error(`could not share ${documentId}: ${status} ${JSON.stringify(body)}`);
    },
    socketUrl: (documentId, session = owner) => `${server.wsUrl}/${documentId}?token=${encodeURIComponent(session.accessToken)}`,
    async restart() {
      server = await server.restart();
      return server;
    },
    stop: () => server.stop(),
  };
  return setup;
}
