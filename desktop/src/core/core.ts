import { Language, RpcError, type DesktopContract, type Handlers, type SessionInfo } from '@govdesk/shared';
import { DirectoryService } from './directory/directory-service.ts';
import { DocumentsService } from './documents/documents-service.ts';
import { CoreEvents, ShellEventStream } from './events.ts';
import { MessagesService } from './messages/messages-service.ts';
import { createCoreMetrics, type CoreMetrics } from './metrics.ts';
import { SessionService } from './session/session-service.ts';
import { SyncSession } from './session/sync-session.ts';
import { SyncApiClient } from './sync-api/client.ts';
import { SyncServer } from './sync-api/sync-server.ts';
import { openLocalStore, type LocalStore } from './store/local-store.ts';
import { storeSecrets, type SecretStore } from './store/secrets.ts';

export type { SecretStore } from './store/secrets.ts';
export type { CoreMetrics } from './metrics.ts';

const LANGUAGE_SETTING = 'app.language';

export interface CoreOptions {
  /** Where the LocalStore lives (Electron: app.getPath('userData'); browser mode: its data directory). */
  dataDir: string;
  /**
   * The 32-byte key of the encrypted cache. The shell holds it: Electron keeps
   * it encrypted with safeStorage, browser mode and tests in a key file.
   */
  databaseKey: Uint8Array;
  /** Where tokens go. Electron passes a safeStorage-backed store; without one they stay in the encrypted LocalStore. */
  secrets?: SecretStore;
  /** Shown in the user's device list on the homeserver. */
  deviceName?: string;
  /** Pre-filled on the login form (the homeserver this installation belongs to). */
  defaultHomeserverUrl?: string | null;
  /** The sync-server's base URL (http or https). */
  syncServerUrl?: string | null;
  /** How long a replica stays connected after its last window closed (default 30 s), so reopening is instant. */
  replicaLingerMs?: number;
  /** The compaction worker's file when core runs from a bundle (the Electron core process); from source it is found beside the store. */
  compactionWorker?: string;
  /** Where core's diagnostics go (a warning carries `level: 'warn'`); nowhere by default. */
  log?: (message: string, details?: Record<string, unknown>) => void;
}

/** What every call into core knows about its caller. */
export interface CallContext {
  /** Which window or browser tab asked, for logs. */
  origin: string;
}

export interface Core {
  readonly handlers: Handlers<DesktopContract, CallContext>;
  /** Events for every renderer. */
  readonly events: CoreEvents;
  /** Events for the shell (tray badge, notifications). */
  readonly shell: ShellEventStream;
  readonly store: LocalStore;
  readonly metrics: CoreMetrics;
  close(): Promise<void>;
}

/**
 * The app's Node-side brain. It never imports electron, so Electron main, a
 * utility process, browser mode and tests all run it as it is.
 * Fails with WrongKeyError (and touches nothing) when the key does not open the cache.
 */
