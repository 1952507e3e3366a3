import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SyncServerConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { Router } from './http/router.ts';

export interface SyncServer {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number>;
  /** Graceful shutdown: stop accepting, flush, close sockets with "going away". */
  close(): Promise<void>;
  readonly httpServer: Server;
}

export function createSyncServer(config: SyncServerConfig, log: Logger): SyncServer {
  const router = new Router();
  router.add('GET', '/healthz', () => ({ body: { status: 'ok' } }));

  const httpServer = createServer((req, res) => void router.handle(req, res, log));

  return {
    httpServer,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          const { port } = httpServer.address() as AddressInfo;
          log.info({ host: config.host, port }, 'sync-server listening');
          resolve(port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}
