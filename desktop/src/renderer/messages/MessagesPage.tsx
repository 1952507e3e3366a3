import { DisconnectOutlined, MessageOutlined, PlusOutlined, SearchOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Dropdown, Empty, Input, Result, Spin, Typography } from 'antd';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { eventKey, messageRoutes, roomKey, type AppPath, type EventId, type RoomId, type RoomSummary, type SearchHit, type SessionInfo } from '@govdesk/shared';
import { useCore, useCoreQuery } from '../data/core.tsx';
import { useErrorText } from '../data/errors.ts';
import { QueryView } from '../data/QueryView.tsx';
import { useI18n, useMessages } from '../i18n/i18n.tsx';
import { RoomAvatar } from './avatars.tsx';
import { CreateRoomDialog } from './CreateRoomDialog.tsx';
import { JoinButton } from './JoinButton.tsx';
import { messagesMessages } from './labels.ts';
import { highlightParts, matchesName, previewLine, roomTimeLabel } from './model.ts';
import { RoomView } from './RoomView.tsx';
import { useRoomListScroll, useRooms } from './rooms.ts';
import { prefetchTimeline } from './useTimeline.ts';
import { useDebounced } from '../app/useDebounced.ts';
import { useNow } from './useNow.ts';

/**
 * 消息: the room list (with search) beside the open room. Every messages
 * route shows this page; the route says which room is open, and which event
 * to scroll to.
 */
export function MessagesPage({ roomId, around, session, navigate }: { roomId: RoomId | null; around: EventId | null; session: SessionInfo; navigate(path: AppPath): void }) {
  const t = useMessages(messagesMessages);
  const rooms = useRooms();
  const connection = rooms.status === 'ready' ? rooms.data.connection : null;
  const api = useCore();
  // Stable, so that the memoised room rows are not all re-rendered for a new function.
  const openRoom = useCallback(
    (id: RoomId) => {
      // The room shown already stays as it is (the same path): nothing to ask for.
      if (id !== roomId || around !== null) prefetchTimeline(api, id);
      navigate(messageRoutes.room.href({ room: roomKey(id) }));
    },
    [api, navigate, roomId, around],
  );

  return (
    <div className="govdesk-messages">
      {connection === 'offline' && <Alert banner type="warning" role="status" icon={<DisconnectOutlined />} title={t('connection.offline')} />}
      <div className="govdesk-messages-body">
        <RoomList rooms={rooms} selected={roomId} me={session.userId} onOpen={openRoom} navigate={navigate} />
        <section className="govdesk-messages-room">
          {roomId === null ? (
            <div className="govdesk-center">
              <Empty image={<MessageOutlined style={{ fontSize: 56, color: '#c0c4cc' }} />} description={t('room.none')} />
            </div>
          ) : (
            <QueryView query={rooms} messages={messagesMessages}>
              {({ rooms: list }) => {
                const room = list.find((candidate) => candidate.roomId === roomId);
                // Another room or event is a fresh RoomView (timeline, composer, typing), whether or not the Workspace remounts the page.
                return room ? (
                  <RoomView key={`${room.roomId} ${around ?? ''}`} room={room} around={around} session={session} navigate={navigate} />
                ) : (
                  <Result status="404" title={t('room.notFound')} />
                );
              }}
            </QueryView>
          )}
        </section>
      </div>
    </div>
  );
}

function RoomList({
  rooms,
  selected,
  me,
  onOpen,
  navigate,
}: {
  rooms: ReturnType<typeof useRooms>;
  selected: RoomId | null;
  me: string;
  onOpen(roomId: RoomId): void;
  navigate(path: AppPath): void;
}) {
  const t = useMessages(messagesMessages);
  const [query, setQuery] = useState('');
  const [creating, setCreating] = useState<'dm' | 'group' | null>(null);
  // State, not a ref: the room lists inside need it in their layout effects, which run before a parent's ref is set.
  const [scroller, setScroller] = useState<HTMLDivElement | null>(null);
  const connecting = rooms.status === 'ready' && rooms.data.connection === 'connecting';

  return (
    <aside className="govdesk-messages-sidebar" aria-label={t('rooms.label')}>
      <div className="govdesk-messages-sidebar-head">
        <div className="govdesk-row">
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('title')}
          </Typography.Title>
          <Dropdown
            trigger={['click']}
            menu={{
              items: [
                { key: 'dm', icon: <UserOutlined />, label: t('new.dm') },
                { key: 'group', icon: <TeamOutlined />, label: t('new.group') },
              ],
              onClick: ({ key }) => setCreating(key as 'dm' | 'group'),
            }}
          >
            <Button icon={<PlusOutlined />} aria-label={t('new')} title={t('new')} />
          </Dropdown>
        </div>
        <Input
          allowClear
          prefix={<SearchOutlined />}
          placeholder={t('search.placeholder')}
          aria-label={t('search.label')}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        {connecting && (
          <Typography.Text type="secondary" className="govdesk-small" role="status">
            <Spin size="small" /> {t('connection.connecting')}
          </Typography.Text>
        )}
      </div>
      <div ref={setScroller} className="govdesk-messages-sidebar-list">
        <QueryView query={rooms} messages={messagesMessages}>
          {({ rooms: list }) =>
            query.trim() === '' ? (
              <Rooms rooms={list} selected={selected} onOpen={onOpen} scroller={scroller} />
            ) : (
              <SearchResults
                query={query}
                rooms={list}
                selected={selected}
                onOpen={onOpen}
                onOpenHit={(hit) => navigate(messageRoutes.event.href({ room: roomKey(hit.roomId), event: eventKey(hit.eventId) }))}
                scroller={scroller}
              />
            )
          }
        </QueryView>
      </div>
      {creating && (
        <CreateRoomDialog
          kind={creating}
          me={me}
          onClose={() => setCreating(null)}
          onCreated={(roomId) => {
            setCreating(null);
            onOpen(roomId);
          }}
        />
      )}
    </aside>
  );
}

