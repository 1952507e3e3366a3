import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { z } from 'zod';
import { API_ERRORS } from '@govdesk/shared';
import { DomainError } from '../domain-error.ts';
import type { Logger } from '../logger.ts';

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
    // Features add routes independently: two claiming the same one is a mistake to catch at start, not a route shadowed.
    if (this.#routes.some((route) => route.method === method && route.path === path)) throw new Error(`${method} ${path} is routed twice`);
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
            throw new DomainError('invalid_path', `the path ${url.pathname} has a malformed %-escape`);
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
      if (allowed.length === 0) throw new DomainError('not_found', `no route for ${url.pathname}`);
      res.setHeader('allow', allowed.join(', '));
      throw new DomainError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
    } catch (error) {
      answerError(res, error, log, url.pathname);
    }
    return null;
  }
}

/** A DomainError is answered with the status the contract pairs with its code; anything else is a 500, logged. */
function answerError(res: ServerResponse, error: unknown, log: Logger, path: string): void {
  if (error instanceof DomainError) {
    const socket = res.socket;
    if (error.code === 'body_too_large' && socket) {
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
    sendJson(res, API_ERRORS[error.code], { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } });
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

/** Reads a JSON body of at most `maxBytes`, not yet validated; every failure is a precise 4xx. */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new DomainError('unsupported_media_type', 'the request body must be application/json');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = await readBody(req, maxBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new DomainError('invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** A request body checked against its schema; a mismatch is 400 invalid_request naming every problem and its path. */
export function validate<Schema extends z.ZodType>(schema: Schema, value: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => {
      // Shared schemas tag issues that are not mere shape errors with params.code (e.g. classified_refused).
      const tag = (issue as { params?: { code?: unknown } }).params?.code;
      return { path: issue.path.join('.'), code: typeof tag === 'string' ? tag : issue.code, message: issue.message };
    });
    throw new DomainError('invalid_request', 'the request body does not match the schema', { details });
  }
  return parsed.data;
}

const tooLarge = (maxBytes: number) => new DomainError('body_too_large', `the request body exceeds ${maxBytes} bytes`);

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
    req.once('close', () => reject(new DomainError('incomplete_body', 'the request body ended early')));
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
