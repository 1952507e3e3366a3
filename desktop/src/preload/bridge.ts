import type { ContractSpec, GovdeskBridge } from '@govdesk/shared';

/**
 * `window.govdesk` for Electron, written against a transport instead of
 * ipcRenderer so it can be tested in plain Node (the preload itself only
 * plugs ipcRenderer in). The page gets two functions over plain data: no
 * ipcRenderer, no channel names, no IpcRendererEvent (its `sender` would hand
 * the page a way to send on any channel).
 */

type Answer = Awaited<ReturnType<GovdeskBridge['invoke']>>;

export interface PreloadTransport {
  /** Sends `{ method, params }` to main; resolves with main's answer, rejects when main has no handler. */
  invoke(request: { method: string; params: unknown }): Promise<unknown>;
  /** Registers the one listener of main's event channel; it receives the message only. */
  listen(deliver: (message: unknown) => void): void;
}

function failure(code: string, message: string): Answer {
  return { ok: false, error: { code, message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies only the fields of an answer, so whatever else main's value carried stays behind. */
function toAnswer(value: unknown): Answer {
  if (isRecord(value) && value.ok === true) return { ok: true, result: value.result };
  if (isRecord(value) && value.ok === false && isRecord(value.error) && typeof value.error.code === 'string' && typeof value.error.message === 'string') {
    const { code, message, details } = value.error;
    return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
  }
  return failure('internal', 'the GovDesk shell gave a malformed answer');
}

export function createPreloadBridge(contract: ContractSpec, transport: PreloadTransport, report: (message: string, error?: unknown) => void = () => {}): GovdeskBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  transport.listen((message) => {
    if (!isRecord(message) || typeof message.event !== 'string' || !Object.hasOwn(contract.events, message.event)) return;
    for (const listener of [...(listeners.get(message.event) ?? [])]) {
      try {
        listener(message.payload);
      } catch (error) {
        // One failing listener must not starve the others of the event.
        report(`a listener of ${message.event} failed`, error);
      }
    }
  });

  return Object.freeze({
    async invoke(method: string, params: unknown): Promise<Answer> {
      if (typeof method !== 'string' || !Object.hasOwn(contract.methods, method)) return failure('unknown_method', `unknown method ${String(method)}`);
      try {
        return toAnswer(await transport.invoke({ method, params }));
      } catch (error) {
        report(`${method} did not reach the GovDesk shell`, error);
        return failure('core_unavailable', 'the GovDesk core is not reachable');
      }
    },
    on(event: string, listener: (payload: unknown) => void): () => void {
      if (typeof event !== 'string' || !Object.hasOwn(contract.events, event) || typeof listener !== 'function') return () => {};
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  });
}
