import { describe, expect, it } from 'vitest';
import { desktopContract, type GovdeskBridge } from '@govdesk/shared';
import { createPreloadBridge, type PreloadTransport } from '../../src/preload/bridge.ts';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '@govdesk/shared';

/**
 * window.govdesk in Electron, with a fake transport where ipcRenderer would
 * be: it must be exactly GovdeskBridge, refuse what the contract does not
 * name, never leak the IPC event, and turn every failure into a value.
 */

function fakeTransport(answer: (request: { method: string; params: unknown }) => Promise<unknown> = async () => ({ ok: true, result: {} })) {
  const sent: { method: string; params: unknown }[] = [];
  let deliver: (message: unknown) => void = () => {};
  const transport: PreloadTransport = {
    invoke: (request) => {
      sent.push(request);
      return answer(request);
    },
    listen: (listener) => {
      deliver = listener;
    },
  };
  return { transport, sent, emit: (message: unknown) => deliver(message) };
}

describe('the Electron preload bridge', () => {
  it('is a frozen object of exactly invoke and on', () => {
    const bridge = createPreloadBridge(desktopContract, fakeTransport().transport);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on']);
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(typeof bridge.invoke).toBe('function');
    expect(typeof bridge.on).toBe('function');
  });

  it('forwards contract methods as { method, params } and returns the answer', async () => {
    const { transport, sent } = fakeTransport(async () => ({ ok: true, result: { homeserverUrl: null } }));
    const bridge = createPreloadBridge(desktopContract, transport);
    expect(await bridge.invoke('app.defaults', {})).toEqual({ ok: true, result: { homeserverUrl: null } });
    expect(sent).toEqual([{ method: 'app.defaults', params: {} }]);
  });

  it('refuses methods the contract does not name, without asking main', async () => {
    const { transport, sent } = fakeTransport();
    const bridge = createPreloadBridge(desktopContract, transport);
    for (const method of ['shell.openExternal', '__proto__', 'constructor', 'toString', '']) {
      const answer = await bridge.invoke(method, {});
      expect(answer.ok, method).toBe(false);
      if (!answer.ok) expect(answer.error.code).toBe('unknown_method');
    }
    expect(await (bridge.invoke as (method: unknown, params: unknown) => ReturnType<GovdeskBridge['invoke']>)(42, {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(sent).toEqual([]);
  });

  it('passes on the fields of an answer and nothing else', async () => {
    const { transport } = fakeTransport(async () => ({ ok: false, error: { code: 'invalid_params', message: 'bad', details: [1], stack: 'secret' }, extra: 'x' }));
    const bridge = createPreloadBridge(desktopContract, transport);
    expect(await bridge.invoke('app.defaults', {})).toEqual({ ok: false, error: { code: 'invalid_params', message: 'bad', details: [1] } });
  });

  it('turns a malformed answer or a failed invoke into error values, never exceptions', async () => {
    const malformed = createPreloadBridge(desktopContract, fakeTransport(async () => 'nonsense').transport);
    expect(await malformed.invoke('app.defaults', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
    const reports: string[] = [];
    const broken = createPreloadBridge(
      desktopContract,
      fakeTransport(async () => {
        throw new Error("No handler registered for 'govdesk:invoke'");
      }).transport,
      (message) => reports.push(message),
    );
    expect(await broken.invoke('app.defaults', {})).toEqual({ ok: false, error: { code: 'core_unavailable', message: 'the GovDesk core is not reachable' } });
    expect(reports).toHaveLength(1);
  });

  it('delivers contract events as the payload alone, to the listeners of that event', () => {
    const { transport, emit } = fakeTransport();
    const bridge = createPreloadBridge(desktopContract, transport);
    const received: unknown[][] = [];
    const off = bridge.on('session.changed', (...args: unknown[]) => received.push(args));
    bridge.on('app.navigate', () => received.push(['wrong listener']));
    emit({ event: 'session.changed', payload: null });
    expect(received).toEqual([[null]]);
    off();
    off();
    emit({ event: 'session.changed', payload: null });
    expect(received).toHaveLength(1);
  });

  it('delivers no event the contract does not name, and accepts no listener for one', () => {
    const { transport, emit } = fakeTransport();
    const bridge = createPreloadBridge(desktopContract, transport);
    const received: unknown[] = [];
    const off = bridge.on('shell.badge', (payload) => received.push(payload));
    expect(typeof off).toBe('function');
    emit({ event: 'shell.badge', payload: { unread: 1 } });
    emit({ event: 'toString', payload: 1 });
    emit('session.changed');
    emit(null);
    expect(received).toEqual([]);
  });

  it('keeps delivering to the other listeners when one throws', () => {
    const { transport, emit } = fakeTransport();
    const reports: string[] = [];
    const bridge = createPreloadBridge(desktopContract, transport, (message) => reports.push(message));
    const received: unknown[] = [];
    bridge.on('app.navigate', () => {
      throw new Error('listener bug');
    });
    bridge.on('app.navigate', (payload) => received.push(payload));
    emit({ event: 'app.navigate', payload: { route: '/home' } });
    expect(received).toEqual([{ route: '/home' }]);
    expect(reports).toHaveLength(1);
  });

  it('uses its own channel names, which only main and the preload know', () => {
    expect([INVOKE_CHANNEL, EVENT_CHANNEL]).toEqual(['govdesk:invoke', 'govdesk:event']);
  });
});
