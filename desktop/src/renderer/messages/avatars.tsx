import { TeamOutlined } from '@ant-design/icons';
import type { RoomSummary } from '@govdesk/shared';

/**
 * Calm, distinguishable colours. A person's is chosen by their name, the one
 * thing both a DM in the room list and their messages know, so it is the same
 * in both.
 */
const COLOURS = ['#1a5fb4', '#26a269', '#c64600', '#813d9c', '#0f7b8a', '#a51d2d', '#5e5c64', '#986a44'];

function colourOf(key: string): string {
  let hash = 0;
  for (const char of key) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return COLOURS[hash % COLOURS.length] as string;
}

/*
 * antd's Avatar, drawn as a plain span (.govdesk-avatar in global.css). The
 * component measures its text after mounting (a forced layout each) and
 * follows the screen's breakpoints; at one per room row and per message
 * that was a large share of opening the list and a room.
 */

/** A person: the first character of their name, as Chinese chat apps draw a missing photo. */
export function PersonAvatar({ name, size = 36 }: { name: string; size?: number }) {
  // antd's 18px letter, shrunk to fit the smaller circles as antd scales it.
  return (
    <span className="govdesk-avatar" style={{ width: size, height: size, fontSize: Math.min(18, size - 8), background: colourOf(name) }} aria-hidden>
      {Array.from(name)[0] ?? '?'}
    </span>
  );
}

export function RoomAvatar({ room, size = 40 }: { room: RoomSummary; size?: number }) {
  if (room.kind === 'group') {
    return (
      <span className="govdesk-avatar govdesk-avatar-square" style={{ width: size, height: size, fontSize: size / 2, background: colourOf(room.roomId) }} aria-hidden>
        <TeamOutlined />
      </span>
    );
  }
  return <PersonAvatar name={room.name} size={size} />;
}
