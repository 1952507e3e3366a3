import type { Member } from '@govdesk/shared';

/**
 * Who has read a message (x 人已读 / y 人未读). Pure: positions come from the
 * cache, where an event's position is its (ts, row id) — the order the
 * timeline shows.
 */

export interface Position {
  ts: number;
  id: number;
}

/** Whether `a` is the same event as `b` or a later one. */
export function atOrAfter(a: Position, b: Position): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.id >= b.id);
}

/** A joined member and how far they have read (their read receipt, or their own latest message). */
export interface MemberPosition extends Member {
  position: Position | null;
}

function hasRead(member: MemberPosition, event: Position): boolean {
  return member.position !== null && atOrAfter(member.position, event);
}

/** Of the joined members other than the sender, how many have read up to `event` and how many have not. */
export function receiptCounts(event: Position & { sender: string }, members: readonly MemberPosition[]): { read: number; unread: number } {
  let read = 0;
  let unread = 0;
  for (const member of members) {
    if (member.userId === event.sender) continue;
    if (hasRead(member, event)) read++;
    else unread++;
  }
  return { read, unread };
}

/** The same split as receiptCounts, as the two lists of people, each sorted by name. */
export function receiptLists(event: Position & { sender: string }, members: readonly MemberPosition[]): { read: Member[]; unread: Member[] } {
  const read: Member[] = [];
  const unread: Member[] = [];
  for (const member of members) {
    if (member.userId === event.sender) continue;
    (hasRead(member, event) ? read : unread).push({ userId: member.userId, displayName: member.displayName });
  }
  const byName = (a: Member, b: Member) => a.displayName.localeCompare(b.displayName, 'zh-CN') || a.userId.localeCompare(b.userId);
  return { read: read.sort(byName), unread: unread.sort(byName) };
}

/** The first message from someone else after the user's read position, among `events` (oldest first). */
export function firstUnread<E extends Position & { sender: string; eventId: string }>(events: readonly E[], me: string, myPosition: Position | null): string | null {
  for (const event of events) {
    if (event.sender === me) continue;
    if (myPosition === null || !atOrAfter(myPosition, event)) return event.eventId;
  }
  return null;
}
