import { describe, expect, it, vi } from 'vitest';
import { RpcError, type Answer } from '@govdesk/shared';
import type { Core, CoreOptions, SecretStore } from '../../src/core/core.ts';
import { CoreEvents, ShellEventStream } from '../../src/core/events.ts';
import { serveCore, type HostPort } from '../../src/core/host/core-host.ts';
import type { CoreStartOptions } from '../../src/core/host/protocol.ts';
import { createBridgeDispatch } from '../../src/main/bridge-dispatch.ts';
import { CoreConnection, CoreStartError, type CoreProcess, type ShellEvent } from '../../src/main/core-connection.ts';

/**
 * Main ↔ core process, both real (CoreConnection in main, serveCore in the
 * utility process) over an in-memory port that structured-clones every
 * message and delivers it asynchronously, as Electron's does. Core itself is
 * a stub: this is about the protocol, the validation at both ends, secrets
 * through main, and what happens when core dies.
 */

class FakeWrongKeyError extends Error {}

interface StubCore {
  core: Core;
  options: CoreOptions;
  closed: boolean;
}

function stubCoreFactory(behaviour: { failWith?: Error; hang?: boolean } = {}) {
  const made: StubCore[] = [];
  const createCore = async (options: CoreOptions): Promise<Core> => {
    if (behaviour.failWith) throw behaviour.failWith;
    const events = new CoreEvents();
    const shell = new ShellEventStream();
    const stub: StubCore = { options, closed: false, core: undefined as unknown as Core };
    stub.core = {
      events,
      shell,
      store: undefined as unknown as Core['store'],
      metrics: undefined as unknown as Core['metrics'],
      handlers: new Proxy({} as Core['handlers'], {
        get: (_target, method) => {
          if (method === 'app.defaults') return () => ({ homeserverUrl: options.defaultHomeserverUrl ?? null });
          if (method === 'session.current') return () => (behaviour.hang ? new Promise(() => {}) : null);
          if (method === 'session.logout') return () => ({ ok: 'not the contract' });
          return () => {
            throw new RpcError('not_logged_in', 'not logged in');
          };
        },
      }),
      close: async () => {
        stub.closed = true;
      },
    };
    made.push(stub);
    return stub.core;
  };
  return { createCore, made };
}

/** A utility process in memory: serveCore on one side, CoreProcess on the other. */
function fakeProcessFactory(createCore: (options: CoreOptions) => Promise<Core>) {
  const spawned: { process: CoreProcess; crash(code: number): void; sendToMain(message: unknown): void; sendToHost(message: unknown): void; exits: number[] }[] = [];
  const spawn = (): CoreProcess => {
    const toHost: ((event: { data: unknown }) => void)[] = [];
    const toMain: ((data: unknown) => void)[] = [];
    const onExit: ((code: number) => void)[] = [];
    const exits: number[] = [];
    let exited = false;
    const exit = (code: number) => {
      if (exited) return;
      exited = true;
      exits.push(code);
      queueMicrotask(() => onExit.forEach((listener) => listener(code)));
    };
    const sendToMain = (message: unknown) => {
      if (exited) return;
      const copy = structuredClone(message);
      setTimeout(() => !exited && toMain.forEach((listener) => listener(copy)), 0);
    };
    const sendToHost = (message: unknown) => {
      if (exited) return;
      const copy = structuredClone(message);
      setTimeout(() => !exited && toHost.forEach((listener) => listener({ data: copy })), 0);
    };
    const port: HostPort = { on: (_event, listener) => toHost.push(listener), postMessage: sendToMain };
    serveCore(port, { createCore, isWrongKeyError: (error) => error instanceof FakeWrongKeyError, exit, log: () => {} });
    const process: CoreProcess = {
      postMessage: sendToHost,
      onMessage: (listener) => toMain.push(listener),
      onExit: (listener) => onExit.push(listener),
      kill: () => exit(143),
    };
    spawned.push({ process, crash: exit, sendToMain, sendToHost, exits });
    return process;
  };
  return { spawn, spawned };
}

const START: CoreStartOptions = {
  dataDir: '/profile/core',
  databaseKeyHex: 'ab'.repeat(32),
  defaultHomeserverUrl: 'https://matrix.gd.gov.cn',
  syncServerUrl: null,
  secretsInShell: true,
};

function memorySecrets(): SecretStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: async (name) => values.get(name) ?? null,
    set: async (name, value) => {
      values.set(name, value);
    },
    delete: async (name) => {
      values.delete(name);
    },
  };
}

