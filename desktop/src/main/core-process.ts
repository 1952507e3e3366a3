import { utilityProcess } from 'electron';
import type { CoreProcess } from './core-connection.ts';

/**
 * Starts core in an Electron utility process: a Node process of its own
 * (crash isolation; SQLite never blocks the main thread) that works with the
 * RunAsNode fuse off, unlike child_process.fork.
 */
export function spawnCoreProcess(entry: string): CoreProcess {
  const child = utilityProcess.fork(entry, [], { serviceName: 'GovDesk core', stdio: 'inherit' });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => {
      child.on('message', (data: unknown) => listener(data));
    },
    onExit: (listener) => {
      child.on('exit', (code) => listener(code));
    },
    kill: () => {
      child.kill();
    },
  };
}
