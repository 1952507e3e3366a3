/**
 * The two IPC channels between the preload and Electron main. They are named
 * here, beside the preload that uses them, and main imports them from here,
 * so the two ends cannot drift apart. The page never sees either name.
 */

/** Renderer → main: `{ method, params }`, answered with the bridge's `{ ok, … }` value. */
export const INVOKE_CHANNEL = 'govdesk:invoke';

/** Main → renderer: `{ event, payload }` for an event of the desktop contract. */
export const EVENT_CHANNEL = 'govdesk:event';
