import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { RpcError, type ApiClient, type CallError, type DesktopContract, type EventName, type MethodName, type ParamsOf, type PayloadOf, type ResultOf } from '@govdesk/shared';

/**
 * The renderer's data layer over core: queries that follow core's events,
 * actions for forms, and event subscriptions. Loading, failure and unmounting
 * are handled here once, so a component never hand-rolls `useEffect` with an
 * `active` flag, and no call can reject unhandled. Failures are typed: a
 * call of `M` fails with CoreError<M>, whose code is one the contract
 * declares for `M` or one of the channel's.
 */

type C = DesktopContract;
type Method = MethodName<C>;
type CoreEvent = EventName<C>;
export type CoreError<M extends Method> = CallError<C, M>;

const CoreContext = createContext<ApiClient<C> | null>(null);

/** Supplies the API to the tree: window.govdesk in the app (main.tsx), anything speaking the contract in tests. */
export function CoreProvider({ api, children }: { api: ApiClient<C>; children: ReactNode }) {
  return <CoreContext value={api}>{children}</CoreContext>;
}

export function useCore(): ApiClient<C> {
  const api = useContext(CoreContext);
  if (!api) throw new Error('useCore outside CoreProvider');
  return api;
}

/**
 * A rejection as the CoreError of `M`. The API client rejects with nothing
 * else; anything else was thrown by the renderer's own code around the call
 * (a bug), which the user sees as an internal error rather than not at all.
 */
export function asCoreError<M extends Method>(error: unknown): CoreError<M> {
  return error instanceof RpcError ? (error as CoreError<M>) : new RpcError('internal', String(error));
}

export type Loadable<T, E> = { status: 'loading' } | { status: 'ready'; data: T } | { status: 'failed'; error: E };
type Query<M extends Method> = Loadable<ResultOf<C, M>, CoreError<M>> & { retry(): void };

/** How a load tells its state: its outcome, or a change to its data (undefined from `change`: no change). */
export interface LoadReport<T, E> {
  settle(value: Loadable<T, E>): void;
  update(change: (data: T | undefined) => T | undefined): void;
}

/**
 * What every read from core shares: a load that runs while the component is
 * mounted, again when `key` changes or on retry(). `start` begins it, reports
 * through `report`, and returns its cleanup. Reports of an older load are
 * ignored, and a state belongs to the load it answers: after a new load
 * starts, an older one's state reads as loading. `key` must name everything
 * `start` depends on but the API, which is one per tree (CoreProvider).
 */
export function useLoad<T, E>(key: string, start: (report: LoadReport<T, E>) => () => void): Loadable<T, E> & { retry(): void } {
  const [attempt, setAttempt] = useState(0);
  const load = `${key} #${attempt}`;
  const [state, setState] = useState<{ load: string; value: Loadable<T, E> } | null>(null);
  const latest = useRef(start);
  useEffect(() => {
    latest.current = start;
  });
  useEffect(() => {
    let current = true;
    const stop = latest.current({
      settle: (value) => current && setState({ load, value }),
      update: (change) =>
        current &&
        setState((previous) => {
          const data = change(previous?.load === load && previous.value.status === 'ready' ? previous.value.data : undefined);
          return data === undefined ? previous : { load, value: { status: 'ready', data } };
        }),
    });
    return () => {
      current = false;
      stop();
    };
  }, [load]);
  const retry = useCallback(() => setAttempt((count) => count + 1), []);
  return { ...(state?.load === load ? state.value : { status: 'loading' }), retry };
}

interface QueryOptions<M extends Method> {
  /**
   * Events whose payload is the query's newer data: core pushes changes (a
   * fresh document list, a new session) instead of being asked again. Data
   * an event brought is never overwritten by an answer to an older call.
   */
  updateOn?: { [E in CoreEvent]?: (payload: PayloadOf<C, E>, current: ResultOf<C, M> | undefined) => ResultOf<C, M> };
}

/** Calls `method` while the component is mounted, again when `params` (compared as JSON) change or on retry(). */
export function useCoreQuery<M extends Method>(method: M, params: ParamsOf<C, M>, options: QueryOptions<M> = {}): Query<M> {
  const api = useCore();
  const paramsJson = JSON.stringify(params);
  const updateOn = useRef(options.updateOn);
  useEffect(() => {
    updateOn.current = options.updateOn;
  });
  const events = Object.keys(options.updateOn ?? {}) as CoreEvent[];
  return useLoad<ResultOf<C, M>, CoreError<M>>(`${method} ${paramsJson} ${events.join(',')}`, ({ settle, update }) => {
    let updatedByEvent = false;
    // Listening before calling: a change between core's answer and the subscription would otherwise be lost.
    const stops = events.map((event) =>
      api.on(event, (payload) => {
        const select = updateOn.current?.[event] as ((payload: unknown, current: ResultOf<C, M> | undefined) => ResultOf<C, M>) | undefined;
        if (!select) return;
        updatedByEvent = true;
        update((data) => select(payload, data));
      }),
    );
    (api.call as (method: M, params: unknown) => Promise<ResultOf<C, M>>)(method, JSON.parse(paramsJson)).then(
      (data) => !updatedByEvent && settle({ status: 'ready', data }),
      (error: unknown) => !updatedByEvent && settle({ status: 'failed', error: asCoreError<M>(error) }),
    );
    return () => {
      for (const stop of stops) stop();
    };
  });
}

/** Runs `handler` on every `event` while the component is mounted (always the latest handler). */
export function useCoreEvent<E extends CoreEvent>(event: E, handler: (payload: PayloadOf<C, E>) => void): void {
  const api = useCore();
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => api.on(event, (payload) => latest.current(payload)), [api, event]);
}

export type Outcome<M extends Method> = { ok: true; result: ResultOf<C, M> } | { ok: false; error: CoreError<M> };

interface Action<M extends Method> {
  /** Never rejects: a failure resolves as `{ ok: false, error }` and is kept in `error` for the form to show. */
  run(params: ParamsOf<C, M>): Promise<Outcome<M>>;
  pending: boolean;
  /** The last run's failure; cleared when the next run starts. */
  error: CoreError<M> | null;
}

/** A call a user starts (a form's submit): its pending and failed states for the form to show. */
export function useCoreAction<M extends Method>(method: M): Action<M> {
  const api = useCore();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<CoreError<M> | null>(null);
  const run = useCallback(
    async (params: ParamsOf<C, M>): Promise<Outcome<M>> => {
      setPending(true);
      setError(null);
      try {
        return { ok: true, result: await (api.call as (method: M, params: ParamsOf<C, M>) => Promise<ResultOf<C, M>>)(method, params) };
      } catch (caught) {
        const failure = asCoreError<M>(caught);
        setError(failure);
        return { ok: false, error: failure };
      } finally {
        setPending(false);
      }
    },
    [api, method],
  );
  return { run, pending, error };
}
