import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import type { RouteSpec } from '@govdesk/shared';
import type { Principal, SessionService } from '../auth/sessions.ts';
import { readJson, type RouteContext, type Router } from './router.ts';

export interface ApiContext<Body> extends RouteContext {
  body: Body;
  /** The authenticated caller (routes with `auth: true`). */
  principal: Principal;
}

export function bearerToken(req: IncomingMessage): string | undefined {
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  const match = /^bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * Registers a route of the shared API table: authentication when the table
 * says so, the body validated against its schema, the answer with its status.
 */
export function registerRoute<Spec extends RouteSpec>(
  router: Router,
  sessions: SessionService,
  maxBodyBytes: number,
  spec: Spec,
  handler: (context: ApiContext<Spec['body'] extends z.ZodType ? z.infer<Spec['body']> : undefined>) => Promise<z.input<Spec['response']>>,
): void {
  router.add(spec.method, spec.path, async (context) => {
    const principal = spec.auth ? await sessions.authenticate(bearerToken(context.req)) : ({ userId: '', sessionId: '' } as Principal);
    const body = spec.body ? await readJson(context.req, spec.body, maxBodyBytes) : undefined;
    const result = await handler({ ...context, principal, body: body as never });
    return { status: spec.status, body: result };
  });
}
