/**
 * How a room is named and whether it is a DM. Pure: the sync side extracts
 * the room's state into these shapes.
 */

export interface RoomMemberState {
  userId: string;
  /** The member's displayname, or '' when they set none. */
  displayName: string;
  membership: string;
  /** The member event, or the invitation it followed, said this is a direct chat (set by whoever invited them). */
  isDirect: boolean;
}

export interface RoomState {
  /** m.room.name, trimmed, '' when unset. */
  name: string;
  /** m.room.canonical_alias, '' when unset. */
  alias: string;
  topic: string;
  members: readonly RoomMemberState[];
}

/** A person's name: their displayname, else the localpart of their ID. */
export function personName(userId: string, displayName: string | null | undefined): string {
  const name = displayName?.trim();
  if (name) return name;
  const colon = userId.indexOf(':');
  return userId.startsWith('@') && colon > 1 ? userId.slice(1, colon) : userId;
}

/**
 * A DM: listed in the user's m.direct, or an invitation into it said so
 * (each side adds the room to its own m.direct, which arrives later than
 * the room itself).
 */
export function isDirectRoom(state: RoomState, inDirectList: boolean): boolean {
  return inDirectList || state.members.some((member) => member.isDirect);
}

const ACTIVE = new Set(['join', 'invite']);
const LISTED_MEMBERS = 3;

/**
 * A DM is named after the other person; a group by its m.room.name, else its
 * alias, else its members ("张伟、李娜、王强等5人"). The homeserver's
 * summary and matrix-js-sdk's names are English ("X and 2 others").
 */
export function roomName(state: RoomState, me: string, isDirect: boolean): string {
  const others = state.members.filter((member) => member.userId !== me);
  if (isDirect) {
    const other = others.find((member) => ACTIVE.has(member.membership)) ?? others[0];
    if (other) return personName(other.userId, other.displayName);
  }
  if (state.name) return state.name;
  if (state.alias) return state.alias;
  const active = others.filter((member) => ACTIVE.has(member.membership));
  if (active.length === 0) return '空群聊';
  const names = active
    .map((member) => personName(member.userId, member.displayName))
    .sort((a, b) => a.localeCompare(b, 'zh-CN'))
    .slice(0, LISTED_MEMBERS)
    .join('、');
  return active.length > LISTED_MEMBERS ? `${names}等${active.length + 1}人` : names;
}
