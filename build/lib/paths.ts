import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, whichever script or test asks. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Long-lived downloads and builds (Node 24, the Synapse rootfs). Survives `npm ci`. */
export const cacheDir = path.join(repoRoot, '.cache');

/** State of running services, their logs and their data for local profiles. */
export const runDir = path.join(repoRoot, '.run');
