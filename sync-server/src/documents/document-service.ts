import { randomBytes } from 'node:crypto';
import {
  canManageShares,
  classifiedFields,
  CLASSIFIED_REFUSAL,
  effectiveRole,
  mayHoldAnyRole,
  roleAtLeast,
  type CreateDocumentRequest,
  type DocumentRole,
  type DocumentSummary,
  type Share,
  type SharePrincipal,
  type ShareRequest,
} from '@govdesk/shared';
import { DomainError } from '../domain-error.ts';
import type { DirectoryService } from '../directory/directory-service.ts';
import type { EventBus } from '../events.ts';
import type { DocumentRecord, DocumentRepository, ShareRecord } from '../storage/types.ts';

/**
 * Documents and who may do what with them. Every check happens here, on the
 * server: the client only ever learns the outcome.
 */
export class DocumentService {
  readonly #documents: DocumentRepository;
  readonly #directory: DirectoryService;
  readonly #events: Pick<EventBus, 'emit'>;

  constructor(documents: DocumentRepository, directory: DirectoryService, events: Pick<EventBus, 'emit'>) {
    this.#documents = documents;
    this.#directory = directory;
    this.#events = events;
  }

  #roleIn(document: DocumentRecord, shares: ShareRecord[], userId: string): DocumentRole | null {
    const person = this.#directory.person(userId);
    return effectiveRole(shares, { userId, class: person.class, unitIds: this.#directory.unitIdsOf(userId) }, document.classification);
  }

  /** The user's right on the document now, or null (also for a document that does not exist). */
  async roleOf(userId: string, documentId: string): Promise<DocumentRole | null> {
    const document = await this.#documents.get(documentId);
    if (!document) return null;
    return this.#roleIn(document, await this.#documents.shares(documentId), userId);
  }

  /**
   * 涉密不上网: a request to create a document whose title or classification
   * carries a 密级 is refused as such. It may be given the request as it came,
   * before its shape is checked, so that the refusal wins over any other
   * problem with it: the user learns the reason that matters.
   */
  refuseClassified(request: unknown): void {
    const fields = classifiedFields(request);
    if (fields.length > 0) throw new DomainError(CLASSIFIED_REFUSAL.code, CLASSIFIED_REFUSAL['zh-CN'], { details: fields });
  }

  async create(userId: string, request: CreateDocumentRequest): Promise<DocumentSummary> {
    // Whoever calls: the route has screened the request already, a feature creating documents may not have.
    this.refuseClassified(request);
    const person = this.#directory.person(userId);
    if (person.class !== 'civil_servant') throw new DomainError('not_allowed', 'only civil servants create documents');
    if (!this.#directory.unitChain(person.unitId).some((unit) => unit.id === request.owningUnitId)) {
      throw new DomainError('not_allowed', `a document can belong to your own unit or a unit above it, not to ${request.owningUnitId}`);
    }
    const now = new Date().toISOString();
    const document: DocumentRecord = {
      id: `d_${randomBytes(16).toString('base64url')}`,
      title: request.title,
      docType: request.docType,
      owningUnitId: request.owningUnitId,
      classification: request.classification,
      createdBy: userId,
      createdAt: now,
    };
    await this.#documents.create(document, { documentId: document.id, principal: { type: 'user', userId }, role: 'owner', grantedBy: userId, grantedAt: now });
    return { ...document, myRole: 'owner' };
  }

  async list(userId: string): Promise<DocumentSummary[]> {
    const documents = await this.#documents.listShared(userId, [...this.#directory.unitIdsOf(userId)]);
    const summaries: DocumentSummary[] = [];
    for (const document of documents) {
      const role = this.#roleIn(document, await this.#documents.shares(document.id), userId);
      if (role) summaries.push({ ...document, myRole: role });
    }
    return summaries;
  }

  /** Loads the document and the caller's role; a document the caller has no right on does not exist for them. */
  async #access(userId: string, documentId: string): Promise<{ document: DocumentRecord; shares: ShareRecord[]; role: DocumentRole }> {
    const document = await this.#documents.get(documentId);
    const shares = document ? await this.#documents.shares(documentId) : [];
    const role = document ? this.#roleIn(document, shares, userId) : null;
    if (!document || !role) throw new DomainError('not_found', 'no such document');
    return { document, shares, role };
  }

  async get(userId: string, documentId: string): Promise<DocumentSummary> {
    const { document, role } = await this.#access(userId, documentId);
    return { ...document, myRole: role };
  }

  async shares(userId: string, documentId: string): Promise<Share[]> {
    const { shares, role } = await this.#access(userId, documentId);
    if (!roleAtLeast(role, 'editor')) throw new DomainError('not_allowed', 'only owners and editors see who has access');
    return shares.map(({ principal, role: shareRole, grantedBy, grantedAt }) => ({ principal, role: shareRole, grantedBy, grantedAt }));
  }

  async share(userId: string, documentId: string, request: ShareRequest): Promise<Share> {
    const { document, role } = await this.#access(userId, documentId);
    if (!canManageShares(role)) throw new DomainError('not_allowed', 'only owners share a document');
    if (request.principal.type === 'user') {
      const target = this.#directory.person(request.principal.userId);
      if (!mayHoldAnyRole(document.classification, target.class)) {
        throw new DomainError('internal_to_external', 'an internal document cannot be shared with an enterprise liaison or a citizen');
      }
    } else if (!this.#directory.unit(request.principal.unitId)) {
      throw new DomainError('unknown_principal', `there is no unit ${request.principal.unitId}`);
    }
    const share: ShareRecord = { documentId, principal: request.principal, role: request.role, grantedBy: userId, grantedAt: new Date().toISOString() };
    await this.#documents.putShare(share, requireAnOwner);
    this.#events.emit('rights.changed', { documentId });
    return { principal: share.principal, role: share.role, grantedBy: share.grantedBy, grantedAt: share.grantedAt };
  }

  async revoke(userId: string, documentId: string, principal: SharePrincipal): Promise<void> {
    const { role } = await this.#access(userId, documentId);
    if (!canManageShares(role)) throw new DomainError('not_allowed', 'only owners revoke access');
    const removed = await this.#documents.deleteShare(documentId, principal, requireAnOwner);
    if (!removed) throw new DomainError('not_found', 'there is no such share');
    this.#events.emit('rights.changed', { documentId });
  }
}

function requireAnOwner(shares: ShareRecord[]): void {
  if (!shares.some((share) => share.role === 'owner' && share.principal.type === 'user')) throw new DomainError('last_owner', 'a document must keep at least one owner');
}
