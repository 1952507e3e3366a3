import { RpcError, type RpcErrorBody } from './envelope.ts';
import { mayFailWith, parseParams, parsePayload, parseResult, type ContractSpec, type ErrorCodeOf, type EventName, type MethodName, type ParamsOf, type PayloadOf, type ResultOf } from './contract.ts';

/**
 * What a shell gives the renderer (`window.govdesk`): plain functions over
 * plain data, so that it can cross Electron's contextBridge unchanged. Errors
 * travel as values because contextBridge drops the properties of thrown errors.
 */
export interface GovdeskBridge {
  invoke(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: RpcErrorBody }>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/** What a call of `M` rejects with, and nothing else: a code the method declares or one of the channel's. */
export type CallError<C extends ContractSpec, M extends MethodName<C>> = RpcError<ErrorCodeOf<C, M>>;

export interface ApiClient<C extends ContractSpec> {
  /** Rejects only with CallError<C, M> (TypeScript cannot type a rejection; the data layer relies on this). */
  call<M extends MethodName<C>>(method: M, ...params: ParamsOf<C, M> extends Record<string, never> ? [params?: ParamsOf<C, M>] : [params: ParamsOf<C, M>]): Promise<ResultOf<C, M>>;
  on<E extends EventName<C>>(event: E, listener: (payload: PayloadOf<C, E>) => void): () => void;
}

/**
 * The typed API over a bridge; validates what it sends and what it gets back.
 * A host failing with a code the method does not declare is answered as
 * `internal` here too (the host's dispatcher already does so; this covers a
 * shell in between), so that a caller's switch over the declared codes is
 * exhaustive.
 */
export function createApiClient<C extends ContractSpec>(contract: C, bridge: GovdeskBridge): ApiClient<C> {
  return {
    async call(name, ...rest) {
      const { params } = parseParams(contract, name, rest[0] ?? {});
      let answer: Awaited<ReturnType<GovdeskBridge['invoke']>>;
      try {
        answer = await bridge.invoke(name, params);
      } catch (error) {
        // A bridge answers failures as values; one that throws has lost its way to core.
        throw new RpcError('core_unavailable', `${name} did not reach the GovDesk core: ${String(error)}`);
      }
      if (!answer.ok) {
        const { code, message, details } = answer.error;
        if (!mayFailWith(contract, name, code)) throw new RpcError('internal', `${name} failed with the undeclared error code ${code}: ${message}`);
        throw new RpcError(code, message, details);
      }
      return parseResult(contract, name, answer.result) as ResultOf<C, typeof name>;
    },
    on(name, listener) {
      return bridge.on(name, (payload) => {
        listener(parsePayload(contract, name, payload) as PayloadOf<C, typeof name>);
      });
    },
  };
}
