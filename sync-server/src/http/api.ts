import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import type { RouteSpec } from '@govdesk/shared';
import type { Principal, SessionService } from '../auth/sessions.ts';
import { readJson, validate, type RouteContext, type Router } from './router.ts';

export interface ApiContext<Body> extends RouteContext {
  body: Body;
  /** The authenticated caller (routes with `auth: true`). */
  principal: Principal;
}

type BodyOf<Spec extends RouteSpec> = Spec['body'] extends z.ZodType ? z.infer<Spec['body']> : undefined;
export type ApiHandler<Spec extends RouteSpec> = (context: ApiContext<BodyOf<Spec>>) => Promise<z.input<Spec['response']>>;

/**
 * A route's handler; or, for a route that refuses some requests for what they
 * say before their shape is checked (a refusal that matters more to the user
 * than any shape error, as 涉密不上网 does), the handler and that screen. The
 * screen sees the parsed JSON as it came, and refuses by throwing a DomainError.
 */
export type ApiRoute<Spec extends RouteSpec> = ApiHandler<Spec> | { screen(input: unknown): void; handle: ApiHandler<Spec> };

const ANONYMOUS: Principal = { userId: '', sessionId: '', sessionExpiresAt: 0 };

export function bearerToken(req: IncomingMessage): string | undefined {
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  const match = /^bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * Serves tables of the shared API (shared/src/sync-api/routes.ts) on a
 * router: authentication when a route's spec says so, the body validated
 * against its schema, the answer with its status. What is served is what the
 * OpenAPI document describes.
 */
export class Api {
  readonly #router: Router;
  readonly #sessions: SessionService;
  readonly #maxBodyBytes: number;
  readonly #served = new Map<string, RouteSpec>();

  constructor(router: Router, sessions: SessionService, maxBodyBytes: number) {
    this.#router = router;
    this.#sessions = sessions;
    this.#maxBodyBytes = maxBodyBytes;
  }

  /** Every operation served, by name. */
  get served(): ReadonlyMap<string, RouteSpec> {
    return this.#served;
  }

  /** Serves every route of a table, each with its handler; an operation name or a route served twice fails the start. */
  serve<Table extends Record<string, RouteSpec>>(table: Table, routes: { [Name in keyof Table]: ApiRoute<Table[Name]> }): void {
    for (const [name, spec] of Object.entries(table)) {
      if (this.#served.has(name)) throw new Error(`the API operation ${name} is served twice`);
      this.#add(spec, routes[name] as ApiRoute<RouteSpec>);
      this.#served.set(name, spec);
    }
  }

  #add(spec: RouteSpec, route: ApiRoute<RouteSpec>): void {
    const { screen, handle } = typeof route === 'function' ? { screen: undefined, handle: route } : route;
    this.#router.add(spec.method, spec.path, async (context) => {
      const principal = spec.auth ? await this.#sessions.authenticate(bearerToken(context.req)) : ANONYMOUS;
      let body: unknown;
      if (spec.body) {
        const input = await readJson(context.req, this.#maxBodyBytes);
        screen?.(input);
        body = validate(spec.body, input);
      }
      const result = await handle({ ...context, principal, body: body as never });
      return { status: spec.status, body: result };
    });
  }
}
