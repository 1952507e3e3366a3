/**
 * Core's own calls to the homeserver's client-server API (everything but the
 * sync loop, which matrix-js-sdk runs): bearer token, JSON, timeouts, and
 * errors sorted into "try again later" and "refused".
 */

export interface MatrixSession {
  homeserverUrl: string;
  userId: string;
  accessToken: string;
}

/**
 * - `network`: no answer (offline, timeout, connection reset): try again later.
 * - `busy`: 429 or 5xx: try again later, after `retryAfterMs` if given.
 * - `refused`: the homeserver said no (4xx); trying again changes nothing.
 */
export type MatrixFailure = 'network' | 'busy' | 'refused';

export class MatrixRequestError extends Error {
  readonly failure: MatrixFailure;
  readonly status: number | null;
  readonly errcode: string | null;
  readonly retryAfterMs: number | null;

  constructor(failure: MatrixFailure, message: string, details: { status?: number; errcode?: string | null; retryAfterMs?: number | null } = {}) {
    super(message);
    this.name = 'MatrixRequestError';
    this.failure = failure;
    this.status = details.status ?? null;
    this.errcode = details.errcode ?? null;
    this.retryAfterMs = details.retryAfterMs ?? null;
  }

  get transient(): boolean {
    return this.failure !== 'refused';
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  timeoutMs?: number;
}

/** `/_matrix/client/v3/rooms/!a:b/send/...` from a template's pieces, each encoded. */
export function matrixPath(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((path, part, index) => path + part + (index < values.length ? encodeURIComponent(values[index] as string) : ''), '');
}

export class MatrixHttp {
  readonly session: MatrixSession;
  /** Aborts every request in flight when messaging stops (logout, shutdown). */
  readonly #closed = new AbortController();

  constructor(session: MatrixSession) {
    this.session = session;
  }

  close(): void {
    this.#closed.abort();
  }

  url(path: string, query: Query = {}): URL {
    const url = new URL(path, this.session.homeserverUrl);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
    return url;
  }

  async json<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.fetch(this.url(path, options.query), {
      method,
      headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      timeoutMs: options.timeoutMs,
    });
    const text = await response.text().catch((error: unknown) => {
      throw new MatrixRequestError('network', `the answer of ${path} was cut off: ${String(error)}`);
    });
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A request with the bearer token; any answer but 2xx becomes a MatrixRequestError. */
  async fetch(url: URL, init: { method?: string; headers?: Record<string, string>; body?: RequestInit['body']; duplex?: 'half'; timeoutMs?: number | undefined }): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${this.session.accessToken}`, ...init.headers },
        body: init.body,
        signal: AbortSignal.any([this.#closed.signal, AbortSignal.timeout(init.timeoutMs ?? DEFAULT_TIMEOUT_MS)]),
        ...(init.duplex ? { duplex: init.duplex } : {}),
      } as RequestInit);
    } catch (error) {
      throw new MatrixRequestError('network', `the homeserver cannot be reached: ${String((error as Error).cause ?? error)}`);
    }
    if (response.ok) return response;
    throw await failure(response);
  }
}

async function failure(response: Response): Promise<MatrixRequestError> {
  const body = (await response.json().catch(() => ({}))) as { errcode?: string; error?: string; retry_after_ms?: number };
  const details = { status: response.status, errcode: body.errcode ?? null, retryAfterMs: typeof body.retry_after_ms === 'number' ? body.retry_after_ms : null };
  const message = `${response.status} ${body.errcode ?? ''} ${body.error ?? ''}`.trim();
  if (response.status === 429 || body.errcode === 'M_LIMIT_EXCEEDED' || response.status >= 500) return new MatrixRequestError('busy', message, details);
  return new MatrixRequestError('refused', message, details);
}
