import type { z } from 'zod';
import { CHANNEL_ERRORS, RpcError, type ChannelErrorCode } from './envelope.ts';

/**
 * A contract is a set of methods (params and result schemas, and the error
 * codes each fails with on purpose) and events (payload schemas). Both ends
 * validate against it: the host because the renderer is untrusted, the
 * renderer because a bug in the host must not become undefined behaviour in
 * the UI.
 */

export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType, E extends string = string> {
  params: P;
  result: R;
  /** The method's own failures, which callers word for the user; the channel's codes (CHANNEL_ERRORS) come on top. */
  errors: readonly E[];
  /**
   * A refusal that must win over any shape error, so that the user learns the
   * reason that matters (涉密不上网, not "the title is malformed"). Given the
   * params as they came, it throws an RpcError with one of `errors`; it runs
   * wherever params are checked, before the schema: in the client and in
   * every host.
   */
  screen?: (params: unknown) => void;
}

export type ContractSpec = {
  methods: Record<string, MethodSpec>;
  events: Record<string, z.ZodType>;
};

export type MethodName<C extends ContractSpec> = keyof C['methods'] & string;
export type EventName<C extends ContractSpec> = keyof C['events'] & string;
export type ParamsOf<C extends ContractSpec, M extends MethodName<C>> = z.input<C['methods'][M]['params']>;
export type ResultOf<C extends ContractSpec, M extends MethodName<C>> = z.output<C['methods'][M]['result']>;
export type PayloadOf<C extends ContractSpec, E extends EventName<C>> = z.output<C['events'][E]>;
/** The codes a method declares. */
export type DeclaredErrorOf<C extends ContractSpec, M extends MethodName<C>> = C['methods'][M]['errors'][number];
/** Every code a call of the method can fail with: its own and the channel's. */
export type ErrorCodeOf<C extends ContractSpec, M extends MethodName<C>> = DeclaredErrorOf<C, M> | ChannelErrorCode;

/** `errors` lists the codes the method's handler may throw as RpcError; the dispatcher turns any other code into `internal`. */
export function method<P extends z.ZodType, R extends z.ZodType, const E extends string = never>(
  params: P,
  result: R,
  errors: readonly E[] = [],
  options: { screen?: (params: unknown) => void } = {},
  // NoInfer: a contract's `satisfies ContractSpec` must not widen a method without errors to every string.
): MethodSpec<P, R, NoInfer<E>> {
  return { params, result, errors, ...options };
}

/** Whether a call of `name` may fail with `code`: declared by the method, or one of the channel's. */
export function mayFailWith(contract: ContractSpec, name: string, code: string): boolean {
  if ((CHANNEL_ERRORS as readonly string[]).includes(code)) return true;
  return Object.hasOwn(contract.methods, name) && (contract.methods[name] as MethodSpec).errors.includes(code);
}

function issues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

export function parseParams<C extends ContractSpec>(contract: C, name: string, params: unknown): { method: MethodName<C>; params: unknown } {
  if (!Object.hasOwn(contract.methods, name)) throw new RpcError('unknown_method', `unknown method ${name}`);
  const spec = contract.methods[name] as MethodSpec;
  spec.screen?.(params);
  const parsed = spec.params.safeParse(params);
  if (!parsed.success) throw new RpcError('invalid_params', `invalid parameters for ${name}`, issues(parsed.error));
  return { method: name, params: parsed.data };
}

export function parseResult<C extends ContractSpec>(contract: C, name: MethodName<C>, result: unknown): unknown {
  const parsed = (contract.methods[name] as MethodSpec).result.safeParse(result);
  if (!parsed.success) throw new RpcError('invalid_result', `the host answered ${name} with an invalid result`, issues(parsed.error));
  return parsed.data;
}

export function parsePayload<C extends ContractSpec>(contract: C, name: string, payload: unknown): unknown {
  if (!Object.hasOwn(contract.events, name)) throw new RpcError('unknown_event', `unknown event ${name}`);
  const parsed = (contract.events[name] as z.ZodType).safeParse(payload);
  if (!parsed.success) throw new RpcError('invalid_payload', `invalid payload for event ${name}`, issues(parsed.error));
  return parsed.data;
}
