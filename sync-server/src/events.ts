import type { Logger } from './logger.ts';

/** What services announce, and what each announcement carries. */
export interface ServerEvents {
  /** The shares of a document changed: whoever has it open may hold another right on it now. */
  'rights.changed': { documentId: string };
  /** A session ended before it ran out (logout, a refresh token presented twice): its sockets end with it. */
  'session.ended': { sessionId: string };
}

export type EventName = keyof ServerEvents;
type Listener<Name extends EventName> = (event: ServerEvents[Name]) => void | Promise<void>;
/** A listener of some event: the map below holds each with the name of its event. */
type SomeListener = (event: never) => void | Promise<void>;

/**
 * Services announce what happened here, and whoever must act on it (the hub,
 * features) listens: no service holds a reference to the hub. Listeners run
 * at once, in the order they subscribed, before `emit` returns. What one
 * throws or rejects with is logged and stops neither the other listeners nor
 * the publisher, which has done its part already (the share is written, the
 * session deleted).
 */
export class EventBus {
  readonly #listeners = new Map<EventName, Set<SomeListener>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<Name extends EventName>(name: Name, listener: Listener<Name>): () => void {
    let listeners = this.#listeners.get(name);
    if (!listeners) this.#listeners.set(name, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  emit<Name extends EventName>(name: Name, event: ServerEvents[Name]): void {
    const failed = (error: unknown) => this.#log.error({ err: error, event: name, payload: event }, 'an event listener failed');
    for (const listener of (this.#listeners.get(name) ?? []) as Iterable<Listener<Name>>) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  }
}
