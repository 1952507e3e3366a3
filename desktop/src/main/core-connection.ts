import { desktopContract, parsePayload, shellEvents, type ShellEventName, type ShellPayload } from '@govdesk/shared';
import type { SecretStore } from '../core/store/secrets.ts';
import { CoreToMain, MainToCore, type CoreStartOptions } from '../core/host/protocol.ts';

/**
 * Main's side of the core process (core/host/core-host.ts): starts it,
 * forwards requests with ids, validates everything it sends back, answers its
 * secret requests from safeStorage, and restarts it when it dies. Written
 * against a small process interface so it is tested in plain Node;
 * core-process.ts plugs in Electron's utilityProcess.
 */

type Answer = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };

/** A running core process, as utilityProcess.fork() returns it, reduced to what is used here. */
export interface CoreProcess {
  postMessage(message: unknown): void;
  onMessage(listener: (data: unknown) => void): void;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

/** A shell event with its payload, checked against shellEvents. */
export type ShellEvent = { [E in ShellEventName]: { event: E; payload: ShellPayload<E> } }[ShellEventName];

export type CoreStartFailure = 'wrong_key' | 'error';

export class CoreStartError extends Error {
  readonly reason: CoreStartFailure;
  constructor(reason: CoreStartFailure, message: string) {
    super(message);
    this.name = 'CoreStartError';
    this.reason = reason;
  }
}

export interface CoreConnectionOptions {
  spawn(): CoreProcess;
  startOptions: CoreStartOptions;
  /** Where core's secrets live when `startOptions.secretsInShell`; null answers every secret request with an error. */
  secrets: SecretStore | null;
  /** An event for the renderers, already validated against the desktop contract. */
  onEvent(event: string, payload: unknown): void;
  /** An event for the shell (tray, notifications), already validated. */
  onShellEvent(message: ShellEvent): void;
  /** Core died and was restarted (`restarted: true`), or died too often and was left down. */
  onCrash(details: { code: number; restarted: boolean }): void;
  log(message: string, details?: Record<string, unknown>): void;
  /** More crashes than this within `crashWindowMs` and core is left down (default 3 in 60 s). */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** How long stop() waits for core to close before killing it (default 5 s). */
  stopTimeoutMs?: number;
  now?: () => number;
}

const UNAVAILABLE: Answer = { ok: false, error: { code: 'core_unavailable', message: 'the GovDesk core is not running' } };

export class CoreConnection {
  readonly #options: CoreConnectionOptions;
  #process: CoreProcess | null = null;
  #state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'down' = 'idle';
  #pending = new Map<number, (answer: Answer) => void>();
  #nextId = 1;
  #crashes: number[] = [];
  #startWaiters: { resolve: () => void; reject: (error: Error) => void } | null = null;
  #stopped: (() => void) | null = null;

  constructor(options: CoreConnectionOptions) {
    this.#options = options;
  }

  get running(): boolean {
    return this.#state === 'running';
  }

