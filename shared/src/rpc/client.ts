import { RpcError, type RpcErrorBody } from './envelope.ts';
import { parseParams, parsePayload, parseResult, type ContractSpec, type EventName, type MethodName, type ParamsOf, type PayloadOf, type ResultOf } from './contract.ts';

/**
 * What a shell gives the renderer (`window.govdesk`): plain functions over
 * plain data, so that it can cross Electron's contextBridge unchanged. Errors
 * travel as values because contextBridge drops the properties of thrown errors.
 */
export interface GovdeskBridge {
  invoke(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: RpcErrorBody }>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

export interface ApiClient<C extends ContractSpec> {
  call<M extends MethodName<C>>(method: M, ...params: ParamsOf<C, M> extends Record<string, never> ? [params?: ParamsOf<C, M>] : [params: ParamsOf<C, M>]): Promise<ResultOf<C, M>>;
  on<E extends EventName<C>>(event: E, listener: (payload: PayloadOf<C, E>) => void): () => void;
}

/** The typed API over a bridge; validates what it sends and what it gets back. */
export function createApiClient<C extends ContractSpec>(contract: C, bridge: GovdeskBridge): ApiClient<C> {
  return {
    async call(name, ...rest) {
      const { params } = parseParams(contract, name, rest[0] ?? {});
      const answer = await bridge.invoke(name, params);
      if (!answer.ok) throw new RpcError(answer.error.code, answer.error.message, answer.error.details);
      return parseResult(contract, name, answer.result) as ResultOf<C, typeof name>;
    },
    on(name, listener) {
      return bridge.on(name, (payload) => {
        listener(parsePayload(contract, name, payload) as PayloadOf<C, typeof name>);
      });
    },
  };
}