function Rooms({ rooms, selected, onOpen, scroller }: { rooms: readonly RoomSummary[]; selected: RoomId | null; onOpen(roomId: RoomId): void; scroller: HTMLDivElement | null }) {
  const t = useMessages(messagesMessages);
  const scroll = useRoomListScroll();
  const invites = useMemo(() => rooms.filter((room) => room.membership === 'invite'), [rooms]);
  const joined = useMemo(() => rooms.filter((room) => room.membership === 'join'), [rooms]);
  if (rooms.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('rooms.empty')} style={{ padding: '32px 16px' }} />;
  return (
    <>
      {invites.length > 0 && (
        <>
          <div className="govdesk-list-heading">{t('rooms.invites')}</div>
          <RoomRows label={t('rooms.invites')} rooms={invites} selected={selected} onOpen={onOpen} scroller={scroller} scroll={scroll} />
        </>
      )}
      <RoomRows label={t('rooms.label')} rooms={joined} selected={selected} onOpen={onOpen} scroller={scroller} scroll={scroll} />
    </>
  );
}

/** The height of a row of the room list (.govdesk-room-row): fixed, so that the virtual list places rows without measuring them. */
const ROOM_ROW_HEIGHT = 64;

/**
 * Rooms as list rows, virtualised: only those in or near the visible part of
 * the sidebar are in the DOM, so a thousand rooms cost what a screenful
 * does. The list scrolls with the whole sidebar (`scroller`), below whatever
 * is above it there. `scroll`: where the sidebar starts scrolled to, kept up
 * to date; every list in the sidebar must be given the same, since each
 * virtualizer scrolls the sidebar to its start.
 */
function RoomRows({
  label,
  rooms,
  selected,
  onOpen,
  scroller,
  scroll,
}: {
  label: string;
  rooms: readonly RoomSummary[];
  selected: RoomId | null;
  onOpen(roomId: RoomId): void;
  scroller: HTMLDivElement | null;
  scroll?: { offset: number };
}) {
  const now = useNow();
  const listRef = useRef<HTMLUListElement>(null);
  // Where the list starts in the scrolling sidebar (below headings and the other list), measured after each render:
  // what is above it may have changed with any of them. Set only when it moved, so this settles at once.
  const [top, setTop] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useLayoutEffect(() => {
    const measured = listRef.current?.offsetTop ?? 0;
    if (measured !== top) setTop(measured);
  });
  // The app does not run React Compiler, so the virtualizer (a mutable object by design) loses nothing here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rooms.length,
    getScrollElement: () => scroller,
    estimateSize: () => ROOM_ROW_HEIGHT,
    getItemKey: (index) => (rooms[index] as RoomSummary).roomId,
    scrollMargin: top,
    overscan: 6,
    initialOffset: () => scroll?.offset ?? 0,
    onChange: (instance) => {
      if (scroll) scroll.offset = instance.scrollOffset ?? 0;
    },
  });
  return (
    <ul ref={listRef} className="govdesk-room-list govdesk-room-rows" aria-label={label} style={{ height: virtualizer.getTotalSize() }}>
      {virtualizer.getVirtualItems().map((virtual) => {
        const room = rooms[virtual.index] as RoomSummary;
        const invite = room.membership === 'invite';
        return (
          <li
            key={virtual.key}
            className={invite ? 'govdesk-room-row govdesk-invite-item' : 'govdesk-room-row'}
            // Screen readers still hear "3 of 1000", though only a screenful of rows exists.
            aria-setsize={rooms.length}
            aria-posinset={virtual.index + 1}
            style={{ height: ROOM_ROW_HEIGHT, transform: `translateY(${virtual.start - top}px)` }}
          >
            {invite ? <InviteItem room={room} selected={room.roomId === selected} onOpen={onOpen} /> : <RoomItem room={room} selected={room.roomId === selected} onOpen={onOpen} now={now} />}
          </li>
        );
      })}
    </ul>
  );
}

