import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { z } from 'zod';
import { CLASSIFIED_REFUSAL } from '@govdesk/shared';
import type { Logger } from '../logger.ts';
import { badRequest, HttpError, notFound } from './errors.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  log: Logger;
}

/** A handler answers with a JSON body (status 200 unless it says otherwise), or writes `res` itself and returns undefined. */
export type RouteResult = { status?: number; body: unknown; headers?: Record<string, string> } | undefined;
export type RouteHandler = (context: RouteContext) => Promise<RouteResult> | RouteResult;

interface Route {
  method: HttpMethod;
  path: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

/** A small path router: `/api/documents/:id/shares` style patterns, JSON in and out. */
export class Router {
  readonly #routes: Route[] = [];

  add(method: HttpMethod, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/\/:([A-Za-z]+)/g, (_match, name: string) => {
        names.push(name);
        return '/([^/]+)';
      })}$`,
    );
    this.#routes.push({ method, path, pattern, names, handler });
    return this;
  }

  /** Answers the request; resolves with the route's path template (for logs and metrics), or null when none matched. */
  async handle(req: IncomingMessage, res: ServerResponse, log: Logger): Promise<string | null> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const allowed: HttpMethod[] = [];
      for (const route of this.#routes) {
        const match = route.pattern.exec(url.pathname);
        if (!match) continue;
        allowed.push(route.method);
        if (route.method !== req.method) continue;
        const params: Record<string, string> = {};
        route.names.forEach((name, index) => {
          try {
            params[name] = decodeURIComponent(match[index + 1] ?? '');
          } catch {
            // A broken %-escape is the client's mistake, not a server error.
            throw badRequest('invalid_path', `the path ${url.pathname} has a malformed %-escape`);
          }
        });
        try {
          const result = await route.handler({ req, res, url, params, log });
          if (result) sendJson(res, result.status ?? 200, result.body, result.headers);
        } catch (error) {
          answerError(res, error, log, url.pathname);
        }
        return route.path;
      }
      if (allowed.length === 0) throw notFound(`no route for ${url.pathname}`);
      res.setHeader('allow', allowed.join(', '));
      throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
    } catch (error) {
      answerError(res, error, log, url.pathname);
    }
    return null;
  }
}

function answerError(res: ServerResponse, error: unknown, log: Logger, path: string): void {
  if (error instanceof HttpError) {
    const socket = res.socket;
    if (error.status === 413 && socket) {
      // The connection is cut after this answer. Said so, a keep-alive client sends its next request on a new one;
      // unsaid, it reuses this one and gets a reset instead of an answer.
      res.setHeader('connection', 'close');
      // Node would then destroy the socket as soon as the answer is written, resetting the connection while the
      // upload still arrives; windDown half-closes instead.
      socket.destroySoon = () => socket.end();
      res.once('finish', () => windDown(res.req, socket));
    }
    // What failed inside (a homeserver that could not be reached, and where) is for the operator, not for the client.
    if (error.cause !== undefined) log.warn({ err: error.cause, path, code: error.code }, 'request failed');
    sendJson(res, error.status, { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } });
  } else {
    log.error({ err: error, path }, 'request failed');
    sendJson(res, 500, { error: { code: 'internal', message: 'internal server error' } });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), 'cache-control': 'no-store', ...headers });
  res.end(payload);
}

/** Reads a JSON body of at most `maxBytes` and validates it; every failure is a precise 4xx. */
export async function readJson<Schema extends z.ZodType>(req: IncomingMessage, schema: Schema, maxBytes: number): Promise<z.infer<Schema>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'unsupported_media_type', 'the request body must be application/json');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = await readBody(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest('invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => {
      // Shared schemas tag issues that are not mere shape errors with params.code (e.g. classified_refused).
      const tag = (issue as { params?: { code?: unknown } }).params?.code;
      return { path: issue.path.join('.'), code: typeof tag === 'string' ? tag : issue.code, message: issue.message };
    });
    // 涉密不上网: classified material is refused as such (422), whatever else is wrong with the request, so that
    // clients can tell the user why rather than show a generic validation error.
    if (details.some((detail) => detail.code === CLASSIFIED_REFUSAL.code)) {
      throw new HttpError(422, CLASSIFIED_REFUSAL.code, CLASSIFIED_REFUSAL['zh-CN'], details);
    }
    throw badRequest('invalid_request', 'the request body does not match the schema', details);
  }
  return parsed.data;
}

const tooLarge = (maxBytes: number) => new HttpError(413, 'body_too_large', `the request body exceeds ${maxBytes} bytes`);

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // Flowing with no listener: Node drops the rest; answerError winds the connection down.
      req.off('data', onData);
      req.off('end', onEnd);
      reject(tooLarge(maxBytes));
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.once('end', onEnd);
    // A client that goes away mid-body gets no answer; the promise must still settle.
    req.once('close', () => reject(badRequest('incomplete_body', 'the request body ended early')));
  });
}

/**
 * After a 413 the rest of the upload is unread, and Node would read and throw
 * away all of it, however large. Half-close instead: the answer and a FIN tell
 * the client to stop, what it still sends is dropped, and a second later the
 * connection is cut whatever the client does. (Cutting at once would reset the
 * connection and can destroy the 413 before the client has read it.)
 */
function windDown(req: IncomingMessage, socket: Socket): void {
  const timer = setTimeout(() => socket.destroy(), 1_000).unref();
  socket.once('close', () => clearTimeout(timer));
  req.resume();
  socket.end();
}
