import { DomainError } from './domain-error.ts';
import type { DocumentUpdate, FeatureHooks, SocketIdentity, SocketRequest } from './feature.ts';
import type { Logger } from './logger.ts';

type Notice = Exclude<keyof FeatureHooks, 'authenticate'>;
type Payload<Name extends Notice> = Parameters<NonNullable<FeatureHooks[Name]>>[0];

/**
 * The features' hooks as the server calls them (the rules are FeatureHooks'):
 * nothing a hook does reaches the caller except a refusal from
 * `authenticate`. The hub calls the notices in the middle of its own work
 * (applying an update, a flush), so they never throw.
 */
export class Hooks {
  readonly #log: Logger;
  readonly #features: { feature: string; hooks: FeatureHooks }[] = [];

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Adds a feature's hooks (at start, in the order of features.ts). */
  add(feature: string, hooks: FeatureHooks): void {
    this.#features.push({ feature, hooks });
  }

  /** Resolves when every feature lets the socket open; rejects with the DomainError that refuses it. */
  async authenticate(socket: SocketRequest): Promise<void> {
    for (const { feature, hooks } of this.#features) {
      if (!hooks.authenticate) continue;
      try {
        await hooks.authenticate(socket);
      } catch (error) {
        if (error instanceof DomainError) throw error;
        this.#log.error({ err: error, feature, hook: 'authenticate', documentId: socket.documentId, userId: socket.userId }, 'a feature hook failed: the socket is refused');
        throw new DomainError('internal', 'internal server error');
      }
    }
  }

  load(document: { documentId: string }): void {
    this.#tell('load', () => ({ ...document }));
  }

  change(update: DocumentUpdate): void {
    // A copy for each hook: the bytes the hub holds are on their way to the log.
    this.#tell('change', () => ({ ...update, update: update.update.slice() }));
  }

  stored(update: DocumentUpdate): void {
    this.#tell('stored', () => ({ ...update, update: update.update.slice() }));
  }

  disconnect(socket: SocketIdentity): void {
    this.#tell('disconnect', () => ({ ...socket }));
  }

  #tell<Name extends Notice>(hook: Name, payload: () => Payload<Name>): void {
    for (const { feature, hooks } of this.#features) {
      const listener = hooks[hook] as ((payload: Payload<Name>) => void | Promise<void>) | undefined;
      if (!listener) continue;
      const event = payload();
      const failed = (error: unknown) => this.#log.error({ err: error, feature, hook, documentId: (event as { documentId: string }).documentId }, 'a feature hook failed');
      try {
        const result = listener.call(hooks, event);
        if (result instanceof Promise) result.catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  }
}
