import { TeamOutlined } from '@ant-design/icons';
import { Button, Result, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { messageRoutes, roomKey, type AppPath, type EventId, type Member, type RoomId, type RoomSummary, type SessionInfo, type TimelineItem } from '@govdesk/shared';
import { useCore, useCoreQuery } from '../data/core.tsx';
import { QueryView } from '../data/QueryView.tsx';
import { useMessages } from '../i18n/i18n.tsx';
import { RoomAvatar } from './avatars.tsx';
import { Composer } from './Composer.tsx';
import { messagesMessages } from './labels.ts';
import { JoinButton } from './JoinButton.tsx';
import type { MessageContext } from './MessageItem.tsx';
import { typingLabel } from './model.ts';
import { Timeline } from './Timeline.tsx';
import { useTimeline, useTransfers, useTyping } from './useTimeline.ts';

/**
 * Tells core which room the user is looking at, so that it does not notify
 * about messages already on screen: the room while the window is visible and
 * focused, null when it is hidden, in the background, or the room is left.
 */
function useRoomFocus(roomId: RoomId): void {
  const api = useCore();
  useEffect(() => {
    const tell = (focused: RoomId | null) => void api.call('messages.focus', { roomId: focused }).catch((error: unknown) => console.warn('GovDesk: focus not told to core', error));
    const update = () => tell(document.visibilityState === 'visible' && document.hasFocus() ? roomId : null);
    update();
    document.addEventListener('visibilitychange', update);
    window.addEventListener('focus', update);
    window.addEventListener('blur', update);
    return () => {
      document.removeEventListener('visibilitychange', update);
      window.removeEventListener('focus', update);
      window.removeEventListener('blur', update);
      tell(null);
    };
  }, [api, roomId]);
}

/** One room: its header, its timeline, who is typing, and the composer; an invitation until it is accepted. */
export function RoomView({ room, around, session, navigate }: { room: RoomSummary; around: EventId | null; session: SessionInfo; navigate(path: AppPath): void }) {
  const t = useMessages(messagesMessages);
  useRoomFocus(room.roomId);
  return (
    <div className="govdesk-room">
      <header className="govdesk-room-head">
        <RoomAvatar room={room} size={36} />
        <div className="govdesk-room-head-text">
          <Typography.Title level={4} className="govdesk-room-title" data-testid="room-title">
            {room.name}
          </Typography.Title>
          <span className="govdesk-small">
            <Tag bordered={false}>{t(room.kind === 'dm' ? 'rooms.kind.dm' : 'rooms.kind.group')}</Tag>
            {room.kind === 'group' && t('room.members', { count: room.memberCount })}
            {room.topic && <span className="govdesk-room-topic"> · {room.topic}</span>}
          </span>
        </div>
      </header>
      {room.membership === 'invite' ? (
        <Result icon={<TeamOutlined />} title={t('room.invited', { name: room.name })} extra={<JoinButton roomId={room.roomId} label={t('room.join')} />} />
      ) : (
        <JoinedRoom room={room} around={around} me={session.userId} onLatest={() => navigate(messageRoutes.room.href({ room: roomKey(room.roomId) }))} />
      )}
    </div>
  );
}

const NO_MEMBERS: readonly Member[] = [];

function JoinedRoom({ room, around, me, onLatest }: { room: RoomSummary; around: EventId | null; me: string; onLatest(): void }) {
  const t = useMessages(messagesMessages);
  const api = useCore();
  const timeline = useTimeline(room.roomId, around);
  const transfers = useTransfers(room.roomId);
  const typing = useTyping(room.roomId);
  const memberQuery = useCoreQuery('messages.members', { roomId: room.roomId });
  const allMembers = memberQuery.status === 'ready' ? memberQuery.data.members : NO_MEMBERS;
  const members = useMemo(() => allMembers.filter((member) => member.userId !== me), [allMembers, me]);
  const [draft, setDraft] = useState('');
  const [replyTo, setReplyTo] = useState<TimelineItem | null>(null);
  const [editing, setEditing] = useState<TimelineItem | null>(null);
  const [sent, setSent] = useState(0);
  const [unreadAtOpen] = useState(room.unread);

  // One receipt per newest event seen; none for the user's own message when nothing of others is unread.
  const marked = useRef<EventId | null>(null);
  const unread = room.unread;
  const readLatest = (eventId: EventId) => {
    if (marked.current === eventId) return;
    const item = timeline.status === 'ready' ? timeline.data.items.find((candidate) => candidate.eventId === eventId) : undefined;
    if (item?.sender === me && unread === 0) return;
    marked.current = eventId;
    api.call('messages.markRead', { roomId: room.roomId, eventId }).catch((error: unknown) => {
      marked.current = null;
      console.warn('GovDesk: read receipt not recorded', error);
    });
  };

  const onReply = useCallback((item: TimelineItem) => {
    setEditing(null);
    setReplyTo(item);
  }, []);
  const onEdit = useCallback((item: TimelineItem) => {
    setReplyTo(null);
    setEditing(item);
    setDraft(item.body);
  }, []);
  // Memoised: the rows are, and a new context would re-render every one of them (a keystroke in the composer re-renders this).
  const context = useMemo<Omit<MessageContext, 'onJumpTo'>>(
    () => ({ roomId: room.roomId, roomKind: room.kind, me, members: allMembers, transfers, onReply, onEdit }),
    [room.roomId, room.kind, me, allMembers, transfers, onReply, onEdit],
  );

  // The composer is memoised (its antd Mentions is the costliest part of a room to render), so what it is given
  // stays the same unless it changed: the timeline's answers and events do not re-render it.
  const onCancel = useCallback(() => {
    if (editing) setDraft('');
    setReplyTo(null);
    setEditing(null);
  }, [editing]);
  const upload = useMemo(() => [...transfers.values()].find((transfer) => transfer.direction === 'up'), [transfers]);
  const sentContext = useRef({ timeline, onLatest });
  useEffect(() => {
    sentContext.current = { timeline, onLatest };
  });
  const onSent = useCallback(() => {
    const { timeline: current, onLatest: toLatest } = sentContext.current;
    // Sent from a window around an old message: the new message is with the latest ones.
    if (current.status === 'ready' && !current.data.atEnd) toLatest();
    else setSent((count) => count + 1);
  }, []);

  const typingText = typingLabel(t, typing);
  return (
    <>
      <QueryView
        query={timeline}
        messages={messagesMessages}
        extra={
          around !== null && (
            <Button onClick={onLatest} type="link">
              {t('room.jumpToLatest')}
            </Button>
          )
        }
      >
        {(state) => (
          <Timeline
            state={state}
            timeline={timeline}
            around={around}
            unreadAtOpen={unreadAtOpen}
            context={context}
            onReadLatest={readLatest}
            onJumpToLatest={onLatest}
            scrollToEndRequest={sent}
          />
        )}
      </QueryView>
      <div className="govdesk-typing" aria-live="polite" data-testid="typing">
        {typingText}
      </div>
      <Composer roomId={room.roomId} members={members} draft={draft} onDraft={setDraft} replyTo={replyTo} editing={editing} onCancel={onCancel} upload={upload} onSent={onSent} />
    </>
  );
}
