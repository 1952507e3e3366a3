import { DocumentId, MatrixUserId, syncApi, UnitId, type DocumentDigest, type SharePrincipal } from '@govdesk/shared';
import type { SessionService } from '../auth/sessions.ts';
import { registerRoute } from '../http/api.ts';
import { badRequest, notFound } from '../http/errors.ts';
import type { Router } from '../http/router.ts';
import type { DocumentService } from './document-service.ts';

function documentId(raw: string | undefined): string {
  const parsed = DocumentId.safeParse(raw);
  // Not a possible ID: no such document, as for one the caller may not see.
  if (!parsed.success) throw notFound('no such document');
  return parsed.data;
}

function principalFromPath(type: string | undefined, id: string | undefined): SharePrincipal {
  if (type === 'user' && MatrixUserId.safeParse(id).success) return { type: 'user', userId: id as string };
  if (type === 'unit' && UnitId.safeParse(id).success) return { type: 'unit', unitId: id as string };
  throw badRequest('invalid_request', 'the share is named /user/<Matrix user ID> or /unit/<unit ID>');
}

/** `digestOf` reads a document's content wherever it is (in memory or stored); the route checks the caller's right first. */
export function registerDocumentRoutes(
  router: Router,
  sessions: SessionService,
  documents: DocumentService,
  maxBodyBytes: number,
  digestOf: (documentId: string) => Promise<DocumentDigest>,
): void {
  registerRoute(router, sessions, maxBodyBytes, syncApi.createDocument, ({ principal, body }) => documents.create(principal.userId, body));
  registerRoute(router, sessions, maxBodyBytes, syncApi.listDocuments, async ({ principal }) => ({ documents: await documents.list(principal.userId) }));
  registerRoute(router, sessions, maxBodyBytes, syncApi.getDocument, ({ principal, params }) => documents.get(principal.userId, documentId(params.id)));
  registerRoute(router, sessions, maxBodyBytes, syncApi.getDocumentDigest, async ({ principal, params }) => {
    const id = documentId(params.id);
    // Every role may read the content, so any right will do; none means no such document.
    await documents.get(principal.userId, id);
    return digestOf(id);
  });
  registerRoute(router, sessions, maxBodyBytes, syncApi.listShares, async ({ principal, params }) => ({ shares: await documents.shares(principal.userId, documentId(params.id)) }));
  registerRoute(router, sessions, maxBodyBytes, syncApi.putShare, ({ principal, params, body }) => documents.share(principal.userId, documentId(params.id), body));
  registerRoute(router, sessions, maxBodyBytes, syncApi.deleteShare, async ({ principal, params }) => {
    await documents.revoke(principal.userId, documentId(params.id), principalFromPath(params.principalType, params.principalId));
    return { ok: true as const };
  });
}
