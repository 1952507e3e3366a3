import type { DocumentDigest, DocumentRole } from '@govdesk/shared';
import type { SessionService } from './auth/sessions.ts';
import type { SyncServerConfig } from './config.ts';
import type { DirectoryService } from './directory/directory-service.ts';
import type { DocumentService } from './documents/document-service.ts';
import type { EventBus } from './events.ts';
import type { Api } from './http/api.ts';
import type { Logger } from './logger.ts';

/**
 * A sync-server feature (sessions, directory, documents; approvals, audit and
 * meetings to come): a folder whose `feature.ts` exports one of these, listed
 * once in features.ts. At start, `setup` serves the feature's routes and
 * returns the hooks through which it follows document sockets.
 */
export interface Feature {
  /** Names the feature in logs, e.g. when one of its hooks fails. */
  readonly name: string;
  setup(context: FeatureContext): FeatureHooks | void | Promise<FeatureHooks | void>;
}

/** What the server offers a feature at start. */
export interface FeatureContext {
  readonly config: SyncServerConfig;
  /** The server's log, with the feature's name on every line. */
  readonly log: Logger;
  /** Serves a table of the JSON API: authentication and body as each route's spec says, errors by the contract's codes. */
  readonly api: Pick<Api, 'serve'>;
  /** What services announce (rights changed, a session ended). */
  readonly events: EventBus;
  readonly sessions: SessionService;
  readonly directory: DirectoryService;
  readonly documents: DocumentService;
  /** The digest of a document's content as the server holds it, in memory or stored. */
  digestOf(documentId: string): Promise<DocumentDigest>;
}

/** A document socket, as hooks see it. */
export interface SocketIdentity {
  userId: string;
  sessionId: string;
  documentId: string;
}

/** A document socket about to open, with the user's right on the document. */
export interface SocketRequest extends SocketIdentity {
  role: DocumentRole;
}

/** An update a user wrote to a document, as the server logs it. Each hook gets its own copy of the bytes. */
export interface DocumentUpdate {
  userId: string;
  documentId: string;
  update: Uint8Array;
}

/**
 * Where a feature follows document sockets, after the model of Hocuspocus's
 * extension hooks. No hook can break sync: whatever one throws or rejects
 * with is logged with the feature's name. Only `authenticate` is awaited and
 * only it may refuse; the others are told after the fact and not waited for,
 * so that a slow or failing feature never holds back an update, its
 * durability or a socket. They run on the event loop that serves every
 * socket: work that takes long belongs in a queue of the feature's own.
 */
export interface FeatureHooks {
  /**
   * A document socket is about to open: the session is valid and the user has
   * a right on the document (a feature can refuse more, never allow more).
   * Awaited, feature after feature in the order of features.ts. Throwing a
   * DomainError refuses the upgrade with its code; any other error refuses it
   * with 500 `internal` and is logged (a gate that cannot decide stays shut).
   */
  authenticate?(socket: SocketRequest): void | Promise<void>;
  /** A document was read from storage into memory, before any socket on it syncs. */
  load?(document: { documentId: string }): void | Promise<void>;
  /**
   * An update was accepted: the writer's right and the integrity checks
   * passed, and it changed the server's copy. It is not durable yet and no
   * client has it yet (see `stored`). Refusing is the job of rights and of the
   * integrity check, before an update takes effect: a hook cannot take one back.
   */
  change?(update: DocumentUpdate): void | Promise<void>;
  /** An accepted update is durable and was sent to the document's sockets; told in the order of the document's log. */
  stored?(update: DocumentUpdate): void | Promise<void>;
  /** A document socket closed, whatever the reason. */
  disconnect?(socket: SocketIdentity): void | Promise<void>;
}
