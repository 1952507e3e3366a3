import { z } from 'zod';

/**
 * The frames of GovDesk's request/response + event channel, the same over
 * Electron IPC and over browser mode's loopback WebSocket.
 */

export const RpcRequest = z.object({
  kind: z.literal('request'),
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(100),
  params: z.unknown(),
});
export type RpcRequest = z.infer<typeof RpcRequest>;

export const RpcErrorBody = z.object({
  /** Stable, machine-readable: the UI picks its message by this code. */
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type RpcErrorBody = z.infer<typeof RpcErrorBody>;

export const RpcResponse = z.discriminatedUnion('ok', [
  z.object({ kind: z.literal('response'), id: z.number().int().nonnegative(), ok: z.literal(true), result: z.unknown() }),
  z.object({ kind: z.literal('response'), id: z.number().int().nonnegative(), ok: z.literal(false), error: RpcErrorBody }),
]);
export type RpcResponse = z.infer<typeof RpcResponse>;

export const RpcEvent = z.object({
  kind: z.literal('event'),
  event: z.string().min(1).max(100),
  payload: z.unknown(),
});
export type RpcEvent = z.infer<typeof RpcEvent>;

export const RpcFrame = z.discriminatedUnion('kind', [RpcRequest, RpcResponse.options[0], RpcResponse.options[1], RpcEvent]);

/** An error a method reports on purpose; crosses the channel as `{ code, message }`. */
export class RpcError extends Error {
  readonly code: string;
  readonly details: unknown;
  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.details = details;
  }
}
