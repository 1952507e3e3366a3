import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { base64ToBytes, contentDigest, encodeUpdateMessage, type DocumentDigest, type SessionTokens } from '@govdesk/shared';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, UNITS, type TestOrganisation } from '../../../test/support/organisation.ts';
import { api, login, startSyncServer, type SyncServerProcess } from '../../../test/support/sync-server.ts';
import { TcpProxy } from '../../../test/support/tcp-proxy.ts';
import { loginCore, openDocument, savedAndOnline, startCore, waitForStatus, type TestCore } from '../../../test/support/desktop-core.ts';
import { stockClient } from '../../../test/support/yjs-clients.ts';

/**
 * Core checks its replica against the server's copy after each sync: a copy
 * with the same state vector and delete set that shows other content or
 * order is counted, logged and rebuilt from the server, keeping what the
 * server does not have yet. The divergence is made in the replica's own
 * cache, so that the test does not depend on which updates the server
 * accepts: the same struct ID written with another origin, so that "X" sits
 * after "e" instead of after "a".
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
let server: SyncServerProcess;
let zhang: SessionTokens;
const proxies: TcpProxy[] = [];
const cores: TestCore[] = [];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
  server = await startSyncServer({ homeserver, directory: org.directory });
  zhang = await login(server, homeserver, org.zhang);
});

afterAll(async () => {
  for (const core of cores) await core.close().catch(() => {});
  for (const proxy of proxies) await proxy.close();
  await server.stop();
});

interface LogLine {
  message: string;
  details: Record<string, unknown>;
}

/** A core whose log is kept; `onWarning` runs inside core, at the moment it logs a warning. */
async function newCore(logs: LogLine[], onWarning: () => void = () => {}): Promise<TestCore> {
  const proxy = await TcpProxy.start(server.url);
  proxies.push(proxy);
  const core = await startCore({
    homeserver,
    proxy,
    log: (message, details = {}) => {
      logs.push({ message, details });
      if (details.level === 'warn') onWarning();
    },
  });
  cores.push(core);
  return core;
}

async function serverDigest(documentId: string): Promise<DocumentDigest> {
  const { status, body } = await api(server, zhang.accessToken, 'GET', `/api/documents/${documentId}/digest`);
  expect(status).toBe(200);
  return body as DocumentDigest;
}

/**
 * A document whose server copy reads "aXbcdef", and the replica cache of a
 * copy with the same structs, clocks and deletions that reads "abcdeXf".
 */
async function divergedDocument(reader?: string): Promise<{ documentId: string; server: Y.Doc; cached: Uint8Array }> {
  const created = await api(server, zhang.accessToken, 'POST', '/api/documents', { title: '关于做好2026年防汛工作的通知', docType: 'notice', owningUnitId: UNITS.secretariat, classification: 'internal' });
  expect(created.status).toBe(201);
  const documentId = created.body.id as string;
  if (reader) expect((await api(server, zhang.accessToken, 'PUT', `/api/documents/${documentId}/shares`, { principal: { type: 'user', userId: reader }, role: 'reader' })).status).toBe(200);
  const writer = stockClient(server.wsUrl, documentId, zhang.accessToken);
  await writer.synced;
  writer.text.insert(0, 'abcdef');
  const base = Y.encodeStateAsUpdate(writer.doc);
  writer.text.insert(1, 'X');
  await expect.poll(async () => Y.equalSnapshots(Y.decodeSnapshot(base64ToBytes((await serverDigest(documentId)).snapshot)), Y.snapshot(writer.doc))).toBe(true);

  const local = new Y.Doc();
  Y.applyUpdate(local, base);
  local.clientID = writer.doc.clientID;
  local.getText('content').insert(5, 'X');
  expect(Y.equalSnapshots(Y.snapshot(local), Y.snapshot(writer.doc))).toBe(true);
  expect(local.getText('content').toString()).toBe('abcdeXf');

  const serverCopy = new Y.Doc();
  Y.applyUpdate(serverCopy, Y.encodeStateAsUpdate(writer.doc));
  expect(serverCopy.getText('content').toString()).toBe('aXbcdef');
  writer.destroy();
  return { documentId, server: serverCopy, cached: Y.encodeStateAsUpdate(local) };
}

function docOf(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
}

