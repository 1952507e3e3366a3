import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing its output. Never throws on a non-zero exit. */
export function run(command: string, args: readonly string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + String(error) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    if (options.input !== undefined) {
      // A child that exits before reading its input must not crash us with EPIPE.
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input);
    }
  });
}

/** Runs a command with its output passed through; throws with the command line when it fails. */
export async function runVisible(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<void> {
  const code = await new Promise<number>((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.on('error', () => resolve(127));
    child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
}

export async function commandExists(command: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v "$1"`, 'sh', command])).code === 0;
}

/**
 * Starts a long-running service in its own process group (so that stopping it
 * also stops anything it forked) with stdout and stderr appended to a log file.
 */
export function startDetached(command: string, args: readonly string[], logFile: string, options: SpawnOptions = {}): number {
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', log, log] });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a live process, or null. Used to be sure a remembered PID is still ours. */
export function commandLineOf(pid: number): string | null {
  const file = `/proc/${pid}/cmdline`;
  if (!existsSync(file)) return null;
  try {
    return readFileSync(file, 'utf8').split('\0').join(' ').trim();
  } catch {
    return null;
  }
}

/** SIGTERM to the whole process group, then SIGKILL if it has not gone after `graceMs`. */
export async function stopProcessGroup(pid: number, graceMs = 10_000): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };
  if (!isAlive(pid)) return;
  signalGroup('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    signalGroup('SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
}

export function tailOfFile(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}
