import type { z } from 'zod';
import { RpcError } from './envelope.ts';

/**
 * A contract is a set of methods (params and result schemas) and events
 * (payload schemas). Both ends validate against it: the host because the
 * renderer is untrusted, the renderer because a bug in the host must not
 * become undefined behaviour in the UI.
 */

export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  params: P;
  result: R;
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

export function method<P extends z.ZodType, R extends z.ZodType>(params: P, result: R): MethodSpec<P, R> {
  return { params, result };
}

function issues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

export function parseParams<C extends ContractSpec>(contract: C, name: string, params: unknown): { method: MethodName<C>; params: unknown } {
  if (!Object.hasOwn(contract.methods, name)) throw new RpcError('unknown_method', `unknown method ${name}`);
  const spec = contract.methods[name] as MethodSpec;
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
