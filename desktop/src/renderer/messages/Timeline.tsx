import { ArrowDownOutlined, ArrowUpOutlined } from '@ant-design/icons';
import { App, Button, Spin } from 'antd';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { EventId, Language } from '@govdesk/shared';
import { useErrorText } from '../data/errors.ts';
import { useI18n, useMessages } from '../i18n/i18n.tsx';
import { messagesMessages } from './labels.ts';
import { MessageItem, type MessageContext } from './MessageItem.tsx';
import { dayLabel, imageBox, latestEventId, timelineRows, type Row, type TimelineState } from './model.ts';
import type { useTimeline } from './useTimeline.ts';
import { useNow } from './useNow.ts';

type Head = { type: 'head'; key: string };
type Shown = Head | Row;

/** Within this distance of the bottom the reader counts as reading the latest messages: new ones scroll into view. */
const END_THRESHOLD = 80;
/** Older messages are asked for when the reader gets this close to the top. */
const LOAD_OLDER_AT = 400;

function estimate(row: Shown): number {
  switch (row.type) {
    case 'head':
    case 'day':
    case 'unread':
      return 40;
    case 'notice':
      return 32;
    case 'message':
      if (row.item.kind === 'image' && row.item.file) return imageBox(row.item.file).height + 72;
      if (row.item.kind === 'file') return 96;
      return row.continued ? 44 : 72;
  }
}

/**
 * The room's messages, virtualised: only the rows near the viewport are in
 * the DOM, so a room with years of history scrolls like a short one. The
 * list is anchored at its end (TanStack Virtual's chat mode): older pages
 * prepended above keep the visible message still, and new messages scroll
 * into view only while the reader is at the bottom.
 */