/** A change typed in a window while the replica re-syncs, applied in core right when the mismatch is logged. */
function editFromAWindow(core: TestCore, documentId: string, text: string): Uint8Array {
  const window = new Y.Doc();
  window.getText('note').insert(0, text);
  const update = Y.encodeStateAsUpdate(window);
  void core.core.handlers['documents.sync']({ documentId, message: encodeUpdateMessage(update) }, { origin: 'test' });
  return update;
}

describe('the content check after sync', () => {
  it('counts, logs and repairs a replica that shows another order than the server, keeping an edit made meanwhile', async () => {
    const { documentId, server: expected, cached } = await divergedDocument();
    const logs: LogLine[] = [];
    const note = '会签意见：同意。';
    let onWarning = () => {};
    let core = await newCore(logs, () => onWarning());
    const first = core;
    let edited = false;
    onWarning = () => {
      if (edited) return;
      edited = true;
      editFromAWindow(first, documentId, note);
    };
    await loginCore(core, homeserver, org.zhang);
    core.core.store.documentLog.append(documentId, cached, 'remote');

    const window = await openDocument(core, documentId);
    await expect.poll(() => core.core.metrics.replicaResyncs).toBe(1);
    // The check after the rebuild finds the two the same.
    await expect.poll(() => core.core.metrics.digestChecks).toBe(2);
    expect(core.core.metrics.digestMismatches).toBe(1);
    const warning = logs.find((line) => line.details.level === 'warn');
    expect(warning?.details).toMatchObject({ documentId, localDigest: contentDigest(docOf(cached)), serverDigest: contentDigest(expected) });
    expect(edited).toBe(true);
    await waitForStatus(window, savedAndOnline);

    // A window opened now shows the server's order, and the edit made during the re-sync; so does the server.
    const reopened = await openDocument(core, documentId);
    expect(reopened.doc.getText('content').toString()).toBe('aXbcdef');
    expect(reopened.doc.getText('note').toString()).toBe(note);
    expect(contentDigest(reopened.doc)).toBe((await serverDigest(documentId)).digest);
    await reopened.close();
    await window.close();

    // The cache was replaced too: after a restart, offline, the replica still reads the server's order.
    core.proxy.cut();
    core = await core.restart();
    cores.push(core);
    const offline = await openDocument(core, documentId);
    expect(offline.doc.getText('content').toString()).toBe('aXbcdef');
    expect(offline.doc.getText('note').toString()).toBe(note);
    // Back online, the check finds nothing to repair.
    core.proxy.restore();
    await core.core.handlers['app.reconnect']({}, { origin: 'test' });
    await expect.poll(() => core.core.metrics.digestChecks).toBe(1);
    expect(core.core.metrics.digestMismatches).toBe(0);
    await offline.close();
  });

  it('keeps an edit the server has not confirmed through the re-sync', async () => {
    // A reader's edit is never accepted by the server, so it is still unconfirmed when the server's whole state arrives, whatever the timing.
    const { documentId, server: expected, cached } = await divergedDocument(org.li.userId);
    const before = await serverDigest(documentId);
    let onWarning = () => {};
    const core = await newCore([], () => onWarning());
    const edits: Uint8Array[] = [];
    onWarning = () => {
      if (edits.length === 0) edits.push(editFromAWindow(core, documentId, '阅者批注'));
    };
    await loginCore(core, homeserver, org.li);
    core.core.store.documentLog.append(documentId, cached, 'remote');

    const window = await openDocument(core, documentId);
    await expect.poll(() => core.core.metrics.replicaResyncs).toBe(1);
    expect(core.core.metrics.digestMismatches).toBe(1);
    expect(edits).toHaveLength(1);

    const reopened = await openDocument(core, documentId);
    expect(reopened.doc.getText('content').toString()).toBe('aXbcdef');
    expect(reopened.doc.getText('note').toString()).toBe('阅者批注');
    expect(reopened.status.savedToServer).toBe(false);
    // The replica is the server's copy plus the unconfirmed edit; the server's copy did not change.
    Y.applyUpdate(expected, edits[0] as Uint8Array);
    expect(contentDigest(reopened.doc)).toBe(contentDigest(expected));
    expect(await serverDigest(documentId)).toEqual(before);
    await reopened.close();
    await window.close();
  });
});