function connect(options: { behaviour?: Parameters<typeof stubCoreFactory>[0]; secrets?: SecretStore | null; maxCrashes?: number } = {}) {
  const stubs = stubCoreFactory(options.behaviour);
  const processes = fakeProcessFactory(stubs.createCore);
  const events: [string, unknown][] = [];
  const shellEvents: ShellEvent[] = [];
  const crashes: { code: number; restarted: boolean }[] = [];
  const logs: string[] = [];
  const connection = new CoreConnection({
    spawn: processes.spawn,
    startOptions: START,
    secrets: options.secrets === undefined ? memorySecrets() : options.secrets,
    onEvent: (event, payload) => events.push([event, payload]),
    onShellEvent: (message) => shellEvents.push(message),
    onCrash: (details) => crashes.push(details),
    log: (message) => logs.push(message),
    maxCrashes: options.maxCrashes ?? 3,
    stopTimeoutMs: 1000,
  });
  return { connection, stubs, processes, events, shellEvents, crashes, logs };
}

describe('the core process protocol', () => {
  it('starts core with the options main gives it and answers requests through the contract dispatcher', async () => {
    const { connection, stubs } = connect();
    await connection.start();
    expect(connection.running).toBe(true);
    const [stub] = stubs.made;
    expect(stub?.options.dataDir).toBe('/profile/core');
    expect(Buffer.from(stub?.options.databaseKey ?? []).toString('hex')).toBe('ab'.repeat(32));
    expect(stub?.options.defaultHomeserverUrl).toBe('https://matrix.gd.gov.cn');
    expect(await connection.request('app.defaults', {}, 'window:1')).toEqual({ ok: true, result: { homeserverUrl: 'https://matrix.gd.gov.cn' } });
    expect(await connection.request('documents.list', {}, 'window:1')).toEqual({ ok: false, error: { code: 'not_logged_in', message: 'not logged in' } });
    expect(await connection.request('no.such', {}, 'window:1')).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    // core's dispatcher checks results too: a handler returning the wrong shape is an error value, not data.
    expect(await connection.request('session.logout', {}, 'window:1')).toMatchObject({ ok: false, error: { code: 'invalid_result' } });
    await connection.stop();
  });

  it('passes on core events that match the contract and drops the rest', async () => {
    const { connection, stubs, events, shellEvents, logs } = connect();
    await connection.start();
    const core = stubs.made[0]?.core as Core;
    core.events.emit('session.changed', null);
    core.events.emit('app.navigate', { route: '/home' });
    (core.events.emit as (event: string, payload: unknown) => void)('app.navigate', { route: 'https://evil.example/' });
    (core.events.emit as (event: string, payload: unknown) => void)('no.such.event', {});
    core.shell.emit('shell.badge', { unread: 3 });
    core.shell.emit('shell.notify', { title: '新公文', body: '请审阅', route: '/documents' });
    (core.shell.emit as (event: string, payload: unknown) => void)('shell.badge', { unread: -1 });
    await vi.waitFor(() => expect(shellEvents).toHaveLength(2));
    expect(events).toEqual([
      ['session.changed', null],
      ['app.navigate', { route: '/home' }],
    ]);
    expect(shellEvents).toEqual([
      { event: 'shell.badge', payload: { unread: 3 } },
      { event: 'shell.notify', payload: { title: '新公文', body: '请审阅', route: '/documents' } },
    ]);
    expect(logs.filter((message) => message.startsWith('dropped'))).toHaveLength(3);
    await connection.stop();
  });

  it('keeps core secrets in main: core asks, main answers from its store', async () => {
    const secrets = memorySecrets();
    const { connection, stubs } = connect({ secrets });
    await connection.start();
    const coreSecrets = stubs.made[0]?.options.secrets as SecretStore;
    expect(coreSecrets).toBeDefined();
    await coreSecrets.set('matrix.accessToken', 'syt_token');
    expect(secrets.values.get('matrix.accessToken')).toBe('syt_token');
    expect(await coreSecrets.get('matrix.accessToken')).toBe('syt_token');
    expect(await coreSecrets.get('sync.refreshToken')).toBeNull();
    await coreSecrets.delete('matrix.accessToken');
    expect(secrets.values.has('matrix.accessToken')).toBe(false);
    // Names main would refuse never leave core.
    await expect(coreSecrets.get('../../etc/passwd')).rejects.toThrow();
    await connection.stop();
  });

  it('reports a failing secret store to core as an error', async () => {
    const failing: SecretStore = {
      get: async () => {
        throw new Error('keyring locked');
      },
      set: async () => {},
      delete: async () => {},
    };
    const { connection, stubs } = connect({ secrets: failing });
    await connection.start();
    await expect((stubs.made[0]?.options.secrets as SecretStore).get('matrix.accessToken')).rejects.toThrow(/secret store failed/);
    await connection.stop();
  });

  it('reports a wrong cache key as such, and ends that process', async () => {
    const { connection, processes } = connect({ behaviour: { failWith: new FakeWrongKeyError('file is not a database') } });
    const failure = await connection.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CoreStartError);
    expect((failure as CoreStartError).reason).toBe('wrong_key');
    expect(processes.spawned[0]?.exits).toEqual([143]);
    expect(await connection.request('app.defaults', {}, 'window:1')).toMatchObject({ ok: false, error: { code: 'core_unavailable' } });
  });

  it('reports other start failures with reason error', async () => {
    const { connection } = connect({ behaviour: { failWith: new Error('disk full') } });
    await expect(connection.start()).rejects.toMatchObject({ reason: 'error', message: 'disk full' });
  });

  it('ignores invalid messages in both directions', async () => {
    const { connection, processes, logs } = connect();
    await connection.start();
    const fake = processes.spawned[0];
    fake?.sendToHost({ kind: 'request', id: -1, method: 'app.defaults', params: {}, origin: 'x' });
    fake?.sendToHost({ kind: 'bogus' });
    fake?.sendToMain({ kind: 'response', id: 1, answer: { ok: 'maybe' } });
    fake?.sendToMain('garbage');
    await vi.waitFor(() => expect(logs.filter((message) => message === 'ignored an invalid message from core')).toHaveLength(2));
    expect(await connection.request('app.defaults', {}, 'window:1')).toMatchObject({ ok: true });
    await connection.stop();
  });

  it('restarts core when it dies, answering what was in flight instead of hanging', async () => {
    const { connection, processes, crashes, stubs } = connect({ behaviour: { hang: true } });
    await connection.start();
    const inFlight = connection.request('session.current', {}, 'window:1');
    await new Promise((resolve) => setTimeout(resolve, 5));
    processes.spawned[0]?.crash(139);
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'core_unavailable' } });
    await vi.waitFor(() => expect(crashes).toEqual([{ code: 139, restarted: true }]));
    expect(processes.spawned).toHaveLength(2);
    expect(stubs.made).toHaveLength(2);
    expect(await connection.request('app.defaults', {}, 'window:1')).toMatchObject({ ok: true });
    await connection.stop();
  });

  it('leaves core down after too many crashes in a row, and can start it again when asked', async () => {
    const { connection, processes, crashes } = connect({ maxCrashes: 1 });
    await connection.start();
    processes.spawned[0]?.crash(1);
    await vi.waitFor(() => expect(crashes).toHaveLength(1));
    processes.spawned[1]?.crash(1);
    await vi.waitFor(() => expect(crashes).toHaveLength(2));
    expect(crashes).toEqual([
      { code: 1, restarted: true },
      { code: 1, restarted: false },
    ]);
    expect(await connection.request('app.defaults', {}, 'window:1')).toMatchObject({ ok: false, error: { code: 'core_unavailable' } });
    await connection.start();
    expect(await connection.request('app.defaults', {}, 'window:1')).toMatchObject({ ok: true });
    await connection.stop();
  });

  it('stops core cleanly: core closes its store and exits', async () => {
    const { connection, stubs, processes, crashes } = connect();
    await connection.start();
    await connection.stop();
    expect(stubs.made[0]?.closed).toBe(true);
    expect(processes.spawned[0]?.exits).toEqual([0]);
    expect(crashes).toEqual([]);
    expect(await connection.request('app.defaults', {}, 'window:1')).toMatchObject({ ok: false, error: { code: 'core_unavailable' } });
  });
});

