import type { DesktopContract, EventName, PayloadOf, ShellEventName, ShellPayload } from '@govdesk/shared';

type Listener<Name extends string> = (event: Name, payload: unknown) => void;

class Emitter<Name extends string> {
  readonly #listeners = new Set<Listener<Name>>();

  subscribe(listener: Listener<Name>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  protected dispatch(event: Name, payload: unknown): void {
    for (const listener of this.#listeners) listener(event, payload);
  }
}

/** Core's events to every connected renderer (all windows of one app). */
export class CoreEvents extends Emitter<EventName<DesktopContract>> {
  emit<E extends EventName<DesktopContract>>(event: E, payload: PayloadOf<DesktopContract, E>): void {
    this.dispatch(event, payload);
  }
}

/** Core's events to the shell: tray badge, native notifications. */
export class ShellEventStream extends Emitter<ShellEventName> {
  emit<E extends ShellEventName>(event: E, payload: ShellPayload<E>): void {
    this.dispatch(event, payload);
  }
}
