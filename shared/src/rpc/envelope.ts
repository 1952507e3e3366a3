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

/**
 * Codes any call may fail with, whatever its method declares: they come from
 * the channel, not from the method.
 * - `unknown_method`, `invalid_params`: the caller sent something off-contract (refused before any handler runs);
 * - `invalid_result`: the host answered off-contract (a host bug, caught at either end);
 * - `internal`: the host failed unexpectedly, or failed with a code its method does not declare (createDispatcher);
 * - `core_unavailable`: the shell cannot reach core (stopped, restarting, or a page without the launch secret);
 * - `forbidden`: Electron main refused the sender (not the main frame of a GovDesk window);
 * - `invalid_request`: the preload's message to main was not `{ method, params }`.
 */
export const CHANNEL_ERRORS = ['unknown_method', 'invalid_params', 'invalid_result', 'internal', 'core_unavailable', 'forbidden', 'invalid_request'] as const;
export type ChannelErrorCode = (typeof CHANNEL_ERRORS)[number];

/**
 * An error a method reports on purpose; crosses the channel as `{ code, message }`.
 * `Code` narrows what a caller may see: the client types a method's failures
 * as `RpcError<ErrorCodeOf<C, M>>` (contract.ts).
 */
export class RpcError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly details: unknown;
  constructor(code: Code, message: string, details?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.details = details;
  }
}
