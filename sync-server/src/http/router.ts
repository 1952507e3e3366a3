import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
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
      let pathMatched = false;
      for (const route of this.#routes) {
        const match = route.pattern.exec(url.pathname);
        if (!match) continue;
        pathMatched = true;
        if (route.method !== req.method) continue;
        const params: Record<string, string> = {};
        route.names.forEach((name, index) => {
          params[name] = decodeURIComponent(match[index + 1] ?? '');
        });
        try {
          const result = await route.handler({ req, res, url, params, log });
          if (result) sendJson(res, result.status ?? 200, result.body, result.headers);
        } catch (error) {
          answerError(res, error, log, url.pathname);
        }
        return route.path;
      }
      throw pathMatched ? new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`) : notFound(`no route for ${url.pathname}`);
    } catch (error) {
      answerError(res, error, log, url.pathname);
    }
    return null;
  }
}

function answerError(res: ServerResponse, error: unknown, log: Logger, path: string): void {
  if (error instanceof HttpError) {
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
  if (declared > maxBytes) throw new HttpError(413, 'body_too_large', `the request body exceeds ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, 'body_too_large', `the request body exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw badRequest('invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw badRequest(
      'invalid_request',
      'the request body does not match the schema',
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return parsed.data;
}
