import type { DesktopContract, EventName, PayloadOf } from '@govdesk/shared';

type Listener = (event: EventName<DesktopContract>, payload: unknown) => void;

/** Core's events to every connected renderer (all windows of one app). */
export class CoreEvents {
  readonly #listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit<E extends EventName<DesktopContract>>(event: E, payload: PayloadOf<DesktopContract, E>): void {
    for (const listener of this.#listeners) listener(event, payload);
  }
}
