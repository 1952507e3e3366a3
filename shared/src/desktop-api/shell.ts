import { z } from 'zod';
import type { ContractSpec } from '../rpc/contract.ts';

/**
 * Events core sends to the shell (Electron main), not to the renderer: the
 * tray's unread count and native notifications. Browser mode's bridge shows
 * them as the page title's count and web notifications.
 */
export const shellEvents = {
  'shell.badge': z.object({ unread: z.number().int().nonnegative() }),
  'shell.notify': z.object({
    title: z.string().max(200),
    body: z.string().max(1000),
    /** Where clicking the notification takes the user (an in-app route such as /documents/d_…). */
    route: z.string().max(500).optional(),
  }),
} satisfies ContractSpec['events'];

export type ShellEvents = typeof shellEvents;
export type ShellEventName = keyof ShellEvents;
export type ShellPayload<E extends ShellEventName> = z.infer<ShellEvents[E]>;
