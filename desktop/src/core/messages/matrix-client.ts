import { ClientEvent, createClient, EventType, Filter, MemoryStore, SyncState, type ICreateClientOpts, type ISyncResponse, type MatrixClient, type Room } from 'matrix-js-sdk';
import type { MessagesConnection } from '@govdesk/shared';
import type { RoomState } from './room-names.ts';

/**
 * One matrix-js-sdk client per signed-in account, in core: it runs the sync
 * loop (long-poll, keep-alive, reconnect) and keeps rooms' current state. It
 * sends nothing: the outbox does, over plain HTTP, so the SDK's own queue
 * and local echoes stay out of the way. No end-to-end encryption.
 */

type Logger = NonNullable<ICreateClientOpts['logger']>;
export type Log = (message: string, details?: Record<string, unknown>) => void;

/**
 * matrix-js-sdk logs every sync step; core keeps its warnings and errors.
 * Its warnings are about its own defaults (push rules it adds to the
 * server's) and go to the log without a level, so that core's warnings
 * (level 'warn') stay core's; its errors (a failed /sync) keep theirs.
 */
function quietLogger(log: Log | undefined): Logger {
  const text = (args: unknown[]) => `matrix-js-sdk: ${args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ')}`;
  const logger: Logger = {
    trace: () => {},
    debug: () => {},
    info: () => {},
    warn: (...args: unknown[]) => log?.(text(args)),
    error: (...args: unknown[]) => log?.(text(args), { level: 'error' }),
    getChild: () => logger,
  };
  return logger;
}

/**
 * A MemoryStore that hands each /sync response to core once matrix-js-sdk
 * has applied it to its rooms: the SDK awaits `setSyncData` before its next
 * request, so core writes the cache from the raw response (limited
 * timelines, prev_batch, receipts, unread counts as the homeserver sent
 * them) and reads rooms' current state from the SDK.
 */
class ObservedStore extends MemoryStore {
  readonly #onSync: (data: ISyncResponse) => Promise<void>;

  constructor(onSync: (data: ISyncResponse) => Promise<void>) {
    super();
    this.#onSync = onSync;
  }

  override async setSyncData(data: ISyncResponse): Promise<void> {
    await this.#onSync(data);
  }
}

export function connectionOf(state: SyncState | null): MessagesConnection {
  switch (state) {
    case SyncState.Prepared:
    case SyncState.Syncing:
      return 'online';
    case SyncState.Error:
    case SyncState.Stopped:
      return 'offline';
    default:
      // Not started yet, catching up after a failure, or one failed long-poll (not yet known to be offline).
      return 'connecting';
  }
}

export interface MatrixClientOptions {
  homeserverUrl: string;
  userId: string;
  deviceId: string;
  accessToken: string;
  log?: Log | undefined;
  /** Each /sync response after the SDK applied it; `initial` for the first one of this client. */
  onSync(data: ISyncResponse, initial: boolean): Promise<void>;
  onConnection(connection: MessagesConnection): void;
}

/** Initial sync: this many latest events per room; older ones come from /messages when someone scrolls. */
const INITIAL_SYNC_LIMIT = 20;

export interface RunningClient {
  client: MatrixClient;
  /** Stops syncing; nothing of the client reaches the network afterwards. */
  stop(): void;
}

export function startMatrixClient(options: MatrixClientOptions): RunningClient {
  let initial = true;
  let stopped = false;
  const store = new ObservedStore(async (data) => {
    const first = initial;
    initial = false;
    await options.onSync(data, first);
  });
  const client = createClient({
    baseUrl: options.homeserverUrl,
    userId: options.userId,
    deviceId: options.deviceId,
    accessToken: options.accessToken,
    store,
    logger: quietLogger(options.log),
    disableVoip: true,
    // Stopped during its start-up, matrix-js-sdk still sends the first /sync
    // (with the aborted signal) and never awaits it: that rejection would go
    // unhandled and end the process. After the stop, its requests never leave.
    fetchFn: (input, init) => (stopped ? new Promise<Response>(() => {}) : fetch(input, init)),
  });
  client.on(ClientEvent.Sync, (state: SyncState) => options.onConnection(connectionOf(state)));
  // Only what core reads: no presence, no room account data; of the account's, the DM list (and push rules, which matrix-js-sdk wants).
  const filter = new Filter(options.userId);
  filter.setDefinition({
    presence: { not_types: ['*'] },
    account_data: { types: ['m.direct', 'm.push_rules'] },
    room: { account_data: { not_types: ['*'] } },
  });
  void client
    .startClient({ initialSyncLimit: INITIAL_SYNC_LIMIT, filter, lazyLoadMembers: false, disablePresence: true, threadSupport: false })
    .catch((error: unknown) => options.log?.('the Matrix client did not start', { level: 'error', error: String(error) }));
  return {
    client,
    stop() {
      stopped = true;
      client.stopClient();
    },
  };
}

/** A room's state as the naming rules read it (see room-names.ts). */
export function roomStateOf(room: Room): RoomState {
  const state = room.currentState;
  const text = (type: string, field: string) => {
    const value = state.getStateEvents(type, '')?.getContent()[field] as unknown;
    return typeof value === 'string' ? value.trim() : '';
  };
  return {
    name: text('m.room.name', 'name'),
    alias: text('m.room.canonical_alias', 'alias'),
    topic: text('m.room.topic', 'topic'),
    members: state.getMembers().map((member) => {
      const event = member.events.member;
      const content = event?.getContent() ?? {};
      return {
        userId: member.userId,
        displayName: typeof content.displayname === 'string' ? content.displayname : '',
        membership: member.membership ?? 'leave',
        // A joined member's event replaced the invitation that carried the flag.
        isDirect: content.is_direct === true || event?.getPrevContent().is_direct === true,
      };
    }),
  };
}

/** The m.direct account data: rooms the user keeps as DMs. */
export function directRoomIds(client: MatrixClient): Set<string> {
  const content = client.getAccountData(EventType.Direct)?.getContent() ?? {};
  const ids = new Set<string>();
  for (const rooms of Object.values(content)) if (Array.isArray(rooms)) for (const roomId of rooms) if (typeof roomId === 'string') ids.add(roomId);
  return ids;
}

/** Whether the user may redact other people's messages in the room (power levels). */
export function mayRedactOthers(client: MatrixClient, roomId: string): boolean {
  const room = client.getRoom(roomId);
  const me = room?.getMember(client.getSafeUserId());
  return room !== null && me !== null && me !== undefined && room.currentState.hasSufficientPowerLevelFor('redact', me.powerLevel);
}
