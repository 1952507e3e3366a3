import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from './paths.ts';

/** A port a service listens on, and the environment variable that moves it: what a user needs when the port is taken. */
export interface ServicePort {
  port: number;
  variable: string;
}

/** A service could not start, or stopped on its own. The message says what happened and what to do; a stack trace adds nothing. */
export class ServiceError extends Error {}

function portTakenMessage(name: string, { port, variable }: ServicePort): string {
  return `port ${port} is already in use by another process, so ${name} cannot listen there; stop that process or set ${variable} to a free port`;
}

/**
 * A port number from the environment variable, or `fallback` when it is unset; anything else is an error naming
 * the variable. `min` 0 lets a service that reports its address (browser mode) take any free port.
 */
export function portFromEnv(variable: string, fallback: number, min = 1): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < min || port > 65_535) throw new ServiceError(`${variable}=${raw} is not a port number`);
  return port;
}

/**
 * Fails before anything is started when the port is taken, by binding it for a
 * moment. This only makes the common case fast and clear: another process can
 * still take the port before the service binds it, which the watch on the
 * service itself (`died`) reports.
 */
export function assertPortFree(name: string, port: ServicePort): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new ServiceError(portTakenMessage(name, port)) : error));
    probe.listen(port.port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/**
 * A GovDesk service running as a child of the current process (sync-server,
 * browser mode; `npm start` and the test harness alike). Its output goes to a
 * log file; `line` finds a line it prints. Whatever waits for it fails as
 * soon as it exits, with its last lines: a service that died while starting
 * (a port already taken) is never waited for until a timeout.
 */
export interface Service {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** The port it was told to listen on, if known: named in the error when it is taken. */
  port?: ServicePort;
  /** The exit code (128 after a signal). */
  exited: Promise<number>;
  /**
   * Once it has exited and its output has ended: the error to report, which quotes its last lines and, when it
   * could not listen because its port is taken, names the port and the variable that moves it. Resolves after
   * `stop()` too; whoever stopped it ignores it.
   */
  died: Promise<ServiceError>;
  /** Calls `listener` with every stdout line from now on. */
  onLine(listener: (line: string) => void): void;
  /** Resolves with the first stdout line matching `pattern`, rejects if the service exits first. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The last lines it printed (stdout and stderr), for error messages. */
  tail(): string;
  stop(graceMs?: number): Promise<void>;
}

const TAIL_LINES = 20;

interface ServiceOptions {
  /** Added to `baseEnv`. */
  env?: NodeJS.ProcessEnv;
  /** Default: this process's environment. Tests pass a clean one, so that a developer's GOVDESK_* settings cannot change what they test. */
  baseEnv?: NodeJS.ProcessEnv;
  logDir: string;
  port?: ServicePort;
}

export function startService(name: string, script: string, args: string[], options: ServiceOptions): Service {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [path.join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...(options.baseEnv ?? process.env), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const last: string[] = [];
  const keep = (line: string) => {
    last.push(line);
    if (last.length > TAIL_LINES) last.shift();
  };
  const tail = () => last.join('\n');
  const watchers = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    log.write(`${line}\n`);
    keep(line);
    for (const watch of watchers) watch(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    log.write(`${line}\n`);
    keep(line);
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  // 'close' comes after the output has ended, so that the last lines are in.
  const died = new Promise<ServiceError>((resolve) =>
    child.on('close', (code, signal) => {
      log.end();
      // Node's own message for a port another process holds, whichever service printed it.
      const taken = options.port && /\bEADDRINUSE\b/.test(tail()) ? `: ${portTakenMessage(name, options.port)}` : '';
      resolve(new ServiceError(`${name} exited with ${code ?? signal}${taken}. Its last lines (${logFile}):\n${tail()}`));
    }),
  );

  return {
    name,
    child,
    logFile,
    port: options.port,
    exited,
    died,
    onLine: (listener) => void watchers.add(listener),
    tail,
    line(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${name} printed no line matching ${pattern} within ${timeoutMs / 1000} s; see ${logFile}`)), timeoutMs);
        const watch = (line: string) => {
          const match = pattern.exec(line);
          if (match) done(null, match);
        };
        const done = (error: Error | null, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          watchers.delete(watch);
          if (error) reject(error);
          else resolve(match!);
        };
        watchers.add(watch);
        void died.then((error) => done(error));
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** What a /healthz answered: `instance` is the ID the process was started with (null when it reports none). */
interface HealthAnswer {
  ok: boolean;
  instance: string | null;
}

/** Asks a /healthz URL once; null when nothing answers. */
export async function askHealth(url: string): Promise<HealthAnswer | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json().catch(() => null)) as { instance?: unknown } | null;
    return { ok: response.ok, instance: typeof body?.instance === 'string' ? body.instance : null };
  } catch {
    return null;
  }
}

/**
 * Waits until `service` answers its /healthz with `instanceId` (which it was
 * given in its environment), so that another process answering on the same
 * port is never taken for it. Fails at once, with its last lines, if the
 * service exits first.
 */
export function waitForHealthy(service: Service, url: string, instanceId: string, timeoutMs = 30_000): Promise<void> {
  let settled = false;
  const poll = async () => {
    const deadline = Date.now() + timeoutMs;
    let last: HealthAnswer | null = null;
    while (!settled && Date.now() < deadline) {
      last = await askHealth(url);
      if (last?.ok && last.instance === instanceId) return;
      await sleep(100);
    }
    const foreign = last !== null && last.instance !== instanceId;
    const answer =
      last === null ? 'nothing answered' : foreign ? `another process answers there (${last.instance === null ? 'with no instance ID' : `instance ${last.instance}`}, not ${instanceId})` : 'it answers, but not healthy';
    const advice = foreign && service.port ? `: ${portTakenMessage(service.name, service.port)}` : '';
    throw new ServiceError(`${service.name} did not become healthy at ${url} within ${timeoutMs / 1000} s: ${answer}${advice}. Its last lines (${service.logFile}):\n${service.tail()}`);
  };
  return new Promise<void>((resolve, reject) => {
    // Whichever comes first settles the wait; the other is then ignored (and the poll stops).
    void service.died.then(reject);
    poll().then(resolve, reject);
  }).finally(() => {
    settled = true;
  });
}
