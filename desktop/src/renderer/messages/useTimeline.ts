import { useCallback, useRef, useState } from 'react';
import type { ApiClient, DesktopContract, EventId, Member, RoomId, TimelineItem, TimelineWindow } from '@govdesk/shared';
import { asCoreError, useCore, useCoreEvent, useLoad, type CoreError, type LoadReport, type Loadable } from '../data/core.tsx';
import { oldestEventId, prependOlder, timelineFromWindow, upsertItems, type TimelineState } from './model.ts';

/** Messages per window; a page of older messages is as long. */
const PAGE = 50;

type TimelineError = CoreError<'messages.timeline'>;
type Api = ApiClient<DesktopContract>;

/** A room's latest window asked for ahead of its page, with the room's timeline events since the call. */
interface Prefetch {
  answer: Promise<TimelineWindow>;
  early: TimelineItem[][];
  stop(): void;
}

const prefetches = new WeakMap<Api, Map<RoomId, Prefetch>>();
/** A prefetch nobody took (the room did not open after all) is dropped after this long. */
const PREFETCH_KEPT_MS = 5_000;

/**
 * Asks for a room's latest messages as the user presses on it in the room
 * list, before its page is rendered: core's answer then comes while the page
 * renders instead of after it. useTimeline takes it over, with the events
 * that came since (as its own call would have them).
 */
export function prefetchTimeline(api: Api, roomId: RoomId): void {
  let rooms = prefetches.get(api);
  if (!rooms) prefetches.set(api, (rooms = new Map()));
  if (rooms.has(roomId)) return;
  const early: TimelineItem[][] = [];
  const stopEvents = api.on('messages.timeline', ({ roomId: changed, items }) => {
    if (changed === roomId) early.push(items);
  });
  const answer = api.call('messages.timeline', { roomId, anchor: { type: 'latest' }, limit: PAGE });
  // Its failure is useTimeline's to show, or nobody's if the room is not opened.
  answer.catch(() => undefined);
  const timer = setTimeout(() => takePrefetch(api, roomId)?.stop(), PREFETCH_KEPT_MS);
  rooms.set(roomId, {
    answer,
    early,
    stop: () => {
      clearTimeout(timer);
      stopEvents();
    },
  });
}

function takePrefetch(api: Api, roomId: RoomId): Prefetch | undefined {
  const rooms = prefetches.get(api);
  const prefetch = rooms?.get(roomId);
  rooms?.delete(roomId);
  return prefetch;
}

/**
 * A room's timeline as core answers it (from its cache first) and as its
 * `messages.timeline` events change it. `around`: open around that event (a
 * search hit, a notification) instead of at the latest messages.
 */
export function useTimeline(
  roomId: RoomId,
  around: EventId | null,
): Loadable<TimelineState, TimelineError> & { retry(): void; loadOlder(): Promise<TimelineError | null>; loadingOlder: boolean } {
  const api = useCore();
  const report = useRef<LoadReport<TimelineState, TimelineError> | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);

  const state = useLoad<TimelineState, TimelineError>(`${roomId} ${around ?? 'latest'}`, (load) => {
    report.current = load;
    // Items of events that come before the answer are merged into it: replacing an item by its key with the
    // same or a newer version is harmless, so the answer and the events may arrive in either order.
    // A prefetched window hands over its events at once (JavaScript runs nothing in between), so none is missed.
    const prefetched = around === null ? takePrefetch(api, roomId) : undefined;
    prefetched?.stop();
    let early: TimelineItem[][] | null = prefetched?.early ?? [];
    const stop = api.on('messages.timeline', ({ roomId: changed, items }) => {
      if (changed !== roomId) return;
      if (early !== null) early.push(items);
      else load.update((data) => data && upsertItems(data, items));
    });
    const window = prefetched?.answer ?? api.call('messages.timeline', { roomId, anchor: around ? { type: 'around', eventId: around } : { type: 'latest' }, limit: PAGE });
    // A window around an old event reaches the present only if it holds the room's newest item.
    const newest = around ? api.call('messages.timeline', { roomId, anchor: { type: 'latest' }, limit: 1 }) : Promise.resolve(null);
    Promise.all([window, newest]).then(
      ([answer, latest]) => {
        const last = latest?.items.at(-1);
        const atEnd = last === undefined || answer.items.some((item) => item.key === last.key);
        const data = (early ?? []).reduce(upsertItems, timelineFromWindow(answer, atEnd));
        early = null;
        load.settle({ status: 'ready', data });
      },
      (error: unknown) => load.settle({ status: 'failed', error: asCoreError<'messages.timeline'>(error) }),
    );
    return stop;
  });

  const data = state.status === 'ready' ? state.data : null;
  const loadOlder = useCallback(async (): Promise<TimelineError | null> => {
    const load = report.current;
    const before = data && !data.atStart ? oldestEventId(data) : null;
    if (!load || before === null) return null;
    setLoadingOlder(true);
    try {
      const older = await api.call('messages.timeline', { roomId, anchor: { type: 'before', eventId: before }, limit: PAGE });
      load.update((held) => held && prependOlder(held, older));
      return null;
    } catch (error) {
      return asCoreError<'messages.timeline'>(error);
    } finally {
      setLoadingOlder(false);
    }
  }, [api, data, roomId]);

  return { ...state, loadOlder, loadingOlder };
}

export interface Transfer {
  direction: 'up' | 'down';
  loaded: number;
  total: number;
}

/** Uploads (by item key) and downloads (by event ID) under way in a room, from core's `messages.transfer` events. */
export function useTransfers(roomId: RoomId): ReadonlyMap<string, Transfer> {
  const [transfers, setTransfers] = useState<ReadonlyMap<string, Transfer>>(new Map());
  useCoreEvent('messages.transfer', ({ roomId: room, key, direction, loaded, total }) => {
    if (room !== roomId) return;
    setTransfers((previous) => {
      const next = new Map(previous);
      // A finished transfer has nothing left to show; the item itself says what became of it.
      if (total > 0 && loaded >= total) next.delete(key);
      else next.set(key, { direction, loaded, total });
      return next;
    });
  });
  return transfers;
}

/** Who is typing in the room now (never the user), from core's `messages.typing` events. */
export function useTyping(roomId: RoomId): readonly Member[] {
  const [typing, setTyping] = useState<readonly Member[]>([]);
  useCoreEvent('messages.typing', ({ roomId: room, members }) => {
    if (room === roomId) setTyping(members);
  });
  return typing;
}
