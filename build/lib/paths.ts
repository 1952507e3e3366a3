import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, whichever script or test asks. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Long-lived downloads and builds (Node 24, the Synapse rootfs). Survives `npm ci`. */
export const cacheDir = path.join(repoRoot, '.cache');

/**
 * State of running services, their logs and their data for local profiles.
 * GOVDESK_RUN_DIR moves it, so that a test of `npm start` touches no developer's state.
 */
export const runDir = process.env.GOVDESK_RUN_DIR ? path.resolve(process.env.GOVDESK_RUN_DIR) : path.join(repoRoot, '.run');
