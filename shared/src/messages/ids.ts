import { z } from 'zod';
import { base64ToBytes, bytesToBase64 } from '../encoding/base64.ts';
import { utf8Decode, utf8Encode } from '../encoding/utf8.ts';

/**
 * Matrix room and event IDs, and how they appear in in-app paths. Paths only
 * take [A-Za-z0-9_-] segments (shared/src/desktop-api/routes.ts), so a room
 * or event ID travels in a path as its base64url spelling: one spelling per
 * ID, nothing to percent-decode.
 */

export const RoomId = z.string().max(255).regex(/^![^\s:]+:\S+$/, 'not a Matrix room ID');
export type RoomId = z.infer<typeof RoomId>;

export const EventId = z.string().max(255).regex(/^\$\S+$/, 'not a Matrix event ID');
export type EventId = z.infer<typeof EventId>;

function toKey(id: string): string {
  return bytesToBase64(utf8Encode(id)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromKey(key: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(key)) return null;
  const base64 = key.replaceAll('-', '+').replaceAll('_', '/');
  try {
    const id = utf8Decode(base64ToBytes(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), { fatal: true });
    // Only the canonical spelling names an ID, so that one ID has one path.
    return toKey(id) === key ? id : null;
  } catch {
    return null;
  }
}

const keyOf = <T extends z.ZodType<string>>(schema: T) =>
  z.string().refine((key) => {
    const id = fromKey(key);
    return id !== null && schema.safeParse(id).success;
  }, 'not a key of a Matrix ID');

/** A room ID as a path segment. */
export const RoomKey = keyOf(RoomId);
/** An event ID as a path segment. */
export const EventKey = keyOf(EventId);

export const roomKey = (roomId: RoomId): string => toKey(roomId);
export const eventKey = (eventId: EventId): string => toKey(eventId);

/** The room ID a RoomKey names; throws on anything RoomKey refuses (a bug in the caller: routes check keys first). */
export function roomIdOfKey(key: string): RoomId {
  const id = fromKey(key);
  return RoomId.parse(id);
}

export function eventIdOfKey(key: string): EventId {
  const id = fromKey(key);
  return EventId.parse(id);
}
