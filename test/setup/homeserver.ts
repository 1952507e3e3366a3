import type { TestProject } from 'vitest/node';
import { startHomeserver, stopHomeserver } from '../../build/homeserver/index.ts';
import '../support/homeserver.ts';

/**
 * Integration tests run against the real Synapse test homeserver. `npm test`
 * starts it once for every stage; when vitest runs alone this starts it and
 * stops it afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { homeserver, reused } = await startHomeserver('test');
  project.provide('homeserver', homeserver);
  return async () => {
    if (!reused) await stopHomeserver('test');
  };
}
