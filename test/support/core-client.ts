import WebSocket from 'ws';
import { createApiClient, createDispatcher, decodeFrame, desktopContract, encodeFrame, RpcEvent, RpcResponse, type ApiClient, type DesktopContract, type GovdeskBridge } from '@govdesk/shared';
import type { Core } from '../../desktop/src/core/core.ts';

/** The desktop API of an in-process core, as a renderer would see it (same dispatcher as the shells). */
export function inProcessApi(core: Core): ApiClient<DesktopContract> {
  const dispatch = createDispatcher(desktopContract, core.handlers, (method, error) => console.error(`core method ${method} failed`, error));
  const bridge: GovdeskBridge = {
    invoke: (method, params) => dispatch(method, params, { origin: 'test' }),
    on: (event, listener) => core.events.subscribe((name, payload) => name === event && listener(payload)),
  };
  return createApiClient(desktopContract, bridge);
}

/**
 * The desktop API of a browser-mode app process, over its loopback bridge,
 * as the page would reach it (same origin, the launch secret).
 */
export async function bridgeApi(appUrl: string): Promise<{ api: ApiClient<DesktopContract>; close(): void }> {
  const url = new URL(appUrl);
  const secret = new URLSearchParams(url.hash.slice(1)).get('govdesk-secret') ?? '';
  const ws = new WebSocket(`ws://${url.host}/__govdesk/bridge`, ['govdesk-bridge', `govdesk-secret.${secret}`], { origin: url.origin });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const pending = new Map<number, (answer: Awaited<ReturnType<GovdeskBridge['invoke']>>) => void>();
  const listeners = new Set<(event: string, payload: unknown) => void>();
  let nextId = 1;
  ws.on('message', (data) => {
    const frame = decodeFrame(data.toString());
    const response = RpcResponse.safeParse(frame);
    if (response.success) {
      pending.get(response.data.id)?.(response.data.ok ? { ok: true, result: response.data.result } : { ok: false, error: response.data.error });
      pending.delete(response.data.id);
      return;
    }
    const event = RpcEvent.safeParse(frame);
    if (event.success) for (const listener of listeners) listener(event.data.event, event.data.payload);
  });
  ws.on('close', () => {
    for (const settle of pending.values()) settle({ ok: false, error: { code: 'core_unavailable', message: 'the app closed the bridge' } });
    pending.clear();
  });
  const bridge: GovdeskBridge = {
    invoke: (method, params) =>
      new Promise((resolve) => {
        if (ws.readyState !== WebSocket.OPEN) return resolve({ ok: false, error: { code: 'core_unavailable', message: 'the bridge is closed' } });
        const id = nextId++;
        pending.set(id, resolve);
        ws.send(encodeFrame({ kind: 'request', id, method, params }));
      }),
    on: (event, listener) => {
      const wrapped = (name: string, payload: unknown) => name === event && listener(payload);
      listeners.add(wrapped);
      return () => listeners.delete(wrapped);
    },
  };
  return { api: createApiClient(desktopContract, bridge), close: () => ws.close() };
}
