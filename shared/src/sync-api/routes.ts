import { z } from 'zod';
import { Me } from '../directory/schema.ts';
import { CreateDocumentRequest, DocumentSummary, Share, ShareRequest } from '../documents/schema.ts';
import { CreateSessionRequest, RefreshSessionRequest, SessionTokens } from '../session/sync-session.ts';

/**
 * The sync-server's JSON API, declared once: the server validates requests and
 * builds its OpenAPI document from this table; clients call through it.
 * Paths use `:name` parameters. Every route but session creation and refresh
 * needs `Authorization: Bearer <accessToken>`.
 */

export const ApiError = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
export type ApiError = z.infer<typeof ApiError>;

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
  /** Error codes the route may answer with, by HTTP status. */
  errors: Record<number, string>;
}

const route = <R extends RouteSpec>(spec: R) => spec;

export const syncApi = {
  createSession: route({
    method: 'POST',
    path: '/api/session',
    summary: 'Log in with a Matrix OpenID token; returns a short-lived session and a refresh token',
    auth: false,
    body: CreateSessionRequest,
    response: SessionTokens,
    status: 201,
    errors: { 400: 'invalid_request', 401: 'invalid_openid_token', 403: 'homeserver_not_allowed', 429: 'rate_limited', 502: 'homeserver_unreachable' },
  }),
  refreshSession: route({
    method: 'POST',
    path: '/api/session/refresh',
    summary: 'Exchange a refresh token for a new session (the refresh token is single-use)',
    auth: false,
    body: RefreshSessionRequest,
    response: SessionTokens,
    status: 200,
    errors: { 400: 'invalid_request', 401: 'invalid_refresh_token' },
  }),
  deleteSession: route({
    method: 'DELETE',
    path: '/api/session',
    summary: 'Log out: revoke the session and its refresh token',
    auth: true,
    response: Ok,
    status: 200,
    errors: { 401: 'unauthorized' },
  }),
  me: route({
    method: 'GET',
    path: '/api/directory/me',
    summary: 'The caller as the directory knows them',
    auth: true,
    response: Me,
    status: 200,
    errors: { 401: 'unauthorized' },
  }),
  createDocument: route({
    method: 'POST',
    path: '/api/documents',
    summary: 'Create a document; the caller becomes its owner',
    auth: true,
    body: CreateDocumentRequest,
    response: DocumentSummary,
    status: 201,
    errors: { 400: 'invalid_request', 401: 'unauthorized', 403: 'not_allowed', 422: 'classified_refused' },
  }),
  listDocuments: route({
    method: 'GET',
    path: '/api/documents',
    summary: 'Documents the caller has a right on, newest first',
    auth: true,
    response: z.object({ documents: z.array(DocumentSummary) }),
    status: 200,
    errors: { 401: 'unauthorized' },
  }),
  getDocument: route({
    method: 'GET',
    path: '/api/documents/:id',
    summary: 'One document, with the caller’s role',
    auth: true,
    response: DocumentSummary,
    status: 200,
    errors: { 401: 'unauthorized', 404: 'not_found' },
  }),
  getDocumentDigest: route({
    method: 'GET',
    path: '/api/documents/:id/digest',
    summary: 'A digest of the document’s visible content and item order, with the snapshot it was taken at (any role)',
    auth: true,
    response: DocumentDigest,
    status: 200,
    errors: { 401: 'unauthorized', 404: 'not_found' },
  }),
  listShares: route({
    method: 'GET',
    path: '/api/documents/:id/shares',
    summary: 'Who has which right on a document (owners and editors may look)',
    auth: true,
    response: z.object({ shares: z.array(Share) }),
    status: 200,
    errors: { 401: 'unauthorized', 403: 'not_allowed', 404: 'not_found' },
  }),
  putShare: route({
    method: 'PUT',
    path: '/api/documents/:id/shares',
    summary: 'Give a user or a unit a right on a document, or change it (owners only)',
    auth: true,
    body: ShareRequest,
    response: Share,
    status: 200,
    errors: { 400: 'invalid_request', 401: 'unauthorized', 403: 'not_allowed | internal_to_external', 404: 'not_found | unknown_principal', 409: 'last_owner' },
  }),
  deleteShare: route({
    method: 'DELETE',
    path: '/api/documents/:id/shares/:principalType/:principalId',
    summary: 'Revoke a right (owners only); the revoked user’s open connections to the document close',
    auth: true,
    response: Ok,
    status: 200,
    errors: { 401: 'unauthorized', 403: 'not_allowed', 404: 'not_found', 409: 'last_owner' },
  }),
} satisfies Record<string, RouteSpec>;

export type SyncApi = typeof syncApi;
export type RouteName = keyof SyncApi;
