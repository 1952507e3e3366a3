import type { z } from 'zod';
import { ApiError, RpcError, syncApi, type SyncApi } from '@govdesk/shared';

type Route = keyof SyncApi;
type Body<R extends Route> = SyncApi[R] extends { body: z.ZodType } ? z.input<SyncApi[R]['body']> : undefined;
export type CallResult<R extends Route> = z.output<SyncApi[R]['response']>;

export interface CallOptions<R extends Route> {
  token?: string;
  params?: Record<string, string>;
  /** The query string (a search's terms). */
  query?: Record<string, string>;
  body?: Body<R>;
}

/** An error the sync-server answered with; `status` lets callers tell a refused token (401) from the rest. */
export class SyncApiError extends RpcError {
  readonly status: number;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(code, message, details);
    this.status = status;
  }
}

/**
 * The sync-server's JSON API, called through the same route table the server
 * validates with: requests are built from it and answers are parsed with its
 * response schemas, so a server answering off-contract is an error, not data.
 */
export class SyncApiClient {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** ws(s)://…/docs, where documents sync. */
  get documentsUrl(): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/docs`;
  }

  async call<R extends Route>(route: R, options: CallOptions<R> = {}): Promise<CallResult<R>> {
    const spec = syncApi[route];
    const path = spec.path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`${route} needs the path parameter ${name}`);
      return encodeURIComponent(value);
    });
    let response: Response;
    try {
      const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
      response = await fetch(`${this.baseUrl}${path}${query}`, {
        method: spec.method,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new SyncApiError(0, 'sync_server_unreachable', `the sync-server at ${this.baseUrl} cannot be reached: ${String((error as Error).cause ?? error)}`);
    }
    const json: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const error = ApiError.safeParse(json);
      if (error.success) throw new SyncApiError(response.status, error.data.error.code, error.data.error.message, error.data.error.details);
      throw new SyncApiError(response.status, 'sync_server_error', `the sync-server answered ${response.status}`);
    }
    const parsed = spec.response.safeParse(json);
    if (!parsed.success) throw new SyncApiError(response.status, 'invalid_response', `the sync-server answered ${route} off-contract`);
    return parsed.data as CallResult<R>;
  }
}
