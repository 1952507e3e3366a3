import { inject } from 'vitest';
import type { RunningHomeserver } from '../../build/homeserver/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    homeserver: RunningHomeserver;
  }
}

/** The real Synapse test homeserver that test/setup/homeserver.ts started for this run. */
export function testHomeserver(): RunningHomeserver {
  return inject('homeserver');
}
