import { z } from 'zod';
import { isInternalUserClass, type UserClass } from '../directory/schema.ts';

/**
 * Who may do what with a document. Pure rules: the sync-server applies them
 * with the directory it holds, clients use them to decide what to offer.
 */

export const DocumentRole = z.enum(['owner', 'editor', 'commenter', 'reader']);
export type DocumentRole = z.infer<typeof DocumentRole>;

export const Classification = z.enum(['internal', 'external']);
export type Classification = z.infer<typeof Classification>;

const RANK: Record<DocumentRole, number> = { reader: 1, commenter: 2, editor: 3, owner: 4 };

export function roleAtLeast(role: DocumentRole | null, needed: DocumentRole): boolean {
  return role !== null && RANK[role] >= RANK[needed];
}

export function strongestRole(roles: Iterable<DocumentRole>): DocumentRole | null {
  let best: DocumentRole | null = null;
  for (const role of roles) if (best === null || RANK[role] > RANK[best]) best = role;
  return best;
}

/** Only owners and editors change a document's content; commenters and readers see it. */
export function canWriteContent(role: DocumentRole | null): boolean {
  return roleAtLeast(role, 'editor');
}

export function canManageShares(role: DocumentRole | null): boolean {
  return role === 'owner';
}

/** Internal documents never reach enterprise liaisons or citizens, whatever a share says. */
export function mayHoldAnyRole(classification: Classification, userClass: UserClass): boolean {
  return classification === 'external' || isInternalUserClass(userClass);
}

export interface Grant {
  principal: { type: 'user'; userId: string } | { type: 'unit'; unitId: string };
  role: DocumentRole;
}

/**
 * A user's effective role: the strongest of the grants to them and to any
 * unit they belong to (a grant to a unit reaches its sub-units), or null —
 * and always null for an external user on an internal document.
 */
export function effectiveRole(
  grants: Iterable<Grant>,
  user: { userId: string; class: UserClass; unitIds: ReadonlySet<string> },
  classification: Classification,
): DocumentRole | null {
  if (!mayHoldAnyRole(classification, user.class)) return null;
  const roles: DocumentRole[] = [];
  for (const grant of grants) {
    const applies = grant.principal.type === 'user' ? grant.principal.userId === user.userId : user.unitIds.has(grant.principal.unitId);
    if (applies) roles.push(grant.role);
  }
  return strongestRole(roles);
}
