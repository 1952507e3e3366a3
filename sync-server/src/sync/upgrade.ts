import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { API_ERRORS, DocumentId, type ApiErrorCode } from '@govdesk/shared';
import type { SessionService } from '../auth/sessions.ts';
import type { DocumentService } from '../documents/document-service.ts';
import { DomainError } from '../domain-error.ts';
import type { Hooks } from '../hooks.ts';
import { bearerToken } from '../http/api.ts';
import type { Logger } from '../logger.ts';
import type { SyncMetrics } from '../metrics/metrics.ts';
import type { DocumentHub } from './hub.ts';
import { CloseCode } from './protocol.ts';

/** Document sockets live at /docs/<documentId>: a stock WebsocketProvider uses serverUrl `ws(s)://host/docs` and the document ID as room. */
export const DOCS_PATH = '/docs/';

export interface UpgradeDeps {
  hub: DocumentHub;
  sessions: SessionService;
  documents: DocumentService;
  /** The features' `authenticate` hooks, which may refuse a socket the session and the right allow. */
  hooks: Pick<Hooks, 'authenticate'>;
  wss: WebSocketServer;
  metrics: SyncMetrics;
  log: Logger;
}

function refuse(socket: Duplex, status: number, code: ApiErrorCode, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Nobody gets a socket without a valid session and a right on the document,
 * and features may refuse more (FeatureHooks.authenticate): the checks run on
 * the HTTP upgrade request, before the WebSocket exists.
 */
export function createUpgradeHandler({ hub, sessions, documents, hooks, wss, metrics, log }: UpgradeDeps) {
  return async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://sync-server');
    const fail = (code: ApiErrorCode, message: string) => {
      const status = API_ERRORS[code];
      metrics.refusedUpgrades.inc({ status: String(status) });
      log.info({ path: url.pathname, status, code }, 'upgrade refused');
      refuse(socket, status, code, message);
    };
    try {
      if (!url.pathname.startsWith(DOCS_PATH)) return fail('not_found', `no WebSocket endpoint at ${url.pathname}`);
      const documentId = decodePathSegment(url.pathname.slice(DOCS_PATH.length));
      if (documentId === null || !DocumentId.safeParse(documentId).success) return fail('not_found', 'not a document ID');
      // Browsers cannot set headers on a WebSocket, so the stock client sends the token as a query parameter.
      const token = url.searchParams.get('token') ?? bearerToken(req);
      const principal = await sessions.authenticate(token);
      const role = await documents.roleOf(principal.userId, documentId);
      if (role === null) return fail('no_access', 'you have no right on this document');
      await hooks.authenticate({ userId: principal.userId, sessionId: principal.sessionId, documentId, role });
      // The slot is taken before the wait for the document, so that upgrades arriving together cannot all find room.
      if (!hub.reserveConnection(principal.userId)) return fail('too_many_connections', 'too many open connections for this user');
      let attached = false;
      try {
        // The persisted document is in memory before the first sync message is answered.
        await hub.acquire(documentId);
        if (socket.destroyed) return;
        // ws calls back before handleUpgrade returns, or never (a handshake it refuses).
        wss.handleUpgrade(req, socket, head, (ws) => {
          const conn = hub.attach(ws, { userId: principal.userId, sessionId: principal.sessionId, sessionExpiresAt: principal.sessionExpiresAt, documentId, role });
          if (!conn) return;
          attached = true;
          // Rights may have changed while the document loaded; a revocation in that window must not be missed.
          documents.roleOf(principal.userId, documentId).then(
            (now) => {
              if (now === null) conn.close(CloseCode.accessRevoked, 'access revoked');
              else conn.role = now;
            },
            (error: unknown) => {
              // Unchecked, the right may have been revoked: the client reconnects, and its upgrade checks afresh.
              log.error({ err: error, documentId, userId: principal.userId }, 'could not check the right after the upgrade');
              conn.close(CloseCode.storageFailure, 'storage failure');
            },
          );
        });
      } finally {
        // An attached connection keeps the slot until it closes; any other way out gives it back.
        if (!attached) hub.releaseConnection(principal.userId);
      }
    } catch (error) {
      if (error instanceof DomainError) return fail(error.code, error.message);
      log.error({ err: error, path: url.pathname }, 'upgrade failed');
      return fail('internal', 'internal server error');
    }
  };
}

/** A %-decoded path segment, or null when its escapes are broken. */
function decodePathSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
