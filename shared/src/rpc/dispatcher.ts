import { RpcError, type RpcErrorBody } from './envelope.ts';
import { parseParams, parseResult, type ContractSpec, type MethodName, type ParamsOf, type ResultOf } from './contract.ts';
import type { z } from 'zod';

export type Handlers<C extends ContractSpec, Ctx> = {
  [M in MethodName<C>]: (params: z.output<C['methods'][M]['params']>, context: Ctx) => Promise<ResultOf<C, M>> | ResultOf<C, M>;
};

export type Answer = { ok: true; result: unknown } | { ok: false; error: RpcErrorBody };

/**
 * The host's side of a contract: validates the method and its parameters,
 * runs the handler, validates its result, and never throws — every failure
 * becomes an error value the renderer can show.
 */
export function createDispatcher<C extends ContractSpec, Ctx>(contract: C, handlers: Handlers<C, Ctx>, onUnexpected: (method: string, error: unknown) => void = () => {}) {
  return async function dispatch(name: string, rawParams: unknown, context: Ctx): Promise<Answer> {
    try {
      const { method, params } = parseParams(contract, name, rawParams);
      const handler = handlers[method] as (params: ParamsOf<C, typeof method>, context: Ctx) => unknown;
      const result = await handler(params as ParamsOf<C, typeof method>, context);
      return { ok: true, result: parseResult(contract, method, result) };
    } catch (error) {
      if (error instanceof RpcError) return { ok: false, error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
      onUnexpected(name, error);
      return { ok: false, error: { code: 'internal', message: 'internal error' } };
    }
  };
}
