/**
 * The two IPC channels between the preload and Electron main, named once for
 * both ends so that they cannot drift apart (and so that main need import
 * nothing of the preload). The page never sees either name.
 */

/** Renderer → main: `{ method, params }`, answered with the bridge's `{ ok, … }` value. */
export const INVOKE_CHANNEL = 'govdesk:invoke';

/** Main → renderer: `{ event, payload }` for an event of the desktop contract. */
export const EVENT_CHANNEL = 'govdesk:event';
