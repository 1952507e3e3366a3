import { useSyncExternalStore } from 'react';
import type { ApiClient, DesktopContract, MessagesConnection, RoomSummary } from '@govdesk/shared';
import { asCoreError, useCore, type CoreError, type Loadable } from '../data/core.tsx';
import { applyRoomsDiff, sortRooms } from './model.ts';

/**
 * The room list and the messaging connection, as core last told them. One
 * subscription per window, shared by the sidebar badge and the messages
 * page: the badge keeps it alive for as long as the Workspace is shown, so
 * coming back to 消息 from another feature shows the list at once instead of
 * asking core again. Nothing is kept but what core answered and
 * the events that followed.
 */

export interface RoomsData {
  rooms: RoomSummary[];
  connection: MessagesConnection;
}

type Snapshot = Loadable<RoomsData, CoreError<'messages.rooms'>>;
type RoomsEvent = { kind: 'diff'; upserted: RoomSummary[]; removed: string[] } | { kind: 'connection'; connection: MessagesConnection };

const LOADING: Snapshot = { status: 'loading' };

class RoomsStore {
  readonly #api: ApiClient<DesktopContract>;
  readonly #listeners = new Set<() => void>();
  #snapshot: Snapshot = LOADING;
  #stop: (() => void) | null = null;
  #idle: ReturnType<typeof setTimeout> | null = null;
  /** How far the room list was scrolled: coming back to 消息 from another feature mounts the page again, and the list is where the user left it. */
  readonly listScroll = { offset: 0 };

  constructor(api: ApiClient<DesktopContract>) {
    this.#api = api;
  }

  readonly getSnapshot = (): Snapshot => this.#snapshot;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = null;
    if (this.#stop === null) this.#start();
    return () => {
      this.#listeners.delete(listener);
      // A page switch unmounts one subscriber just before the next mounts: stop only when nobody came back.
      if (this.#listeners.size === 0) this.#idle = setTimeout(() => this.#stopNow(), 1000);
    };
  };

  /** Starts asking core before anyone subscribes (useRooms); if nobody does, it stops as when the last subscriber left. */
  readonly prime = (): void => {
    if (this.#stop !== null) return;
    this.#start();
    if (this.#listeners.size === 0) this.#idle = setTimeout(() => this.#stopNow(), 1000);
  };

  readonly retry = (): void => {
    this.#stopNow();
    if (this.#listeners.size === 0) return;
    this.#set(LOADING);
    this.#start();
  };

  #set(snapshot: Snapshot): void {
    this.#snapshot = snapshot;
    for (const listener of this.#listeners) listener();
  }

  #start(): void {
    let current = true;
    // Events that come before the answer are applied on top of it: each carries whole room summaries, so
    // replaying one the answer already holds changes nothing, and one it does not hold is newer.
    let early: RoomsEvent[] | null = [];
    const apply = (data: RoomsData, event: RoomsEvent): RoomsData =>
      event.kind === 'diff' ? { ...data, rooms: applyRoomsDiff(data.rooms, event) } : { ...data, connection: event.connection };
    const receive = (event: RoomsEvent) => {
      if (!current) return;
      if (early !== null) early.push(event);
      else if (this.#snapshot.status === 'ready') this.#set({ status: 'ready', data: apply(this.#snapshot.data, event) });
    };
    const stops = [
      this.#api.on('messages.rooms', (diff) => receive({ kind: 'diff', ...diff })),
      this.#api.on('messages.connection', ({ connection }) => receive({ kind: 'connection', connection })),
    ];
    this.#api.call('messages.rooms').then(
      (answer) => {
        if (!current) return;
        const data = (early ?? []).reduce(apply, { rooms: sortRooms(answer.rooms), connection: answer.connection });
        early = null;
        this.#set({ status: 'ready', data });
      },
      (error: unknown) => current && this.#set({ status: 'failed', error: asCoreError<'messages.rooms'>(error) }),
    );
    this.#stop = () => {
      current = false;
      for (const stop of stops) stop();
    };
  }

  #stopNow(): void {
    this.#stop?.();
    this.#stop = null;
    this.#idle = null;
    this.listScroll.offset = 0;
    // The next subscriber (perhaps after another login) starts from core's answer, never from this one's.
    this.#snapshot = LOADING;
  }
}

const stores = new WeakMap<ApiClient<DesktopContract>, RoomsStore>();

function storeOf(api: ApiClient<DesktopContract>): RoomsStore {
  let store = stores.get(api);
  if (!store) stores.set(api, (store = new RoomsStore(api)));
  return store;
}

/** The room list and connection, loading until core's first answer; retry() asks again. */
export function useRooms(): Snapshot & { retry(): void } {
  const store = storeOf(useCore());
  // In render, not after the commit as subscribing is: at a start the badge renders first, and core builds the room
  // list while the rest of the workspace renders, instead of after it.
  store.prime();
  // The same snapshot for server rendering (the registry's tests render the Workspace to HTML): loading, as before any answer.
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  return { ...snapshot, retry: store.retry };
}

/** The room list's scroll offset, kept across the remounts of the messages page for as long as the room list is. */
export function useRoomListScroll(): { offset: number } {
  return storeOf(useCore()).listScroll;
}
