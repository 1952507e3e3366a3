import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionTokens } from '@govdesk/shared';
import { DomainError } from '../../src/domain-error.ts';
import type { Feature, FeatureHooks } from '../../src/feature.ts';
import type { SyncServer } from '../../src/server.ts';
import { changeCounter } from '../fixtures/change-counter/feature.ts';
import { startInProcess } from './in-process.ts';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, type TestOrganisation } from '../../../test/support/organisation.ts';
import { api, createSharedDocument, login, metric, type ServerAddress, upgradeStatus } from '../../../test/support/sync-server.ts';
import { stockClient, type StockClient } from '../../../test/support/yjs-clients.ts';

/**
 * Features plug into the sync-server (sync-server/src/feature.ts): a feature
 * of a test's own, in its own folder, adds a route and a hook without any
 * other change; hooks that fail break nothing; `authenticate` may refuse a
 * socket. Real server (in this process, to give it the test's features), real
 * SQLite, real stock y-websocket clients, real logins on the real homeserver.
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
const servers: SyncServer[] = [];
const clients: StockClient[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const client of clients) client.destroy();
  await Promise.all(servers.map((server) => server.close()));
});

async function start(features: Feature[], env: Record<string, string> = {}) {
  const started = await startInProcess({ homeserver, directory: org.directory, env, features });
  servers.push(started.server);
  return started;
}

/** A document 张伟 owns, 李娜 may edit and 王强 may read. */
const newDocument = (target: ServerAddress, zhang: SessionTokens) =>
  createSharedDocument(target, zhang, [
    [org.li.userId, 'editor'],
    [org.wang.userId, 'reader'],
  ]);

function connect(target: ServerAddress, documentId: string, session: SessionTokens): StockClient {
  const client = stockClient(target.wsUrl, documentId, session.accessToken);
  clients.push(client);
  return client;
}