export async function createCore(options: CoreOptions): Promise<Core> {
  const store = openLocalStore(options.dataDir, options.databaseKey, options.compactionWorker);
  const events = new CoreEvents();
  const shell = new ShellEventStream();
  const secrets = options.secrets ?? storeSecrets(store);
  const session = new SessionService(events, store.settings, secrets, options.deviceName ?? 'GovDesk 政务协同桌面');
  await session.restore();
  const api = options.syncServerUrl ? new SyncApiClient(options.syncServerUrl) : null;
  let syncSession = api ? new SyncSession(api, secrets, session) : null;
  const metrics = createCoreMetrics();
  const documentsService = (sync: SyncSession | null) => new DocumentsService({ store, events, api, session: sync, metrics, lingerMs: options.replicaLingerMs, log: options.log });
  let documents = documentsService(syncSession);
  let directory = new DirectoryService(store, new SyncServer(api, syncSession));
  // One Matrix client per signed-in account, started without waiting for the network.
  const messagingFor = (info: SessionInfo | null): MessagesService | null => {
    if (!info) return null;
    const service = new MessagesService({ store, events, shell, session: { ...session.credentials(), displayName: info.displayName }, log: options.log });
    service.start();
    return service;
  };
  let messages = messagingFor(session.current());

  // A new login is a new sync-server session, a new set of replicas and a new Matrix client.
  session.onChange((info) => {
    documents.closeAll();
    directory.close();
    void syncSession?.end();
    syncSession = api ? new SyncSession(api, secrets, session) : null;
    documents = documentsService(syncSession);
    directory = new DirectoryService(store, new SyncServer(api, syncSession));
    if (session.current()) void documents.refresh().catch(() => {});
    void messages?.stop();
    // Logged out: the next person at this computer must not read the account's messages.
    if (!info) MessagesService.forget(store);
    messages = messagingFor(info);
  });

  /** `service` of the signed-in account; none answers for nobody. */
  const signedIn = <S,>(service: S): S => {
    if (!session.current()) throw new RpcError('not_logged_in', 'not logged in');
    return service;
  };
  const loggedIn = () => signedIn(documents);
  const messaging = () => {
    if (!session.current() || !messages) throw new RpcError('not_logged_in', 'not logged in');
    return messages;
  };
  const ok = { ok: true as const };

  return {
    events,
    shell,
    store,
    metrics,
    handlers: {
      'app.defaults': () => ({ homeserverUrl: options.defaultHomeserverUrl ?? null }),
      'app.reconnect': () => {
        documents.reconnect();
        messages?.reconnect();
        return ok;
      },
      // The UI language is the device's, not the user's: the login screen needs it before anyone is logged in.
      'app.language': () => ({ language: store.settings.get(LANGUAGE_SETTING, Language) ?? 'zh-CN' }),
      'app.setLanguage': (choice) => {
        store.settings.set(LANGUAGE_SETTING, choice.language);
        // Every window follows, and so does Electron main (its menus), which sees every core event.
        events.emit('app.language', choice);
        return choice;
      },
      'session.login': (params) => session.login(params),
      'session.current': () => session.current(),
      'session.logout': async () => {
        await session.logout();
        return { ok: true as const };
      },
      'directory.me': () => signedIn(directory).me(),
      'directory.search': (request) => signedIn(directory).search(request),
      'documents.list': () => ({ documents: loggedIn().list() }),
      'documents.create': (request) => loggedIn().create(request),
      'documents.open': ({ documentId }) => loggedIn().open(documentId),
      'documents.close': ({ documentId }) => {
        loggedIn().close(documentId);
        return { ok: true as const };
      },
      'documents.sync': ({ documentId, message }) => ({ reply: loggedIn().sync(documentId, message) }),
      'documents.share': ({ documentId, share }) => loggedIn().share(documentId, share),
      'messages.rooms': () => messaging().rooms(),
      'messages.timeline': ({ roomId, anchor, limit }) => messaging().timeline(roomId, anchor, limit),
      'messages.send': (request) => messaging().send(request),
      'messages.edit': async (request) => {
        await messaging().edit(request);
        return ok;
      },
      'messages.redact': async ({ roomId, eventId }) => {
        await messaging().redact(roomId, eventId);
        return ok;
      },
      'messages.retry': ({ roomId, key }) => {
        messaging().retry(roomId, key);
        return ok;
      },
      'messages.sendFile': (request) => messaging().sendFile(request),
      'messages.download': ({ roomId, eventId, thumbnail }) => messaging().download(roomId, eventId, thumbnail),
      'messages.markRead': ({ roomId, eventId }) => {
        messaging().markRead(roomId, eventId);
        return ok;
      },
      'messages.receipts': ({ roomId, eventId }) => messaging().receipts(roomId, eventId),
      'messages.members': ({ roomId }) => messaging().members(roomId),
      'messages.typing': async ({ roomId, typing }) => {
        await messaging().typing(roomId, typing);
        return ok;
      },
      'messages.focus': ({ roomId }) => {
        messaging().focus(roomId);
        return ok;
      },
      'messages.search': ({ query, limit }) => messaging().search(query, limit),
      'messages.findPeople': ({ query }) => messaging().findPeople(query),
      'messages.createRoom': (request) => messaging().createRoom(request),
      'messages.join': async ({ roomId }) => {
        await messaging().join(roomId);
        return ok;
      },
    },
    async close() {
      documents.closeAll();
      directory.close();
      await messages?.stop();
      store.close();
    },
  };
}
