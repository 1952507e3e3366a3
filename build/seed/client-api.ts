/**
 * The few Matrix client-server API calls the demo seed makes, over fetch.
 * Every answer is checked: a refusal, an unexpected answer or an unreachable
 * homeserver throws a MatrixCallError that says who was doing what.
 */

export class MatrixCallError extends Error {
  /** The HTTP status of a refused or rate-limited call; null when no answer came or the answer made no sense. */
  readonly status: number | null;
  constructor(message: string, status: number | null, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** One signed-in demo account. */
export interface ClientSession {
  baseUrl: string;
  userId: string;
  accessToken: string;
  /** Who this is, as messages name them (张伟). */
  name: string;
}

interface CallOptions {
  /** What the call is for, as the error says it ("张伟 creating the group 秘书一处"). */
  doing: string;
  token?: string;
  /** JSON, or raw bytes with their content type (a media upload). */
  json?: unknown;
  bytes?: { data: Uint8Array; contentType: string };
}

/** A 429 asks us to wait; longer than this, or more often, is a limit a demo seed should not sit out silently. */
const MAX_RATE_LIMIT_WAIT_MS = 60_000;
const MAX_RATE_LIMIT_WAITS = 5;

/**
 * Calls the homeserver and returns the answer's JSON body. The dev homeserver
 * keeps Synapse's rate limits, so a 429 is waited out (as its retry_after_ms
 * says) when the wait is short.
 */
export async function callMatrix(baseUrl: string, method: 'GET' | 'POST' | 'PUT', path: string, options: CallOptions): Promise<Record<string, unknown>> {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.bytes) {
    headers['content-type'] = options.bytes.contentType;
    body = options.bytes.data;
  } else if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const what = `${options.doing}: ${method} ${url.pathname}`;
  for (let waits = 0; ; waits++) {
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new MatrixCallError(`${what} failed: ${String((error as Error).cause ?? error)}`, null, { cause: error });
    }
    const text = await response.text();
    let answer: unknown = null;
    try {
      answer = text === '' ? {} : JSON.parse(text);
    } catch {
      // Not JSON: the status and the text say what went wrong below.
    }
    const fields = answer !== null && typeof answer === 'object' && !Array.isArray(answer) ? (answer as Record<string, unknown>) : null;
    if (response.status === 429) {
      const waitMs = typeof fields?.retry_after_ms === 'number' ? fields.retry_after_ms : Number(response.headers.get('retry-after') ?? 'NaN') * 1000;
      if (Number.isFinite(waitMs) && waitMs <= MAX_RATE_LIMIT_WAIT_MS && waits < MAX_RATE_LIMIT_WAITS) {
        await new Promise((resolve) => setTimeout(resolve, waitMs + 100));
        continue;
      }
      throw new MatrixCallError(`${what} was rate-limited by the homeserver for ${Number.isFinite(waitMs) ? `${Math.ceil(waitMs / 1000)} s` : 'an unknown time'}; try again later`, 429);
    }
    if (!response.ok || fields === null) {
      const reason = fields ? `${String(fields.errcode ?? '')} ${String(fields.error ?? '')}`.trim() : text.slice(0, 300);
      throw new MatrixCallError(`${what} answered ${response.status}${reason ? ` ${reason}` : ''}`, response.status);
    }
    return fields;
  }
}

/** A string field of an answer, checked against the shape it must have (a room ID, an event ID…). */
export function answerField(answer: Record<string, unknown>, name: string, doing: string, shape?: { safeParse(value: unknown): { success: boolean } }): string {
  const value = answer[name];
  if (typeof value !== 'string' || (shape && !shape.safeParse(value).success)) {
    // Only the field is quoted: the rest of an answer can hold an access token.
    throw new MatrixCallError(`${doing}: the homeserver's answer has no valid ${name} (got ${String(JSON.stringify(value)).slice(0, 120)})`, null);
  }
  return value;
}

/** The client API path of a room, with its ID escaped. */
export const roomPath = (roomId: string, rest: string): string => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/${rest}`;
