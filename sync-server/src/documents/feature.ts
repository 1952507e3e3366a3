import { DocumentId, documentsApi, MatrixUserId, UnitId, type SharePrincipal } from '@govdesk/shared';
import { DomainError } from '../domain-error.ts';
import type { Feature } from '../feature.ts';

function documentId(raw: string | undefined): string {
  const parsed = DocumentId.safeParse(raw);
  // Not a possible ID: no such document, as for one the caller may not see.
  if (!parsed.success) throw new DomainError('not_found', 'no such document');
  return parsed.data;
}

function principalFromPath(type: string | undefined, id: string | undefined): SharePrincipal {
  if (type === 'user' && MatrixUserId.safeParse(id).success) return { type: 'user', userId: id as string };
  if (type === 'unit' && UnitId.safeParse(id).success) return { type: 'unit', unitId: id as string };
  throw new DomainError('invalid_request', 'the share is named /user/<Matrix user ID> or /unit/<unit ID>');
}

/** Documents, their shares and the digest of their content (/api/documents/…). */
export const documentsFeature: Feature = {
  name: 'documents',
  setup({ api, documents, digestOf }) {
    api.serve(documentsApi, {
      createDocument: {
        // 涉密不上网 is the answer to a classified request whatever else is wrong with it.
        screen: (input) => documents.refuseClassified(input),
        handle: ({ principal, body }) => documents.create(principal.userId, body),
      },
      listDocuments: async ({ principal }) => ({ documents: await documents.list(principal.userId) }),
      getDocument: ({ principal, params }) => documents.get(principal.userId, documentId(params.id)),
      getDocumentDigest: async ({ principal, params }) => {
        const id = documentId(params.id);
        // Every role may read the content, so any right will do; none means no such document.
        await documents.get(principal.userId, id);
        return digestOf(id);
      },
      listShares: async ({ principal, params }) => ({ shares: await documents.shares(principal.userId, documentId(params.id)) }),
      putShare: ({ principal, params, body }) => documents.share(principal.userId, documentId(params.id), body),
      deleteShare: async ({ principal, params }) => {
        await documents.revoke(principal.userId, documentId(params.id), principalFromPath(params.principalType, params.principalId));
        return { ok: true as const };
      },
    });
  },
};
