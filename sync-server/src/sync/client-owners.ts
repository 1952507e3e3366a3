/**
 * Who may write new clocks under each Yjs client ID of one document.
 *
 * Yjs trusts client IDs: a struct under another client's ID at clocks that
 * client has not used yet makes every replica skip that client's own next
 * structs as "already known". Its edits vanish for everyone else and the
 * forged text is attributed to it. So the first user who writes new clocks
 * under an ID, or introduces it in presence, owns it for the document; from
 * then on only that user (on any device or session) may extend it.
 *
 * Claims are stored with the update log, in the same transaction as the
 * updates that made them, so a claim is durable exactly when the content
 * written under it is. IDs that have content but no stored claim were
 * written before ownership existed: they are frozen, owned by nobody.
 */
export class ClientOwners {
  /** null: frozen (content from before claims were recorded). */
  readonly #owners = new Map<number, string | null>();
  #unsaved: ClientClaim[] = [];
  /** New claims per user since the document was loaded. */
  readonly #claimsBy = new Map<string, number>();
  readonly #onClaim: () => void;

  /** `onClaim` runs on each new claim, so that the owner of the log saves it (`takeUnsaved`). */
  constructor(stored: Iterable<ClientClaim>, clientsWithContent: Iterable<number>, onClaim: () => void) {
    this.#onClaim = onClaim;
    for (const claim of stored) this.#owners.set(claim.clientId, claim.userId);
    for (const clientId of clientsWithContent) if (!this.#owners.has(clientId)) this.#owners.set(clientId, null);
  }

  /** The owner, null when frozen, undefined when nobody has claimed the ID. */
  ownerOf(clientId: number): string | null | undefined {
    return this.#owners.get(clientId);
  }

  /**
   * Whether `userId` may write under `clientId`: 'ok' when it is theirs or
   * nobody's yet; 'owned' by another user; 'frozen' (content from before
   * claims); 'limit' when the user has claimed MAX_NEW_CLAIMS IDs since the
   * document was loaded (each claim is a stored row, and presence can make
   * them without writing anything).
   */
  verdict(clientId: number, userId: string): ClientIdVerdict {
    const owner = this.#owners.get(clientId);
    if (owner === userId) return 'ok';
    if (owner === null) return 'frozen';
    if (owner !== undefined) return 'owned';
    return (this.#claimsBy.get(userId) ?? 0) >= MAX_NEW_CLAIMS ? 'limit' : 'ok';
  }

  allows(clientId: number, userId: string): boolean {
    return this.verdict(clientId, userId) === 'ok';
  }

  /** Whether `userId` may write under `clientId`; an unclaimed ID becomes theirs (saved with the next log append). */
  claim(clientId: number, userId: string): boolean {
    if (this.verdict(clientId, userId) !== 'ok') return false;
    if (this.#owners.has(clientId)) return true;
    this.#owners.set(clientId, userId);
    this.#claimsBy.set(userId, (this.#claimsBy.get(userId) ?? 0) + 1);
    this.#unsaved.push({ clientId, userId });
    this.#onClaim();
    return true;
  }

  /** Claims not yet handed to storage; each is returned once. */
  takeUnsaved(): ClientClaim[] {
    const claims = this.#unsaved;
    this.#unsaved = [];
    return claims;
  }
}

/** New client IDs one user may claim in a document while it stays loaded: a desktop app takes one per start, a browser tab one per load. */
export const MAX_NEW_CLAIMS = 256;

export type ClientIdVerdict = 'ok' | 'owned' | 'frozen' | 'limit';

export interface ClientClaim {
  clientId: number;
  userId: string;
}
