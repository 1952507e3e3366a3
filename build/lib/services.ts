import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './paths.ts';

/**
 * A GovDesk service running as a child of the current process (sync-server,
 * browser mode). Its output goes to a log file; `line` finds a line it prints.
 */
export interface Service {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number>;
  /** Resolves with the first stdout line matching `pattern`, rejects if the service exits first. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(graceMs?: number): Promise<void>;
}

export function startService(name: string, script: string, args: string[], options: { env?: NodeJS.ProcessEnv; logDir: string }): Service {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [path.join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watchers = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    log.write(`${line}\n`);
    for (const watch of watchers) watch(line);
  });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));

  return {
    name,
    child,
    logFile,
    exited,
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
        void exited.then((code) => done(new Error(`${name} exited with ${code} while starting; see ${logFile}`)));
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

/** Polls an HTTP URL until it answers 2xx. */
export async function waitForHttp(url: string, timeoutMs: number, service?: Service): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service && service.child.exitCode !== null) throw new Error(`${service.name} exited with ${service.child.exitCode}; see ${service.logFile}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}