  /** Starts core; rejects with CoreStartError when it cannot (WrongKeyError in core becomes reason `wrong_key`). */
  start(): Promise<void> {
    if (this.#state !== 'idle' && this.#state !== 'down') return Promise.reject(new Error(`cannot start core while ${this.#state}`));
    this.#crashes = [];
    return this.#spawn();
  }

  /** Sends one request; always resolves, with an error value when core is not there to answer. */
  request(method: string, params: unknown, origin: string): Promise<Answer> {
    if (this.#state !== 'running' || !this.#process) return Promise.resolve(UNAVAILABLE);
    const id = this.#nextId++;
    const message = MainToCore.safeParse({ kind: 'request', id, method, params, origin });
    if (!message.success) return Promise.resolve({ ok: false, error: { code: 'invalid_params', message: 'the request cannot be sent to core' } });
    const child = this.#process;
    return new Promise<Answer>((resolve) => {
      this.#pending.set(id, resolve);
      try {
        child.postMessage(message.data);
      } catch (error) {
        // A value structured clone cannot carry.
        this.#pending.delete(id);
        this.#options.log('could not send a request to core', { method, error: String(error) });
        resolve({ ok: false, error: { code: 'invalid_params', message: 'the request cannot be sent to core' } });
      }
    });
  }

  /** Asks core to close its store and exit; kills it if it does not within the timeout. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (!child || this.#state === 'stopped' || this.#state === 'down') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    const exited = new Promise<void>((resolve) => (this.#stopped = resolve));
    child.postMessage({ kind: 'stop' } satisfies MainToCore);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.#options.stopTimeoutMs ?? 5000)));
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      this.#options.log('core did not stop in time; killing it');
      child.kill();
    }
    clearTimeout(timer);
    this.#state = 'stopped';
  }

  #spawn(): Promise<void> {
    this.#state = 'starting';
    const child = this.#options.spawn();
    this.#process = child;
    const started = new Promise<void>((resolve, reject) => (this.#startWaiters = { resolve, reject }));
    // Messages and exits of a process that has been replaced are stale; only the current one counts.
    child.onMessage((data) => {
      if (this.#process === child) this.#receive(data);
    });
    child.onExit((code) => {
      if (this.#process === child) this.#exited(code);
    });
    child.postMessage(MainToCore.parse({ kind: 'start', options: this.#options.startOptions }));
    return started;
  }

  #receive(data: unknown): void {
    const parsed = CoreToMain.safeParse(data);
    if (!parsed.success) {
      this.#options.log('ignored an invalid message from core', { issues: parsed.error.issues.map((issue) => issue.path.join('.')) });
      return;
    }
    const message = parsed.data;
    switch (message.kind) {
      case 'started':
        this.#state = 'running';
        this.#startWaiters?.resolve();
        this.#startWaiters = null;
        return;
      case 'start-failed':
        this.#state = 'down';
        this.#startWaiters?.reject(new CoreStartError(message.reason, message.message));
        this.#startWaiters = null;
        this.#process?.kill();
        this.#process = null;
        return;
      case 'response': {
        const settle = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        settle?.(message.answer);
        return;
      }
      case 'event':
        this.#forwardEvent(message.event, message.payload);
        return;
      case 'shell-event':
        this.#forwardShellEvent(message.event, message.payload);
        return;
      case 'secret':
        void this.#answerSecret(message);
        return;
      case 'stopped':
        return;
    }
  }

  #forwardEvent(event: string, payload: unknown): void {
    try {
      this.#options.onEvent(event, parsePayload(desktopContract, event, payload));
    } catch (error) {
      this.#options.log('dropped an invalid event from core', { event, error: String(error) });
    }
  }

  #forwardShellEvent(event: string, payload: unknown): void {
    if (!Object.hasOwn(shellEvents, event)) {
      this.#options.log('dropped an unknown shell event from core', { event });
      return;
    }
    const name = event as ShellEventName;
    const parsed = shellEvents[name].safeParse(payload);
    if (!parsed.success) {
      this.#options.log('dropped an invalid shell event from core', { event });
      return;
    }
    this.#options.onShellEvent({ event: name, payload: parsed.data } as ShellEvent);
  }

  async #answerSecret(message: Extract<CoreToMain, { kind: 'secret' }>): Promise<void> {
    const child = this.#process;
    const reply = (answer: { ok: true; value: string | null } | { ok: false; message: string }) => {
      if (this.#process === child) child?.postMessage(MainToCore.parse({ kind: 'secret-reply', id: message.id, ...answer }));
    };
    const secrets = this.#options.secrets;
    if (!secrets) return reply({ ok: false, message: 'this shell keeps no secrets for core' });
    try {
      if (message.op === 'get') return reply({ ok: true, value: await secrets.get(message.name) });
      if (message.op === 'set') {
        if (message.value === undefined) return reply({ ok: false, message: 'set without a value' });
        await secrets.set(message.name, message.value);
      } else {
        await secrets.delete(message.name);
      }
      reply({ ok: true, value: null });
    } catch (error) {
      this.#options.log('a secret operation for core failed', { op: message.op, error: String(error) });
      reply({ ok: false, message: 'the secret store failed' });
    }
  }

  #exited(code: number): void {
    const wasStarting = this.#state === 'starting';
    this.#process = null;
    for (const settle of this.#pending.values()) settle({ ok: false, error: { code: 'core_unavailable', message: 'the GovDesk core stopped; it is being restarted' } });
    this.#pending.clear();
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      this.#state = 'stopped';
      this.#stopped?.();
      return;
    }
    if (this.#state === 'down') return;
    this.#options.log('core exited unexpectedly', { code, during: wasStarting ? 'start' : 'run' });
    if (wasStarting && this.#startWaiters) {
      this.#state = 'down';
      this.#startWaiters.reject(new CoreStartError('error', `the core process exited with code ${code} while starting`));
      this.#startWaiters = null;
      return;
    }
    const now = (this.#options.now ?? Date.now)();
    this.#crashes = [...this.#crashes.filter((at) => now - at < (this.#options.crashWindowMs ?? 60_000)), now];
    if (this.#crashes.length > (this.#options.maxCrashes ?? 3)) {
      this.#state = 'down';
      this.#options.onCrash({ code, restarted: false });
      return;
    }
    this.#spawn().then(
      () => this.#options.onCrash({ code, restarted: true }),
      (error: unknown) => {
        this.#options.log('core could not be restarted', { error: String(error) });
        this.#options.onCrash({ code, restarted: false });
      },
    );
  }
}
