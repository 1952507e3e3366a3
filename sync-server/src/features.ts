import { sessionsFeature } from './auth/feature.ts';
import { directoryFeature } from './directory/feature.ts';
import { documentsFeature } from './documents/feature.ts';
import type { Feature } from './feature.ts';

/**
 * Every feature of the sync-server, in the order their routes are added and
 * their hooks run. A new feature is a folder with a `feature.ts` and one line
 * here; see feature.ts for what it may do.
 */
export const FEATURES: readonly Feature[] = [sessionsFeature, directoryFeature, documentsFeature];
