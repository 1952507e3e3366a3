import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { canWriteContent } from '@govdesk/shared';
import { registerSessionRoutes } from './auth/routes.ts';
import { SessionService } from './auth/sessions.ts';
import { TokenSigner } from './auth/tokens.ts';
import type { SyncServerConfig } from './config.ts';
import { DirectoryService } from './directory/directory-service.ts';
import { registerDirectoryRoutes } from './directory/routes.ts';
import { DocumentService } from './documents/document-service.ts';
import { registerDocumentRoutes } from './documents/routes.ts';
import { bearerToken } from './http/api.ts';
import { forbidden, HttpError } from './http/errors.ts';
import { KeyedRateLimiter } from './http/rate-limit.ts';
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

/** The composition root: storage, services, HTTP routes and the document WebSocket. */
export async function createSyncServer(config: SyncServerConfig, log: Logger, storage: Storage = openSqliteStorage(config.dataDir)): Promise<SyncServer> {
  const metrics = new SyncMetrics();
  const directory = await DirectoryService.open(storage.directory, config.directoryFile);
  const signer = new TokenSigner(config.sessionSecret ? Buffer.from(config.sessionSecret) : await storage.sessionKey());

  // The hub and the services point at each other through callbacks; `hub` is assigned below, before any request is served.
  let hub: DocumentHub | null = null;
  const sessions = new SessionService(signer, storage.sessions, directory, config, (sessionId) => hub?.sessionEnded(sessionId));
  const documents = new DocumentService(storage.documents, directory, (documentId) => {
    hub?.rightsChanged(documentId).catch((error: unknown) => log.error({ err: error, documentId }, 'could not apply a change of rights to open connections'));
  });
  hub = new DocumentHub({
    store: storage.content,
    hooks: { canWrite: canWriteContent, currentRole: (userId, documentId) => documents.roleOf(userId, documentId), sessionExpiresAt: (sessionId) => sessions.expiresAt(sessionId) },
    metrics,
    log,
    limits: config.limits,
    storage: config.storage,
  });
  const documentHub = hub;

  let stopping = false;
  const router = new Router();
  router.add('GET', '/healthz', () => (stopping ? { status: 503, body: { status: 'stopping' } } : { body: { status: 'ok' } }));
  router.add('GET', '/metrics', async ({ req, res }) => {
    const allowed = config.metricsToken ? sameSecret(bearerToken(req), config.metricsToken) : isLoopback(req.socket.remoteAddress);
    if (!allowed) throw forbidden('not_allowed', 'metrics need the metrics token');
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(text);
    return undefined;
  });
  router.add('GET', '/api/openapi.json', () => ({ body: openApiDocument(VERSION) }));
  registerSessionRoutes(router, sessions, new KeyedRateLimiter(config.limits.sessionsPerMinute / 60, config.limits.sessionsPerMinute), config.limits.maxBodyBytes);
  registerDirectoryRoutes(router, sessions, directory, config.limits.maxBodyBytes);
  registerDocumentRoutes(router, sessions, documents, config.limits.maxBodyBytes, async (documentId) => documentHub.digestOf(documentId) ?? describeStoredContent(storage.content, documentId));

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
  const onUpgrade = createUpgradeHandler({ hub: documentHub, sessions, documents, wss, metrics, log });
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
      await documentHub.close();
      wss.close();
      httpServer.closeAllConnections();
      await closed;
      await storage.close();
      metrics.close();
    },
  };
}

export { HttpError };
