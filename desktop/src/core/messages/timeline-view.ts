import type { SendState, TimelineItem } from '@govdesk/shared';
import type { EventRow, MatrixCache } from '../store/matrix-cache.ts';
import type { Outbox, OutboxEntry } from '../store/outbox.ts';
import { receiptCounts, type MemberPosition } from './receipts.ts';
import { personName } from './room-names.ts';
import { editOf, eventItem, outboxItem, previewOf, replyTargetOf } from './timeline-items.ts';

export interface Me {
  userId: string;
  displayName: string;
}

interface ViewContext {
  roomId: string;
  isDirect: boolean;
  members: MemberPosition[];
  entries: OutboxEntry[];
  edits: Map<string, Record<string, unknown>>;
  redactions: Set<string>;
  nameOf(userId: string): string;
}

const SEND_STATE: Record<OutboxEntry['state'], SendState> = { pending: 'sending', failed: 'failed', sent: 'sent' };

/** Whether an outbox entry is a message of its own (shown as an item), not an edit or a redaction of another. */
export function isOwnMessage(entry: OutboxEntry): boolean {
  return entry.eventType === 'm.room.message' && editOf(entry.content) === null;
}

/**
 * Builds timeline items from cached rows and the outbox, with the lookups
 * each needs done once per batch: names, joined members' read positions
 * (receipt counts for the whole batch from one query), the originals that
 * replies quote, and the user's edits and redactions still on their way.
 */
export class TimelineView {
  readonly #cache: MatrixCache;
  readonly #outbox: Outbox;
  readonly #me: Me;

  constructor(cache: MatrixCache, outbox: Outbox, me: Me) {
    this.#cache = cache;
    this.#outbox = outbox;
    this.#me = me;
  }

  /** Items for `rows` (oldest first), followed by the room's outbox messages when `withOutbox`. */
  items(roomId: string, rows: readonly EventRow[], options: { withOutbox?: boolean } = {}): TimelineItem[] {
    const context = this.#context(roomId);
    const items: TimelineItem[] = [];
    for (const row of rows) {
      const item = this.#eventItem(row, context);
      if (item) items.push(item);
    }
    if (options.withOutbox) for (const entry of context.entries) if (isOwnMessage(entry)) items.push(...this.#outboxItems([entry], context));
    return items;
  }

  /** The item of one outbox message (after enqueueing, a state change, a retry). */
  outboxItem(entry: OutboxEntry): TimelineItem | null {
    return this.#outboxItems([entry], this.#context(entry.roomId))[0] ?? null;
  }

  /** A person's name in a room: their display name there, else their ID's localpart. */
  nameOf(roomId: string, userId: string): string {
    if (userId === this.#me.userId) return this.#me.displayName;
    return personName(userId, this.#cache.member(roomId, userId)?.displayName);
  }

  #context(roomId: string): ViewContext {
    const room = this.#cache.room(roomId);
    const members: MemberPosition[] = this.#cache.memberPositions(roomId);
    const names = new Map(members.map((member) => [member.userId, member.displayName]));
    const entries = this.#outbox.forRoom(roomId);
    const edits = new Map<string, Record<string, unknown>>();
    const redactions = new Set<string>();
    // Edits and redactions the user made are shown at once, until they fail.
    for (const entry of entries) {
      if (entry.state === 'failed') continue;
      const edit = editOf(entry.content);
      if (entry.eventType === 'm.room.message' && edit) edits.set(edit.target, edit.newContent);
      if (entry.eventType === 'm.room.redaction' && typeof entry.content.redacts === 'string') redactions.add(entry.content.redacts);
    }
    const nameOf = (userId: string): string => {
      if (userId === this.#me.userId) return this.#me.displayName;
      const known = names.get(userId);
      return known !== undefined ? personName(userId, known) : this.nameOf(roomId, userId);
    };
    return { roomId, isDirect: room?.isDirect ?? false, members, entries, edits, redactions, nameOf };
  }

  #replyTo(roomId: string, content: Record<string, unknown>, nameOf: (userId: string) => string): TimelineItem['replyTo'] {
    const target = replyTargetOf(content);
    if (target === null) return null;
    const original = this.#cache.event(target);
    if (!original || original.roomId !== roomId) return { eventId: target, senderName: '', preview: '[原消息未加载]' };
    return { eventId: target, senderName: nameOf(original.sender), preview: previewOf(original) };
  }

  #eventItem(row: EventRow, context: ViewContext): TimelineItem | null {
    const item = eventItem(
      row,
      {
        senderName: context.nameOf(row.sender),
        replyTo: this.#replyTo(context.roomId, row.content, context.nameOf),
        receipts: row.type === 'm.room.message' ? receiptCounts({ ts: row.ts, id: row.id, sender: row.sender }, context.members) : null,
        send: 'sent',
        sendError: null,
        pendingEdit: context.edits.get(row.eventId) ?? null,
        pendingRedaction: context.redactions.has(row.eventId),
      },
      context.nameOf,
      context.isDirect,
    );
    return item;
  }

  #outboxItems(entries: readonly OutboxEntry[], context: ViewContext): TimelineItem[] {
    const others = context.members.filter((member) => member.userId !== this.#me.userId).length;
    const items: TimelineItem[] = [];
    for (const entry of entries) {
      const item = outboxItem(entry, this.#me, {
        replyTo: this.#replyTo(context.roomId, entry.content, context.nameOf),
        send: SEND_STATE[entry.state],
        sendError: entry.state === 'failed' ? entry.lastError : null,
        // The homeserver has it but its echo has not come back yet: nobody can have read it.
        receipts: entry.state === 'sent' ? { read: 0, unread: others } : null,
      });
      if (item) items.push(item);
    }
    return items;
  }
}
