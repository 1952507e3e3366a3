import { z } from 'zod';
import { API_ERRORS, ApiError, Classification, CreateDocumentRequest, type ApiErrorCode, type RouteSpec } from '@govdesk/shared';

const requestClassification: unknown = CreateDocumentRequest.shape.classification;

const schema = (type: z.ZodType) =>
  z.toJSONSchema(type, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      // The request's classification is a refined string (so that a 密级 is answered with the 涉密不上网 refusal, not an
      // enum error), which JSON Schema can only see as any string: state what is accepted.
      if (zodSchema === requestClassification) jsonSchema.enum = [...Classification.options];
    },
  });
const json = (type: z.ZodType) => ({ 'application/json': { schema: schema(type) } });

/**
 * The errors a route may answer, by status: those its entry in the table names, and those every route of its kind
 * gets from the HTTP layer (http/router.ts, http/api.ts), which the table leaves out.
 */
function errorsOf(spec: RouteSpec): Record<number, ApiErrorCode[]> {
  const codes = new Set<ApiErrorCode>(spec.errors);
  if (spec.auth) codes.add('unauthorized');
  if (spec.body) for (const code of ['invalid_request', 'invalid_json', 'body_too_large', 'unsupported_media_type'] as const) codes.add(code);
  if (spec.path.includes(':')) codes.add('invalid_path');
  const errors: Record<number, ApiErrorCode[]> = {};
  for (const code of codes) (errors[API_ERRORS[code]] ??= []).push(code);
  return errors;
}

/** The OpenAPI 3.1 description of the JSON API as served: the features' route tables (shared/src/sync-api), by operation name. */
export function openApiDocument(version: string, served: ReadonlyMap<string, RouteSpec>): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [operationId, spec] of served) {
    const path = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters = [...spec.path.matchAll(/:([A-Za-z]+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const responses: Record<string, unknown> = { [spec.status]: { description: 'Success', content: json(spec.response) } };
    for (const [status, codes] of Object.entries(errorsOf(spec))) responses[status] = { description: `error.code: ${codes.join(' | ')}`, content: json(ApiError) };
    paths[path] = {
      ...paths[path],
      [spec.method.toLowerCase()]: {
        operationId,
        summary: spec.summary,
        security: spec.auth ? [{ session: [] }] : [],
        parameters,
        ...(spec.body ? { requestBody: { required: true, content: json(spec.body) } } : {}),
        responses,
      },
    };
  }
  paths['/docs/{documentId}'] = {
    get: {
      operationId: 'documentSocket',
      summary: 'Document sync over WebSocket (the stock y-websocket protocol)',
      description:
        'Upgrade to a WebSocket with `?token=<accessToken>` (or a Bearer header). Refused before the upgrade with 401 (no, forged or expired session), ' +
        '403 (no right on the document) or 429 (too many connections), or with the error a feature refuses it with. Messages are y-protocols sync (step 1, step 2, update) and awareness. ' +
        'Updates from readers and commenters are dropped. Close codes: 1001 server shutting down, 1009 frame too large, 4400 malformed frame, ' +
        '4401 session ended, 4403 access revoked (4400-4499: do not reconnect), 4500 storage failure, 4508 slow consumer, 4520 document reloaded, ' +
        '4529 rate limited (reconnect).',
      security: [{ session: [] }],
      parameters: [
        { name: 'documentId', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'token', in: 'query', required: false, schema: { type: 'string' } },
      ],
      responses: { 101: { description: 'Switching protocols' }, 401: { description: 'unauthorized' }, 403: { description: 'no_access' }, 429: { description: 'too_many_connections' } },
    },
  };
  paths['/healthz'] = { get: { operationId: 'health', summary: 'Liveness and readiness', security: [], responses: { 200: { description: '{"status":"ok","instance":"<instance ID>"}' }, 503: { description: 'shutting down' } } } };
  paths['/metrics'] = {
    get: { operationId: 'metrics', summary: 'Prometheus metrics (bearer metrics token when configured, else loopback only)', security: [], responses: { 200: { description: 'text/plain; version=0.0.4' }, 403: { description: 'not_allowed' } } },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'GovDesk sync-server', version, description: 'Documents, rights and the organisation directory; document content syncs over the y-websocket protocol at /docs/{documentId}.' },
    components: { securitySchemes: { session: { type: 'http', scheme: 'bearer', description: 'The accessToken of POST /api/session' } } },
    paths,
  };
}