describe("main's bridge dispatcher", () => {
  it('answers unknown methods and invalid parameters itself; core never sees them', async () => {
    const forward = vi.fn(async (): Promise<Answer> => ({ ok: true, result: { ok: true } }));
    const dispatch = createBridgeDispatch(forward);
    expect(await dispatch({ method: 'shell.openExternal', params: {} }, 'window:1')).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await dispatch({ method: 'session.login', params: { homeserverUrl: 'file:///etc', username: '', password: '' } }, 'window:1')).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(await dispatch({ method: 'app.defaults', params: { extra: 1 } }, 'window:1')).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(await dispatch('app.defaults', 'window:1')).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await dispatch({ method: 'app.defaults', params: {}, sneaky: true }, 'window:1')).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(forward).not.toHaveBeenCalled();
  });

  it('forwards valid calls with the window as origin, and checks what comes back', async () => {
    const forward = vi.fn(async (method: string): Promise<Answer> => (method === 'app.defaults' ? { ok: true, result: { homeserverUrl: 'not a url' } } : { ok: false, error: { code: 'not_logged_in', message: 'not logged in' } }));
    const dispatch = createBridgeDispatch(forward);
    expect(await dispatch({ method: 'app.defaults', params: {} }, 'window:7')).toMatchObject({ ok: false, error: { code: 'invalid_result' } });
    expect(forward).toHaveBeenCalledWith('app.defaults', {}, 'window:7');
    expect(await dispatch({ method: 'documents.list', params: {} }, 'window:7')).toEqual({ ok: false, error: { code: 'not_logged_in', message: 'not logged in' } });
  });

  it('reaches a real core process end to end', async () => {
    const { connection } = connect();
    await connection.start();
    const dispatch = createBridgeDispatch((method, params, origin) => connection.request(method, params, origin));
    expect(await dispatch({ method: 'app.defaults', params: {} }, 'window:1')).toEqual({ ok: true, result: { homeserverUrl: 'https://matrix.gd.gov.cn' } });
    await connection.stop();
  });
});
