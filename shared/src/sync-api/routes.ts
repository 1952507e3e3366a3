import { z } from 'zod';
import { DirectorySearchResult, Me } from '../directory/schema.ts';
import { CLASSIFIED_REFUSAL } from '../documents/classified.ts';
import { CreateDocumentRequest, DocumentSummary, Share, ShareRequest } from '../documents/schema.ts';
import { CreateSessionRequest, RefreshSessionRequest, SessionTokens } from '../session/sync-session.ts';

/**
 * The sync-server's JSON API, declared once: the server validates requests and
 * builds its OpenAPI document from these tables; clients call through them.
 * Paths use `:name` parameters. Every route but session creation and refresh
 * needs `Authorization: Bearer <accessToken>`.
 */

export const ApiError = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
export type ApiError = z.infer<typeof ApiError>;

/**
 * Every error code of the API, with the HTTP status it is answered with. The
 * one place that pairs them: the sync-server's services raise codes and its
 * HTTP layer looks their status up here, the OpenAPI document groups a
 * route's codes by it, and clients branch on the code. (`code` stays a plain
 * string in ApiError, so that a client reads a code added later as an error
 * rather than as an answer off the contract.)
 */
export const API_ERRORS = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_path: 400,
  incomplete_body: 400,
  unauthorized: 401,
  invalid_openid_token: 401,
  invalid_refresh_token: 401,
  not_allowed: 403,
  homeserver_not_allowed: 403,
  internal_to_external: 403,
  no_access: 403,
  not_found: 404,
  unknown_principal: 404,
  method_not_allowed: 405,
  last_owner: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  [CLASSIFIED_REFUSAL.code]: 422,
  rate_limited: 429,
  too_many_connections: 429,
  internal: 500,
  homeserver_unreachable: 502,
  homeserver_error: 502,
} as const satisfies Record<string, number>;
export type ApiErrorCode = keyof typeof API_ERRORS;

const Ok = z.object({ ok: z.literal(true) });

/**
 * What a client checks its copy of a document against: `contentDigest` of the
 * server's copy, and the Yjs snapshot (state vector and delete set,
 * `Y.encodeSnapshot`, base64) it was taken at. Only a copy with an equal
 * snapshot must show the same; a state vector alone would not do, since a
 * deletion moves no clock.
 */
export const DocumentDigest = z.object({
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  snapshot: z.base64(),
});
export type DocumentDigest = z.infer<typeof DocumentDigest>;

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  summary: string;
  auth: boolean;
  body?: z.ZodType;
  response: z.ZodType;
  status: number;
  /** Error codes the route may answer with (their statuses are in API_ERRORS). */
  errors: readonly ApiErrorCode[];
}

const route = <R extends RouteSpec>(spec: R) => spec;

/** Each table is one feature's part of the API; a sync-server feature serves its table whole. */

export const sessionApi = {
  createSession: route({
    method: 'POST',
    path: '/api/session',
    summary: 'Log in with a Matrix OpenID token; returns a short-lived session and a refresh token',
    auth: false,
    body: CreateSessionRequest,
    response: SessionTokens,
    status: 201,
    errors: ['invalid_request', 'invalid_openid_token', 'homeserver_not_allowed', 'rate_limited', 'homeserver_unreachable', 'homeserver_error'],
  }),
  refreshSession: route({
    method: 'POST',
    path: '/api/session/refresh',
    summary: 'Exchange a refresh token for a new session (the refresh token is single-use)',
    auth: false,
    body: RefreshSessionRequest,
    response: SessionTokens,
    status: 200,
    errors: ['invalid_request', 'invalid_refresh_token'],
  }),
  deleteSession: route({
    method: 'DELETE',
    path: '/api/session',
    summary: 'Log out: revoke the session and its refresh token',
    auth: true,
    response: Ok,
    status: 200,
    errors: ['unauthorized'],
  }),
} satisfies Record<string, RouteSpec>;

export const directoryApi = {
  me: route({
    method: 'GET',
    path: '/api/directory/me',
    summary: 'The caller as the directory knows them',
    auth: true,
    response: Me,
    status: 200,
    errors: ['unauthorized'],
  }),
  search: route({
    method: 'GET',
    // ?q=<1–50 characters>&limit=<1–100, default 50>
    path: '/api/directory/search',
    summary: 'People and units by name, pinyin initials or unit name (civil servants)',
    auth: true,
    response: DirectorySearchResult,
    status: 200,
    errors: ['invalid_request', 'unauthorized', 'not_allowed'],
  }),
} satisfies Record<string, RouteSpec>;

export const documentsApi = {
  createDocument: route({
    method: 'POST',
    path: '/api/documents',
    summary: 'Create a document; the caller becomes its owner',
    auth: true,
    body: CreateDocumentRequest,
    response: DocumentSummary,
    status: 201,
    errors: ['invalid_request', 'unauthorized', 'not_allowed', 'classified_refused'],
  }),
  listDocuments: route({
    method: 'GET',
    path: '/api/documents',
    summary: 'Documents the caller has a right on, newest first',
    auth: true,
    response: z.object({ documents: z.array(DocumentSummary) }),
    status: 200,
    errors: ['unauthorized'],
  }),
  getDocument: route({
    method: 'GET',
    path: '/api/documents/:id',
    summary: 'One document, with the caller’s role',
    auth: true,
    response: DocumentSummary,
    status: 200,
    errors: ['unauthorized', 'not_found'],
  }),
  getDocumentDigest: route({
    method: 'GET',
    path: '/api/documents/:id/digest',
    summary: 'A digest of the document’s visible content and item order, with the snapshot it was taken at (any role)',
    auth: true,
    response: DocumentDigest,
    status: 200,
    errors: ['unauthorized', 'not_found'],
  }),
  listShares: route({
    method: 'GET',
    path: '/api/documents/:id/shares',
    summary: 'Who has which right on a document (owners and editors may look)',
    auth: true,
    response: z.object({ shares: z.array(Share) }),
    status: 200,
    errors: ['unauthorized', 'not_allowed', 'not_found'],
  }),
  putShare: route({
    method: 'PUT',
    path: '/api/documents/:id/shares',
    summary: 'Give a user or a unit a right on a document, or change it (owners only)',
    auth: true,
    body: ShareRequest,
    response: Share,
    status: 200,
    errors: ['invalid_request', 'unauthorized', 'not_allowed', 'internal_to_external', 'not_found', 'unknown_principal', 'last_owner'],
  }),
  deleteShare: route({
    method: 'DELETE',
    path: '/api/documents/:id/shares/:principalType/:principalId',
    summary: 'Revoke a right (owners only); the revoked user’s open connections to the document close',
    auth: true,
    response: Ok,
    status: 200,
    errors: ['invalid_request', 'unauthorized', 'not_allowed', 'not_found', 'last_owner'],
  }),
} satisfies Record<string, RouteSpec>;

/** The whole API, as clients call it. */
export const syncApi = { ...sessionApi, ...directoryApi, ...documentsApi };

export type SyncApi = typeof syncApi;
export type RouteName = keyof SyncApi;
