import { RpcError, type RpcErrorBody } from './envelope.ts';
import { mayFailWith, parseParams, parseResult, type ContractSpec, type MethodName, type ParamsOf, type ResultOf } from './contract.ts';
import type { z } from 'zod';

export type Handlers<C extends ContractSpec, Ctx> = {
  [M in MethodName<C>]: (params: z.output<C['methods'][M]['params']>, context: Ctx) => Promise<ResultOf<C, M>> | ResultOf<C, M>;
};

export type Answer = { ok: true; result: unknown } | { ok: false; error: RpcErrorBody };

const INTERNAL: Answer = { ok: false, error: { code: 'internal', message: 'internal error' } };

/**
 * The host's side of a contract: validates the method and its parameters,
 * runs the handler, validates its result, and never throws — every failure
 * becomes an error value the renderer can show.
 *
 * A handler failing with a code its method does not declare is a host bug,
 * like an off-contract result: callers only word the declared codes, so it
 * is answered as `internal` and reported to `onUnexpected` with the code,
 * never passed on as a code nobody expects.
 */
export function createDispatcher<C extends ContractSpec, Ctx>(contract: C, handlers: Handlers<C, Ctx>, onUnexpected: (method: string, error: unknown) => void = () => {}) {
  return async function dispatch(name: string, rawParams: unknown, context: Ctx): Promise<Answer> {
    try {
      const { method, params } = parseParams(contract, name, rawParams);
      const handler = handlers[method] as (params: ParamsOf<C, typeof method>, context: Ctx) => unknown;
      const result = await handler(params as ParamsOf<C, typeof method>, context);
      return { ok: true, result: parseResult(contract, method, result) };
    } catch (error) {
      if (!(error instanceof RpcError)) {
        onUnexpected(name, error);
        return INTERNAL;
      }
      if (!mayFailWith(contract, name, error.code)) {
        onUnexpected(name, new Error(`${name} failed with the undeclared error code ${error.code}: ${error.message}`, { cause: error }));
        return INTERNAL;
      }
      return { ok: false, error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
    }
  };
}