describe('a feature in a folder of its own', () => {
  it('adds a route and a hook: the updates of a document its change hook counted, served to whoever may read the document', async () => {
    const { target } = await start([changeCounter]);
    const [zhang, li, wang, citizen] = [await login(target, homeserver, org.zhang), await login(target, homeserver, org.li), await login(target, homeserver, org.wang), await login(target, homeserver, org.citizen)];
    const documentId = await newDocument(target, zhang);
    const counted = (session: SessionTokens | null, id = documentId) => api(target, session?.accessToken ?? null, 'GET', `/api/change-counter/documents/${id}`);
    expect(await counted(zhang)).toEqual({ status: 200, body: { accepted: 0 } });

    const [owner, editor, reader] = [connect(target, documentId, zhang), connect(target, documentId, li), connect(target, documentId, wang)];
    await Promise.all([owner.synced, editor.synced, reader.synced]);
    // Five updates from two writers, one transaction each.
    owner.text.insert(0, '各区');
    owner.text.insert(2, '人民政府');
    editor.text.insert(0, '关于');
    owner.text.insert(0, '一、');
    editor.text.insert(0, '（一）');
    // The reader's edit is dropped before it could be accepted.
    reader.text.insert(0, '读者');
    await expect.poll(() => metric(target, 'govdesk_sync_dropped_frames_total', { reason: 'read_only' })).toBeGreaterThan(0);
    await expect.poll(() => [owner.text.length, editor.text.length]).toEqual([13, 13]);
    expect(editor.text.toString()).toBe(owner.text.toString());

    expect(await counted(li)).toEqual({ status: 200, body: { accepted: 5 } });
    expect(await counted(wang)).toEqual({ status: 200, body: { accepted: 5 } });
    // Like every route of the API: a session is needed, and a document the caller has no right on does not exist for them.
    expect((await counted(null)).status).toBe(401);
    expect(await counted(citizen)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await counted(zhang, 'not-a-document')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    // And the OpenAPI document describes it with the server's own routes.
    const { body: openApi } = await api(target, null, 'GET', '/api/openapi.json');
    expect(openApi.paths['/api/change-counter/documents/{id}'].get).toMatchObject({ operationId: 'acceptedChanges', security: [{ session: [] }] });
    expect(openApi.paths['/api/documents'].post.operationId).toBe('createDocument');
  });
});

describe('hooks that fail', () => {
  it('are logged with their feature and break nothing: edits reach everyone and are stored intact, though a hook spoiled its copy', async () => {
    const told: string[] = [];
    /** Hooks that record the call, then throw (`fail` throws) or reject (`fail` is async). */
    const failing = (name: string, fail: (hook: string) => void | Promise<void>): Feature => ({
      name,
      setup: (): FeatureHooks => ({
        load: () => {
          told.push(`${name} load`);
          return fail('load');
        },
        change: ({ update }) => {
          told.push(`${name} change`);
          // The hook's own copy: what the server logs and relays is untouched.
          update.fill(0xff);
          return fail('change');
        },
        stored: ({ update }) => {
          told.push(`${name} stored`);
          update.fill(0xff);
          return fail('stored');
        },
        disconnect: () => {
          told.push(`${name} disconnect`);
          return fail('disconnect');
        },
      }),
    });
    const features = [
      failing('throwing', (hook) => {
        throw new Error(`the ${hook} hook broke`);
      }),
      failing('rejecting', async (hook) => {
        throw new Error(`the ${hook} hook broke`);
      }),
    ];
    const { target, logs } = await start(features, { GOVDESK_SYNC_UNLOAD_AFTER_MS: '200' });
    const [zhang, li] = [await login(target, homeserver, org.zhang), await login(target, homeserver, org.li)];
    const documentId = await newDocument(target, zhang);

    const [owner, editor] = [connect(target, documentId, zhang), connect(target, documentId, li)];
    await Promise.all([owner.synced, editor.synced]);
    owner.text.insert(0, '关于做好防汛工作的通知');
    await expect.poll(() => editor.text.toString()).toBe('关于做好防汛工作的通知');
    editor.text.insert(0, '（草稿）');
    await expect.poll(() => [owner.text.toString(), editor.text.toString()]).toEqual(['（草稿）关于做好防汛工作的通知', '（草稿）关于做好防汛工作的通知']);
    owner.destroy();
    editor.destroy();
    await expect.poll(() => metric(target, 'govdesk_sync_documents_loaded')).toBe(0);

    // Read back from storage: what the clients had.
    const later = connect(target, documentId, zhang);
    await later.synced;
    expect(later.text.toString()).toBe('（草稿）关于做好防汛工作的通知');

    for (const feature of ['throwing', 'rejecting']) {
      for (const hook of ['load', 'change', 'stored', 'disconnect']) {
        expect(told, `${feature} ${hook}`).toContain(`${feature} ${hook}`);
        expect(
          logs.some((entry) => entry.msg === 'a feature hook failed' && entry.feature === feature && entry.hook === hook),
          `${feature} ${hook}`,
        ).toBe(true);
      }
    }
    expect(unhandled).toEqual([]);
  });

  it('authenticate refuses a socket with the code of its DomainError, and with 500 when it fails otherwise; other sockets open', async () => {
    const refused = new Set<string>();
    const broken = new Set<string>();
    const gate: Feature = {
      name: 'gate',
      setup: () => ({
        authenticate: async ({ documentId }) => {
          if (refused.has(documentId)) throw new DomainError('not_allowed', 'this document is closed for the test');
          if (broken.has(documentId)) throw new Error('the gate broke');
        },
      }),
    };
    const { target, logs } = await start([gate]);
    const zhang = await login(target, homeserver, org.zhang);
    const [closed, failing, open] = [await newDocument(target, zhang), await newDocument(target, zhang), await newDocument(target, zhang)];
    refused.add(closed);
    broken.add(failing);
    const url = (documentId: string) => `${target.wsUrl}/${documentId}?token=${encodeURIComponent(zhang.accessToken)}`;

    expect(await upgradeStatus(url(closed))).toBe(403);
    expect(await upgradeStatus(url(failing))).toBe(500);
    expect(await upgradeStatus(url(open))).toBe(101);
    expect(logs.some((entry) => entry.feature === 'gate' && entry.hook === 'authenticate' && JSON.stringify(entry).includes('the gate broke'))).toBe(true);
    // A refused upgrade loaded nothing: only the open document is in memory.
    expect(await metric(target, 'govdesk_sync_documents_loaded')).toBe(1);
  });
});
