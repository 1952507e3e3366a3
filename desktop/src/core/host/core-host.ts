import { createDispatcher, desktopContract } from '@govdesk/shared';
import type { Core, CoreOptions, SecretStore } from '../core.ts';
import { CoreToMain, MainToCore, type CoreStartOptions } from './protocol.ts';

/**
 * Core's side of the core process: starts core when main says so, answers
 * main's requests through the same createDispatcher as browser mode, passes
 * core's events up, and asks main for secrets (safeStorage is main-only).
 * It talks to a port rather than to `process.parentPort` so that tests drive
 * it in plain Node; core-host-main.ts connects it to the real port.
 */

/** Electron's `process.parentPort` in a utility process, reduced to what is used here. */
export interface HostPort {
  on(event: 'message', listener: (messageEvent: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

export interface CoreHostDependencies {
  createCore(options: CoreOptions): Promise<Core>;
  isWrongKeyError(error: unknown): boolean;
  /** Ends the process once core is closed. */
  exit(code: number): void;
  log(message: string, details?: Record<string, unknown>): void;
  /** How long core waits for main to answer a secret request (default 30 s). */
  secretTimeoutMs?: number;
}

export function serveCore(port: HostPort, deps: CoreHostDependencies): void {
  type Dispatch = ReturnType<typeof createDispatcher<typeof desktopContract, { origin: string }>>;
  let running: { core: Core; dispatch: Dispatch; unsubscribe: () => void } | null = null;
  let startup: Promise<void> | null = null;
  let stopping = false;
  const pendingSecrets = new Map<number, { resolve: (value: string | null) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  let nextSecretId = 1;

  /** Whether the message went out: it is checked on the way out too, so that main never has to drop one of ours. */
  function send(message: CoreToMain): boolean {
    const checked = CoreToMain.safeParse(message);
    if (!checked.success) {
      deps.log('core host refused to send an invalid message', { kind: message.kind, issues: checked.error.issues.map((issue) => issue.path.join('.')) });
      return false;
    }
    port.postMessage(checked.data);
    return true;
  }

  function askMain(op: 'get' | 'set' | 'delete', name: string, value?: string): Promise<string | null> {
    const id = nextSecretId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pendingSecrets.delete(id);
        reject(new Error(`main did not answer the secret ${op} in time`));
      }, deps.secretTimeoutMs ?? 30_000);
      pendingSecrets.set(id, { resolve, reject, timer });
      if (!send({ kind: 'secret', id, op, name, ...(value === undefined ? {} : { value }) })) {
        pendingSecrets.delete(id);
        clearTimeout(timer);
        reject(new Error(`invalid secret ${op}`));
      }
    });
  }

  const shellSecrets: SecretStore = {
    get: (name) => askMain('get', name),
    set: async (name, value) => {
      await askMain('set', name, value);
    },
    delete: async (name) => {
      await askMain('delete', name);
    },
  };

  async function start(options: CoreStartOptions): Promise<void> {
    let core: Core;
    try {
      core = await deps.createCore({
        dataDir: options.dataDir,
        databaseKey: new Uint8Array(Buffer.from(options.databaseKeyHex, 'hex')),
        ...(options.secretsInShell ? { secrets: shellSecrets } : {}),
        ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }),
        defaultHomeserverUrl: options.defaultHomeserverUrl,
        syncServerUrl: options.syncServerUrl,
      });
    } catch (error) {
      const wrongKey = deps.isWrongKeyError(error);
      deps.log('core failed to start', { wrongKey, error: String(error) });
      send({ kind: 'start-failed', reason: wrongKey ? 'wrong_key' : 'error', message: String(error instanceof Error ? error.message : error).slice(0, 10_000) });
      return;
    }
    const offEvents = core.events.subscribe((event, payload) => send({ kind: 'event', event, payload }));
    const offShell = core.shell.subscribe((event, payload) => send({ kind: 'shell-event', event, payload }));
    running = {
      core,
      // The same dispatcher as browser mode: parameters and results checked against the contract, failures as values.
      dispatch: createDispatcher(desktopContract, core.handlers, (method, error) => deps.log('core method failed', { method, error: String(error) })),
      unsubscribe: () => {
        offEvents();
        offShell();
      },
    };
    send({ kind: 'started' });
  }

  async function stop(): Promise<void> {
    stopping = true;
    // A stop during startup waits for core to open, so that it is closed rather than cut off.
    await startup;
    if (running) {
      running.unsubscribe();
      await running.core.close().catch((error: unknown) => deps.log('core did not close cleanly', { error: String(error) }));
      running = null;
    }
    send({ kind: 'stopped' });
    deps.exit(0);
  }

  port.on('message', ({ data }) => {
    const parsed = MainToCore.safeParse(data);
    if (!parsed.success) {
      deps.log('core host ignored an invalid message from main', { issues: parsed.error.issues.map((issue) => issue.path.join('.')) });
      return;
    }
    const message = parsed.data;
    switch (message.kind) {
      case 'start':
        if (startup || stopping) deps.log('core host ignored a second start');
        else startup = start(message.options);
        return;
      case 'request':
        if (!running || stopping) {
          send({ kind: 'response', id: message.id, answer: { ok: false, error: { code: 'core_unavailable', message: 'the GovDesk core is not running' } } });
          return;
        }
        void running.dispatch(message.method, message.params, { origin: message.origin }).then((answer) => send({ kind: 'response', id: message.id, answer }));
        return;
      case 'secret-reply': {
        const pending = pendingSecrets.get(message.id);
        if (!pending) return;
        pendingSecrets.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.value ?? null);
        else pending.reject(new Error(message.message ?? 'main could not complete the secret operation'));
        return;
      }
      case 'stop':
        if (!stopping) void stop();
        return;
    }
  });
}
