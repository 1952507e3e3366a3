import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ApiClient, DesktopContract, DocumentStatus } from '@govdesk/shared';
import type { RunningHomeserver } from '../../build/homeserver/index.ts';
import { createCore, type Core, type CoreOptions } from '../../desktop/src/core/core.ts';
import { CoreDocProvider } from '../../desktop/src/renderer/documents/core-provider.ts';
import { inProcessApi } from './core-client.ts';
import type { TestUser } from './matrix.ts';
import type { TcpProxy } from './tcp-proxy.ts';

/**
 * A desktop core running in the test process, as the app would run it, with
 * its own encrypted cache directory; its network to the sync-server goes
 * through a TcpProxy that a test can cut (`proxy: null`: no sync-server).
 * With a `homeserverProxy`, its homeserver traffic (login, Matrix sync and
 * sends) goes through that proxy too.
 */
export interface TestCore<P extends TcpProxy | null = TcpProxy> {
  core: Core;
  api: ApiClient<DesktopContract>;
  dataDir: string;
  key: Uint8Array;
  proxy: P;
  homeserverProxy: TcpProxy | null;
  /** Where this core reaches the homeserver (through `homeserverProxy` when there is one). */
  homeserverUrl: string;
  /** Closes this core and starts a new one on the same cache (an app restart). */
  restart(): Promise<TestCore<P>>;
  close(): Promise<void>;
}

export async function startCore<P extends TcpProxy | null = TcpProxy>(options: {
  homeserver: RunningHomeserver;
  proxy: P;
  homeserverProxy?: TcpProxy;
  dataDir?: string;
  key?: Uint8Array;
  log?: CoreOptions['log'];
}): Promise<TestCore<P>> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'govdesk-core-'));
  const key = options.key ?? new Uint8Array(randomBytes(32));
  const homeserverUrl = options.homeserverProxy?.url ?? options.homeserver.baseUrl;
  const core = await createCore({ dataDir, databaseKey: key, syncServerUrl: options.proxy?.url ?? null, defaultHomeserverUrl: homeserverUrl, replicaLingerMs: 0, log: options.log });
  const testCore: TestCore<P> = {
    core,
    api: inProcessApi(core),
    dataDir,
    key,
    proxy: options.proxy,
    homeserverProxy: options.homeserverProxy ?? null,
    homeserverUrl,
    async restart() {
      await core.close();
      return startCore({ ...options, dataDir, key });
    },
    close: () => core.close(),
  };
  return testCore;
}

export async function loginCore(testCore: TestCore<TcpProxy | null>, homeserver: RunningHomeserver, user: TestUser): Promise<void> {
  const homeserverUrl = testCore.homeserverProxy ? testCore.homeserverUrl : homeserver.baseUrl;
  await testCore.api.call('session.login', { homeserverUrl, username: user.username, password: user.password });
}

/** Opens a document the way the renderer does, and gives its Y.Doc. */
export async function openDocument(testCore: TestCore, documentId: string): Promise<CoreDocProvider> {
  const provider = new CoreDocProvider(testCore.api, documentId);
  await provider.open();
  return provider;
}

export function waitForStatus(provider: CoreDocProvider, wanted: (status: DocumentStatus) => boolean, timeoutMs = 15_000): Promise<DocumentStatus> {
  if (wanted(provider.status)) return Promise.resolve(provider.status);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`document status stayed ${JSON.stringify(provider.status)}`));
    }, timeoutMs);
    const stop = provider.onStatus((status) => {
      if (!wanted(status)) return;
      clearTimeout(timer);
      stop();
      resolve(status);
    });
  });
}

export const savedAndOnline = (status: DocumentStatus) => status.connection === 'online' && status.savedToServer;