export function Timeline({
  state,
  timeline,
  around,
  unreadAtOpen,
  context,
  onReadLatest,
  onJumpToLatest,
  scrollToEndRequest,
}: {
  state: TimelineState;
  timeline: Pick<ReturnType<typeof useTimeline>, 'loadOlder' | 'loadingOlder'>;
  around: EventId | null;
  /** The room's unread count when it was opened, for the "jump to first unread" bar. */
  unreadAtOpen: number;
  /** What each message needs but the way to a replied-to message, which only the timeline knows. */
  context: Omit<MessageContext, 'onJumpTo'>;
  /** The reader is at the bottom of a timeline that reaches the present, and the window is visible. */
  onReadLatest(eventId: EventId): void;
  /** A window around an old event: leave it for the latest messages. */
  onJumpToLatest(): void;
  /** Bumped by the composer after the user sent something: show it, wherever the reader was. */
  scrollToEndRequest: number;
}) {
  const t = useMessages(messagesMessages);
  const { language } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const now = useNow();
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = useMemo<Shown[]>(() => [{ type: 'head', key: 'head' }, ...timelineRows(state.items, state.firstUnread)], [state.items, state.firstUnread]);
  // The app does not run React Compiler, so the virtualizer (a mutable object by design) loses nothing here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (index) => estimate(rows[index] as Shown),
    getItemKey: (index) => (rows[index] as Shown).key,
    anchorTo: 'end',
    followOnAppend: true,
    // A room opens at its latest messages: rendering from the end spares drawing the top first, and the top rows
    // (the "以下为新消息" line among them) are not taken for seen before the room is scrolled to its end.
    initialOffset: around === null ? Number.MAX_SAFE_INTEGER : 0,
    scrollEndThreshold: END_THRESHOLD,
    overscan: 6,
  });
  const items = virtualizer.getVirtualItems();
  const atBottom = virtualizer.isAtEnd(END_THRESHOLD);
  const unreadIndex = rows.findIndex((row) => row.type === 'unread');
  const aroundIndex = around === null ? -1 : rows.findIndex((row) => row.type === 'message' && row.item.eventId === around);
  // The visible rows (without overscan): "jump to first unread" is offered while the line is above them, until it was seen.
  const range = virtualizer.range;
  const [unreadSeen, setUnreadSeen] = useState(false);
  const unreadVisible = range !== null && unreadIndex >= range.startIndex && unreadIndex <= range.endIndex;
  const unreadAbove = unreadIndex > 0 && !unreadSeen && range !== null && range.startIndex > unreadIndex;

  // Where the room opens: at the searched-for message, or at the latest.
  const opened = useRef(false);
  useLayoutEffect(() => {
    if (opened.current) return;
    opened.current = true;
    if (aroundIndex >= 0) virtualizer.scrollToIndex(aroundIndex, { align: 'center' });
    else virtualizer.scrollToEnd();
  }, [virtualizer, aroundIndex]);

  useEffect(() => {
    if (unreadVisible) setUnreadSeen(true);
  }, [unreadVisible]);

  useEffect(() => {
    if (scrollToEndRequest > 0) virtualizer.scrollToEnd();
  }, [scrollToEndRequest, virtualizer]);

  // Near the top: the page before the oldest message held.
  const { loadOlder, loadingOlder } = timeline;
  const nearTop = (virtualizer.scrollOffset ?? 0) < LOAD_OLDER_AT;
  useEffect(() => {
    if (!nearTop || state.atStart || loadingOlder || !opened.current) return;
    void loadOlder().then((error) => {
      if (error) void message.error(errorText(error, messagesMessages));
    });
  }, [nearTop, state.atStart, loadingOlder, loadOlder, message, errorText]);

  // Seen: the bottom of a timeline that reaches the present, in a visible window.
  const latest = latestEventId(state.items);
  const readLatest = useRef(onReadLatest);
  useEffect(() => {
    readLatest.current = onReadLatest;
  });
  useEffect(() => {
    if (!atBottom || !state.atEnd || latest === null) return;
    const tell = () => {
      if (document.visibilityState === 'visible') readLatest.current(latest);
    };
    tell();
    document.addEventListener('visibilitychange', tell);
    return () => document.removeEventListener('visibilitychange', tell);
  }, [atBottom, state.atEnd, latest]);

  // Stable, as the rows' context must be (they are memoised): it finds the replied-to message among the latest rows.
  const latestRows = useRef(rows);
  useEffect(() => {
    latestRows.current = rows;
  });
  const jumpTo = useCallback(
    (eventId: EventId) => {
      const index = latestRows.current.findIndex((row) => row.type === 'message' && row.item.eventId === eventId);
      if (index >= 0) virtualizer.scrollToIndex(index, { align: 'center', behavior: 'smooth' });
    },
    [virtualizer],
  );
  const rowContext = useMemo(() => ({ ...context, onJumpTo: jumpTo }), [context, jumpTo]);

  return (
    <div className="govdesk-timeline-frame">
      {unreadAbove && (
        <Button className="govdesk-timeline-jump govdesk-timeline-jump-top" icon={<ArrowUpOutlined />} onClick={() => virtualizer.scrollToIndex(unreadIndex, { align: 'start' })}>
          {t('room.jumpToUnread', { count: unreadAtOpen })}
        </Button>
      )}
      <div ref={scrollRef} className="govdesk-timeline" role="log" aria-label={t('room.timeline')} tabIndex={0}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
          {items.map((virtual) => {
            const row = rows[virtual.index] as Shown;
            return (
              <div key={virtual.key} data-index={virtual.index} ref={virtualizer.measureElement} className="govdesk-timeline-row" style={{ transform: `translateY(${virtual.start}px)` }}>
                <TimelineRow row={row} atStart={row.type === 'head' && state.atStart} loadingOlder={row.type === 'head' && loadingOlder} around={around} context={rowContext} language={language} now={now} />
              </div>
            );
          })}
        </div>
      </div>
      {!state.atEnd ? (
        <Button className="govdesk-timeline-jump govdesk-timeline-jump-bottom" type="primary" icon={<ArrowDownOutlined />} onClick={onJumpToLatest}>
          {t('room.jumpToLatest')}
        </Button>
      ) : (
        !atBottom && (
          <Button className="govdesk-timeline-jump govdesk-timeline-jump-bottom" shape="circle" icon={<ArrowDownOutlined />} aria-label={t('room.jumpToLatest')} onClick={() => virtualizer.scrollToEnd({ behavior: 'smooth' })} />
        )
      )}
    </div>
  );
}

/** Memoised: scrolling re-renders the timeline at every frame, and a row whose props are the same need not follow. */
const TimelineRow = memo(function TimelineRow({
  row,
  atStart,
  loadingOlder,
  around,
  context,
  language,
  now,
}: {
  row: Shown;
  atStart: boolean;
  loadingOlder: boolean;
  around: EventId | null;
  context: MessageContext;
  language: Language;
  now: number;
}) {
  const t = useMessages(messagesMessages);
  switch (row.type) {
    case 'head':
      return <div className="govdesk-timeline-head">{atStart ? t('room.start') : loadingOlder ? <Spin size="small" aria-label={t('room.loadOlder')} /> : null}</div>;
    case 'day':
      return (
        <div className="govdesk-day" role="separator">
          <span>{dayLabel(t, language, row.ts, now)}</span>
        </div>
      );
    case 'unread':
      return (
        <div className="govdesk-unread-line" role="separator">
          <span>{t('room.unreadBelow')}</span>
        </div>
      );
    case 'notice':
      return <div className="govdesk-timeline-notice">{row.item.body}</div>;
    case 'message':
      return <MessageItem item={row.item} continued={row.continued} highlighted={row.item.eventId !== null && row.item.eventId === around} context={context} />;
  }
});
