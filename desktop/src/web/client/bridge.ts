// Module by module, not the package's index: the page loads this script before the app, and the whole contract's
// schemas (which the app validates against itself) would double what it parses at every start.
import { DeepLinkRoute } from '@govdesk/shared/desktop-api/routes';
import { shellEvents, type ShellPayload } from '@govdesk/shared/desktop-api/shell';
import type { GovdeskBridge } from '@govdesk/shared/rpc/client';
import { decodeFrame, encodeFrame } from '@govdesk/shared/rpc/codec';
import { RpcEvent, RpcResponse } from '@govdesk/shared/rpc/envelope';

/**
 * Browser mode's stand-in for the Electron preload: defines `window.govdesk`
 * over the loopback WebSocket of desktop/src/web/server.ts. It is injected by
 * that server before the app's own script, so the renderer cannot tell which
 * shell it runs in.
 *
 * It also stands in for Electron main's tray and notifications: core's shell
 * events arrive as frames of their own kind (SHELL_FRAME in server.ts), and
 * the bridge shows the unread count in the page title and notifications as
 * web notifications, whose click asks the renderer to show their route the
 * way main does, with an `app.navigate` event.
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

const UNREACHABLE: Answer = { ok: false, error: { code: 'core_unavailable', message: 'the GovDesk core is not reachable' } };

/** "(3) 政务协同桌面 GovDesk": the unread count in front of the page's own title, the way a tab shows it. */
function showUnread(unread: number): void {
  const title = document.title.replace(/^\(\d+\+?\) /, '');
  document.title = unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${title}` : title;
}

/**
 * Web notifications for core's `shell.notify`. Permission is asked for only
 * once there is something to notify about, and then at the user's next click
 * or key press: browsers ignore or hide a request that no gesture started.
 * Notifications that came before the answer are not replayed; later ones show.
 */
class Notifier {
  readonly #navigate: (route: string) => void;
  #asking = false;

  constructor(navigate: (route: string) => void) {
    this.#navigate = navigate;
  }

  show(payload: ShellPayload<'shell.notify'>): void {
    if (!('Notification' in window)) return;
    if (Notification.permission === 'granted') this.#display(payload);
    else if (Notification.permission === 'default') this.#askAtNextGesture();
  }

  #display({ title, body, route }: ShellPayload<'shell.notify'>): void {
    // One tag per route: two tabs of the app show one notification, and a room's newer message replaces its older one.
    const notification = new Notification(title, { body, tag: route ?? title });
    notification.addEventListener('click', () => {
      window.focus();
      notification.close();
      if (route !== undefined) this.#navigate(route);
    });
  }

  #askAtNextGesture(): void {
    if (this.#asking) return;
    this.#asking = true;
    const ask = () => {
      window.removeEventListener('pointerdown', ask, true);
      window.removeEventListener('keydown', ask, true);
      Notification.requestPermission().catch((error: unknown) => console.warn('GovDesk: notification permission could not be asked for', error));
    };
    window.addEventListener('pointerdown', ask, true);
    window.addEventListener('keydown', ask, true);
  }
}

/** A shell frame's event, or null when the frame is not one (or is off-contract: then it is dropped and logged). */
function shellEventOf(frame: unknown): { event: 'shell.badge'; payload: ShellPayload<'shell.badge'> } | { event: 'shell.notify'; payload: ShellPayload<'shell.notify'> } | null {
  if (typeof frame !== 'object' || frame === null || (frame as { kind?: unknown }).kind !== 'shell') return null;
  const { event, payload } = frame as { event?: unknown; payload?: unknown };
  if (event === 'shell.badge' || event === 'shell.notify') {
    const parsed = shellEvents[event].safeParse(payload);
    if (parsed.success) return { event, payload: parsed.data } as ReturnType<typeof shellEventOf>;
  }
  console.warn('GovDesk: dropped an invalid shell event', event);
  return null;
}

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
  // As Electron main does for a clicked notification: the route, if it is one a link may name, as an app.navigate event.
  const notifier = new Notifier((route) => {
    const navigate = DeepLinkRoute.safeParse(route);
    if (!navigate.success) return;
    for (const listener of listeners.get('app.navigate') ?? []) listener({ route: navigate.data });
  });

  socket.addEventListener('message', (message: MessageEvent<string>) => {
    const frame = decodeFrame(message.data);
    const shell = shellEventOf(frame);
    if (shell !== null) {
      if (shell.event === 'shell.badge') showUnread(shell.payload.unread);
      else notifier.show(shell.payload);
      return;
    }
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
    invoke(method: string, params: unknown): Promise<Answer> {
      const id = nextId++;
      return new Promise<Answer>((resolve) => {
        const send = () => {
          if (socket.readyState !== socket.OPEN) return resolve(UNREACHABLE);
          pending.set(id, resolve);
          socket.send(encodeFrame({ kind: 'request', id, method, params }));
        };
        // At once when the socket is open, not a microtask later: a call made while React renders (the room list's,
        // at a start) then reaches core before the render ends, and core answers while the renderer is still busy.
        if (socket.readyState === socket.CONNECTING) opened.then(send, () => resolve(UNREACHABLE));
        else send();
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