/** A row's content; memoised, so that a change to one room re-renders that row only. */
const RoomItem = memo(function RoomItem({ room, selected, onOpen, now }: { room: RoomSummary; selected: boolean; onOpen(roomId: RoomId): void; now: number }) {
  const t = useMessages(messagesMessages);
  const api = useCore();
  const { language } = useI18n();
  const preview = previewLine(room);
  const label = [room.name, room.unread > 0 ? t('rooms.unread', { count: room.unread }) : null, room.mentions > 0 && room.kind === 'group' ? t('rooms.mentioned') : null].filter(Boolean).join('，');
  return (
    <button
      type="button"
      className="govdesk-room-item"
      aria-current={selected ? 'page' : undefined}
      aria-label={label}
      // The press comes well before the click: the room's messages are asked for already (prefetchTimeline).
      onPointerDown={(event) => {
        if (event.button === 0 && !selected) prefetchTimeline(api, room.roomId);
      }}
      onClick={() => onOpen(room.roomId)}
    >
      <span className="govdesk-room-avatar">
        <RoomAvatar room={room} />
        {/* antd's small Badge, drawn plainly (.govdesk-count): the component animates its digits, costly at one per row. */}
        {room.unread > 0 && (
          <sup className="govdesk-count" aria-hidden>
            {room.unread > 99 ? '99+' : room.unread}
          </sup>
        )}
      </span>
      <span className="govdesk-room-text">
        <span className="govdesk-room-line">
          <span className="govdesk-room-name">{room.name}</span>
          <span className="govdesk-room-time">{roomTimeLabel(t, language, room.lastMessage?.ts ?? room.ts, now)}</span>
        </span>
        <span className="govdesk-room-line">
          <span className="govdesk-room-preview">
            {room.mentions > 0 && room.kind === 'group' && <span className="govdesk-room-mention">{t('rooms.mentioned')}</span>}
            {preview ?? t('rooms.noMessages')}
          </span>
        </span>
      </span>
    </button>
  );
});

const InviteItem = memo(function InviteItem({ room, selected, onOpen }: { room: RoomSummary; selected: boolean; onOpen(roomId: RoomId): void }) {
  const t = useMessages(messagesMessages);
  return (
    <>
      <button type="button" className="govdesk-room-item" aria-current={selected ? 'page' : undefined} aria-label={`${room.name}，${t('rooms.invited')}`} onClick={() => onOpen(room.roomId)}>
        <RoomAvatar room={room} />
        <span className="govdesk-room-text">
          <span className="govdesk-room-name">{room.name}</span>
          <span className="govdesk-room-preview">{t('rooms.invited')}</span>
        </span>
      </button>
      <JoinButton roomId={room.roomId} label={t('rooms.accept')} size="small" />
    </>
  );
});

/** One box finds rooms by name (from the list held) and messages by content (core's full-text index, offline too). */
function SearchResults({
  query,
  rooms,
  selected,
  onOpen,
  onOpenHit,
  scroller,
}: {
  query: string;
  rooms: readonly RoomSummary[];
  selected: RoomId | null;
  onOpen(roomId: RoomId): void;
  onOpenHit(hit: SearchHit): void;
  scroller: HTMLDivElement | null;
}) {
  const t = useMessages(messagesMessages);
  const { language } = useI18n();
  const errorText = useErrorText();
  const now = useNow();
  const wanted = useDebounced(query.trim(), 200);
  const matching = useMemo(() => rooms.filter((room) => matchesName(room, query)), [rooms, query]);
  const hits = useCoreQuery('messages.search', { query: wanted, limit: 50 });
  // The last answer stays on screen while the next query runs, so typing does not make the list flicker.
  const [shown, setShown] = useState<{ query: string; hits: SearchHit[] } | null>(null);
  if (hits.status === 'ready' && shown?.hits !== hits.data.hits) setShown({ query: wanted, hits: hits.data.hits });
  const settled = hits.status !== 'loading' && wanted === query.trim();
  return (
    <>
      <div className="govdesk-list-heading">{t('search.rooms')}</div>
      {matching.length === 0 ? (
        <div className="govdesk-list-empty">{t('search.noRooms')}</div>
      ) : (
        <RoomRows label={t('search.rooms')} rooms={matching} selected={selected} onOpen={onOpen} scroller={scroller} />
      )}
      <div className="govdesk-list-heading">
        {t('search.messages')} {!settled && <Spin size="small" />}
      </div>
      {hits.status === 'failed' ? (
        <div className="govdesk-list-empty" role="alert">
          {errorText(hits.error, messagesMessages)}
        </div>
      ) : shown === null ? null : shown.hits.length === 0 ? (
        <div className="govdesk-list-empty">{t('search.noMessages', { query: shown.query })}</div>
      ) : (
        <ul className="govdesk-room-list" aria-label={t('search.messages')} aria-busy={!settled}>
          {shown.hits.map((hit) => (
            <li key={hit.eventId}>
              <button type="button" className="govdesk-hit" aria-label={`${hit.roomName} ${hit.senderName}：${hit.body}`} onClick={() => onOpenHit(hit)}>
                <span className="govdesk-room-line">
                  <span className="govdesk-room-name">{hit.roomName}</span>
                  <span className="govdesk-room-time">{roomTimeLabel(t, language, hit.ts, now)}</span>
                </span>
                <span className="govdesk-hit-body">
                  {hit.senderName}：
                  {highlightParts(hit.body, shown.query).map((part, index) => (part.match ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>))}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
