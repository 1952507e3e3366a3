import { z } from 'zod';
import { DocumentId } from '../documents/schema.ts';
import { EventKey, RoomKey } from '../messages/ids.ts';

/**
 * In-app routes as typed values: a path pattern with `:name` segments, each
 * checked by a schema, that both parses a path and formats one. The renderer
 * binds routes to pages (its feature registry); Electron main checks the
 * paths that reach it from outside — govdesk:// links and notifications —
 * against the same values, so the two cannot drift apart.
 */

/**
 * What every segment of an in-app path is made of. Paths are never
 * percent-decoded, so a value has exactly one spelling and `..` or `%2F`
 * cannot smuggle anything into a segment.
 */
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const MAX_PATH_LENGTH = 500;

/** A path made by a route's `href`, so that navigating to a mistyped path does not compile. */
export type AppPath = string & { readonly __appPath: true };

type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}` ? Name | ParamNames<`/${Rest}`> : P extends `${string}:${infer Name}` ? Name : never;
export type RouteParams<P extends string> = { [K in ParamNames<P>]: string };

export interface AppRoute<P extends string = string> {
  readonly pattern: P;
  /** The route's parameters when `path` is this route's, else null. */
  match(path: string): RouteParams<P> | null;
  /** This route's path with these parameters; throws on a value `match` would refuse (a bug in the caller, not input). */
  href(params: RouteParams<P>): AppPath;
}

/**
 * `route('/documents/:documentId', { documentId: DocumentId })`: every `:name`
 * in the pattern needs a schema, which TypeScript checks.
 */
export function route<const P extends `/${string}`>(pattern: P, ...[schemas]: [ParamNames<P>] extends [never] ? [] : [schemas: Record<ParamNames<P>, z.ZodType<string>>]): AppRoute<P> {
  const parts = pattern.slice(1).split('/');
  const schemaOf = (part: string): z.ZodType<string> | null => (part.startsWith(':') ? ((schemas as Record<string, z.ZodType<string>> | undefined)?.[part.slice(1)] ?? null) : null);
  for (const part of parts) {
    if (!SEGMENT.test(part.startsWith(':') ? part.slice(1) : part)) throw new Error(`route ${pattern}: "${part}" is not a path segment`);
    if (part.startsWith(':') && !schemaOf(part)) throw new Error(`route ${pattern}: no schema for ${part}`);
  }
  const valid = (schema: z.ZodType<string>, value: string) => SEGMENT.test(value) && schema.safeParse(value).success;

  return {
    pattern,
    match(path) {
      if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH || !path.startsWith('/')) return null;
      const segments = path.slice(1).split('/');
      if (segments.length !== parts.length) return null;
      const params: Record<string, string> = {};
      for (const [index, part] of parts.entries()) {
        const segment = segments[index] as string;
        const schema = schemaOf(part);
        if (schema === null) {
          if (segment !== part) return null;
        } else if (valid(schema, segment)) params[part.slice(1)] = segment;
        else return null;
      }
      return params as RouteParams<P>;
    },
    href(params) {
      const values = params as Record<string, string>;
      const segments = parts.map((part) => {
        const schema = schemaOf(part);
        if (schema === null) return part;
        const value = values[part.slice(1)];
        if (typeof value !== 'string' || !valid(schema, value)) throw new Error(`route ${pattern}: ${String(value)} is not a valid ${part}`);
        return value;
      });
      return `/${segments.join('/')}` as AppPath;
    },
  };
}

export const homeRoutes = { home: route('/home') };
export const documentRoutes = { list: route('/documents'), document: route('/documents/:documentId', { documentId: DocumentId }) };
/** Rooms and events by their keys (shared/src/messages/ids.ts: roomKey, eventKey). */
export const messageRoutes = {
  list: route('/messages'),
  room: route('/messages/:room', { room: RoomKey }),
  /** A room scrolled to one event (a search hit, a notification). */
  event: route('/messages/:room/:event', { room: RoomKey, event: EventKey }),
};

/**
 * The routes a path from outside the renderer may name: a govdesk:// link
 * (govdesk://documents/d_… is /documents/d_…), a clicked notification, the
 * shell's `app.navigate`. One line per feature whose pages can be linked to;
 * a page that is only reached from inside the app declares its route in its
 * own feature folder instead.
 */
export const linkableRoutes: readonly AppRoute[] = [...Object.values(homeRoutes), ...Object.values(documentRoutes), ...Object.values(messageRoutes)];

/** A path naming one of `linkableRoutes`; anything else is refused. */
export const DeepLinkRoute = z
  .string()
  .max(MAX_PATH_LENGTH)
  .refine((path) => linkableRoutes.some((candidate) => candidate.match(path) !== null), 'not a GovDesk route');
