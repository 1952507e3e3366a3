import { decodeFrame, encodeFrame, RpcEvent, RpcResponse, type GovdeskBridge } from '@govdesk/shared';

/**
 * Browser mode's stand-in for the Electron preload: defines `window.govdesk`
 * over the loopback WebSocket of desktop/src/web/server.ts. It is injected by
 * that server before the app's own script, so the renderer cannot tell which
 * shell it runs in.
 */

const SECRET_KEY = 'govdesk-secret';

function takeLaunchSecret(): string {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromUrl = fragment.get(SECRET_KEY);
  if (fromUrl) {
    // Keep it for reloads of this tab, and out of the address bar and history.
    sessionStorage.setItem(SECRET_KEY, fromUrl);
    fragment.delete(SECRET_KEY);
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return fromUrl;
  }
  return sessionStorage.getItem(SECRET_KEY) ?? '';
}

type Answer = Awaited<ReturnType<GovdeskBridge['invoke']>>;

function connect(): GovdeskBridge {
  const secret = takeLaunchSecret();
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/__govdesk/bridge`, ['govdesk-bridge', `govdesk-secret.${secret}`]);
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('close', () => reject(new Error('the GovDesk core is not reachable')), { once: true });
  });
  const pending = new Map<number, (answer: Answer) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 1;

  socket.addEventListener('message', (message: MessageEvent<string>) => {
    const frame = decodeFrame(message.data);
    const response = RpcResponse.safeParse(frame);
    if (response.success) {
      const settle = pending.get(response.data.id);
      pending.delete(response.data.id);
      settle?.(response.data.ok ? { ok: true, result: response.data.result } : { ok: false, error: response.data.error });
      return;
    }
    const event = RpcEvent.safeParse(frame);
    if (event.success) for (const listener of listeners.get(event.data.event) ?? []) listener(event.data.payload);
  });
  socket.addEventListener('close', () => {
    for (const settle of pending.values()) settle({ ok: false, error: { code: 'core_unavailable', message: 'the GovDesk core closed the connection' } });
    pending.clear();
  });

  return Object.freeze({
    async invoke(method: string, params: unknown): Promise<Answer> {
      try {
        await opened;
      } catch {
        return { ok: false, error: { code: 'core_unavailable', message: 'the GovDesk core is not reachable' } };
      }
      const id = nextId++;
      return new Promise<Answer>((resolve) => {
        pending.set(id, resolve);
        socket.send(encodeFrame({ kind: 'request', id, method, params }));
      });
    },
    on(event: string, listener: (payload: unknown) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  });
}

Object.defineProperty(window, 'govdesk', { value: connect(), writable: false, configurable: false });
