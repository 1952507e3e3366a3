import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { canWriteContent } from '@govdesk/shared';
import { SessionService } from './auth/sessions.ts';
import { TokenSigner } from './auth/tokens.ts';
import type { SyncServerConfig } from './config.ts';
import { DirectoryService } from './directory/directory-service.ts';
import { DocumentService } from './documents/document-service.ts';
import { DomainError } from './domain-error.ts';
import { EventBus } from './events.ts';
import type { Feature } from './feature.ts';
import { FEATURES } from './features.ts';
import { Hooks } from './hooks.ts';
import { Api, bearerToken } from './http/api.ts';
import { Router } from './http/router.ts';
import type { Logger } from './logger.ts';
import { SyncMetrics } from './metrics/metrics.ts';
import { openApiDocument } from './openapi.ts';
import { openSqliteStorage } from './storage/sqlite/storage.ts';
import type { Storage } from './storage/types.ts';
import { DocumentHub } from './sync/hub.ts';
import { describeStoredContent } from './sync/digest.ts';
import { createUpgradeHandler } from './sync/upgrade.ts';

export const VERSION = '0.1.0';

export interface SyncServer {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number>;
  /** Graceful shutdown: stop accepting, make pending updates durable, close sockets with "going away". */
  close(): Promise<void>;
  readonly httpServer: Server;
  readonly metrics: SyncMetrics;
}

const isLoopback = (address: string | undefined) => address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';

/** Compares secrets in constant time (hashes first, so that lengths do not leak either). */
const sameSecret = (given: string | undefined, expected: string) =>
  given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

export interface SyncServerOptions {
  /** Where everything is kept; SQLite in `config.dataDir` unless given (tests wrap it to provoke failures). */
  storage?: Storage;
  /** Features served after those of features.ts (tests add fixtures). */
  features?: readonly Feature[];
}

/**
 * The composition root: storage, services, the hub, the features with their
 * routes and hooks, and the document WebSocket. Services announce what
 * happened on the event bus and the hub listens, so neither refers to the other.
 */
export async function createSyncServer(config: SyncServerConfig, log: Logger, options: SyncServerOptions = {}): Promise<SyncServer> {
  const storage = options.storage ?? openSqliteStorage(config.dataDir);
  const metrics = new SyncMetrics();
  const directory = await DirectoryService.open(storage.directory, config.directoryFile);
  const signer = new TokenSigner(config.sessionSecret ? Buffer.from(config.sessionSecret) : await storage.sessionKey());

  const events = new EventBus(log);
  const sessions = new SessionService(signer, storage.sessions, directory, config, events);
  const documents = new DocumentService(storage.documents, directory, events);
  // The hub tells the features' hooks; each feature adds its own below, when it is set up (after the hub, which
  // features may use) and before any request is served.
  const hooks = new Hooks(log);
  const hub = new DocumentHub({
    store: storage.content,
    access: { canWrite: canWriteContent, currentRole: (userId, documentId) => documents.roleOf(userId, documentId), sessionExpiresAt: (sessionId) => sessions.expiresAt(sessionId) },
    events,
    hooks,
    metrics,
    log,
    limits: config.limits,
    storage: config.storage,
  });

  let stopping = false;
  const router = new Router();
  // The instance ID lets a launcher tell this process from another one answering on the same port.
  router.add('GET', '/healthz', () => ({ status: stopping ? 503 : 200, body: { status: stopping ? 'stopping' : 'ok', instance: config.instanceId } }));
  router.add('GET', '/metrics', async ({ req, res }) => {
    const allowed = config.metricsToken ? sameSecret(bearerToken(req), config.metricsToken) : isLoopback(req.socket.remoteAddress);
    if (!allowed) throw new DomainError('not_allowed', 'metrics need the metrics token');
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(text);
    return undefined;
  });
  const api = new Api(router, sessions, config.limits.maxBodyBytes);
  router.add('GET', '/api/openapi.json', () => ({ body: openApiDocument(VERSION, api.served) }));
  const digestOf = async (documentId: string) => hub.digestOf(documentId) ?? describeStoredContent(storage.content, documentId);
  for (const feature of [...FEATURES, ...(options.features ?? [])]) {
    const featureHooks = await feature.setup({ config, log: log.child({ feature: feature.name }), api, events, sessions, directory, documents, digestOf });
    if (featureHooks) hooks.add(feature.name, featureHooks);
  }

  const httpServer = createServer((req, res) => {
    const started = performance.now();
    void router.handle(req, res, log).then((route) => {
      res.once('finish', () => {
        metrics.httpRequests.inc({ method: req.method ?? '', route: route ?? 'unmatched', status: String(res.statusCode) });
        // Paths only: query strings can carry tokens.
        log.info({ method: req.method, route: route ?? 'unmatched', status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request');
      });
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxFrameBytes, perMessageDeflate: false });
  const onUpgrade = createUpgradeHandler({ hub, sessions, documents, hooks, wss, metrics, log });
  httpServer.on('upgrade', (req, socket, head) => {
    if (stopping) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    void onUpgrade(req, socket, head);
  });

  const sweeper = setInterval(() => {
    void storage.sessions.deleteExpired(Date.now()).catch((error: unknown) => log.error({ err: error }, 'could not delete expired sessions'));
  }, 10 * 60 * 1000);
  sweeper.unref();

  return {
    httpServer,
    metrics,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          const { port } = httpServer.address() as AddressInfo;
          log.info({ host: config.host, port, dataDir: config.dataDir, homeservers: Object.keys(config.homeservers) }, 'sync-server listening');
          resolve(port);
        });
      }),
    async close() {
      stopping = true;
      clearInterval(sweeper);
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      await hub.close();
      wss.close();
      httpServer.closeAllConnections();
      await closed;
      await storage.close();
      metrics.close();
    },
  };
}
