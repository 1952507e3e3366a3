import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIFIED_REFUSAL, createDispatcher, desktopContract } from '@govdesk/shared';
import { createCore } from '../../src/core/core.ts';
import { WrongKeyError } from '../../src/core/store/local-store.ts';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, UNITS, type TestOrganisation } from '../../../test/support/organisation.ts';
import { login, startSyncServer, type SyncServerProcess } from '../../../test/support/sync-server.ts';
import { TcpProxy } from '../../../test/support/tcp-proxy.ts';
import { loginCore, openDocument, savedAndOnline, startCore, waitForStatus, type TestCore } from '../../../test/support/desktop-core.ts';
import { stockClient } from '../../../test/support/yjs-clients.ts';

/**
 * Core in plain Node against the real sync-server and real encrypted cache
 * files. "Offline" is a real cut in the TCP path between core and the server.
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
let server: SyncServerProcess;
const proxies: TcpProxy[] = [];
const cores: TestCore[] = [];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
  server = await startSyncServer({ homeserver, directory: org.directory });
});

afterAll(async () => {
  for (const core of cores) await core.close().catch(() => {});
  for (const proxy of proxies) await proxy.close();
  await server.stop();
});

async function newCore(): Promise<TestCore> {
  const proxy = await TcpProxy.start(server.url);
  proxies.push(proxy);
  const core = await startCore({ homeserver, proxy });
  cores.push(core);
  return core;
}

async function sharedDocument(owner: TestCore, editorUserId?: string): Promise<string> {
  const document = await owner.api.call('documents.create', { title: '关于做好2026年防汛工作的通知', docType: 'notice', owningUnitId: UNITS.secretariat, classification: 'internal' });
  if (editorUserId) await owner.api.call('documents.share', { documentId: document.id, share: { principal: { type: 'user', userId: editorUserId }, role: 'editor' } });
  return document.id;
}

/** What the sync-server holds, read by a stock y-websocket client. */
async function serverText(documentId: string, name = 't'): Promise<string> {
  const session = await login(server, homeserver, org.zhang);
  const client = stockClient(server.wsUrl, documentId, session.accessToken);
  await client.synced;
  const text = client.doc.getText(name).toString();
  client.destroy();
  return text;
}

describe('desktop core', () => {
  it('keeps edits made offline across a restart and sends them when the network returns', async () => {
    let a = await newCore();
    await loginCore(a, homeserver, org.zhang);
    const documentId = await sharedDocument(a);
    let doc = await openDocument(a, documentId);
    doc.doc.getText('t').insert(0, '正文第一段。');
    await waitForStatus(doc, savedAndOnline);

    a.proxy.cut();
    await waitForStatus(doc, (status) => status.connection === 'offline');
    doc.doc.getText('t').insert(6, '离线补充。');
    await doc.flushed();
    expect(doc.status.savedToServer).toBe(false);

    // The app quits while offline and starts again, still offline.
    await doc.close();
    a = await a.restart();
    cores.push(a);
    expect(await a.api.call('session.current')).toMatchObject({ userId: org.zhang.userId });
    expect((await a.api.call('documents.list')).documents.map((d) => d.id)).toContain(documentId);
    doc = await openDocument(a, documentId);
    expect(doc.doc.getText('t').toString()).toBe('正文第一段。离线补充。');
    expect(doc.status).toEqual({ connection: expect.stringMatching(/connecting|offline/), savedToServer: false });

    a.proxy.restore();
    await waitForStatus(doc, savedAndOnline, 30_000);
    expect(await serverText(documentId)).toBe('正文第一段。离线补充。');
    await doc.close();
  });

  it('converges when two replicas edit offline and reconnect, deletions included', async () => {
    const a = await newCore();
    const b = await newCore();
    await loginCore(a, homeserver, org.zhang);
    await loginCore(b, homeserver, org.li);
    const documentId = await sharedDocument(a, org.li.userId);
    const docA = await openDocument(a, documentId);
    const docB = await openDocument(b, documentId);
    docA.doc.getText('t').insert(0, '关于做好防汛工作的通知');
    await expect.poll(() => docB.doc.getText('t').toString()).toBe('关于做好防汛工作的通知');

    a.proxy.cut();
    b.proxy.cut();
    await waitForStatus(docA, (status) => status.connection === 'offline');
    await waitForStatus(docB, (status) => status.connection === 'offline');
    docA.doc.getText('t').insert(4, '2026年');
    docB.doc.getText('t').delete(0, 2);
    docB.doc.getText('t').insert(docB.doc.getText('t').length, '（征求意见稿）');

    a.proxy.restore();
    b.proxy.restore();
    await waitForStatus(docA, savedAndOnline, 30_000);
    await waitForStatus(docB, savedAndOnline, 30_000);
    await expect.poll(() => [docA.doc.getText('t').toString(), docB.doc.getText('t').toString()]).toEqual(['做好2026年防汛工作的通知（征求意见稿）', '做好2026年防汛工作的通知（征求意见稿）']);
    expect(await serverText(documentId)).toBe('做好2026年防汛工作的通知（征求意见稿）');
    // A deletion alone moves no clock: "saved" must still wait for it to reach the server.
    b.proxy.cut();
    await waitForStatus(docB, (status) => status.connection === 'offline');
    await waitForStatus(docB, (status) => status.savedToServer);
    docB.doc.getText('t').delete(0, 2);
    await expect.poll(() => docB.status.savedToServer).toBe(false);
    b.proxy.restore();
    await waitForStatus(docB, savedAndOnline, 30_000);
    expect(await serverText(documentId)).toBe('2026年防汛工作的通知（征求意见稿）');
    await docA.close();
    await docB.close();
  });

  it('rebuilds a deleted or damaged cache from the server without losing anything the server acknowledged', async () => {
    const a = await newCore();
    await loginCore(a, homeserver, org.zhang);
    const documentId = await sharedDocument(a);
    const doc = await openDocument(a, documentId);
    doc.doc.getText('t').insert(0, '服务器已确认的内容');
    await waitForStatus(doc, savedAndOnline);
    await doc.close();
    await a.close();

    // Deleted.
    for (const suffix of ['', '-wal', '-shm']) rmSync(path.join(a.dataDir, `govdesk-cache.db${suffix}`), { force: true });
    let rebuilt = await startCore({ homeserver, proxy: a.proxy, dataDir: a.dataDir, key: a.key });
    cores.push(rebuilt);
    expect(await rebuilt.api.call('session.current')).toBeNull();
    await loginCore(rebuilt, homeserver, org.zhang);
    let reopened = await openDocument(rebuilt, documentId);
    await waitForStatus(reopened, savedAndOnline);
    expect(reopened.doc.getText('t').toString()).toBe('服务器已确认的内容');
    await reopened.close();
    await rebuilt.close();

    // Damaged: the header page overwritten.
    const file = path.join(a.dataDir, 'govdesk-cache.db');
    const bytes = readFileSync(file);
    bytes.fill(0x5a, 0, 4096);
    writeFileSync(file, bytes);
    rebuilt = await startCore({ homeserver, proxy: a.proxy, dataDir: a.dataDir, key: a.key });
    cores.push(rebuilt);
    expect(rebuilt.core.store.quarantined).toMatch(/govdesk-cache\.db\.damaged-/);
    expect(existsSync(rebuilt.core.store.quarantined!)).toBe(true);
    await loginCore(rebuilt, homeserver, org.zhang);
    reopened = await openDocument(rebuilt, documentId);
    await waitForStatus(reopened, savedAndOnline);
    expect(reopened.doc.getText('t').toString()).toBe('服务器已确认的内容');
    await reopened.close();
  });

  it('compacts the local log in the background and opens from snapshot plus log', async () => {
    const a = await newCore();
    await loginCore(a, homeserver, org.zhang);
    const documentId = await sharedDocument(a);
    const doc = await openDocument(a, documentId);
    const text = doc.doc.getText('t');
    // One update per keystroke, like typing; then deletions, which a compacted snapshot must not carry as text.
    for (let i = 0; i < 1_200; i++) text.insert(text.length, '防汛'.charAt(i % 2));
    text.delete(0, 600);
    await doc.flushed();
    const rows = () => a.core.store.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM doc_updates WHERE doc_id = ?').get(documentId)!.n;
    await expect.poll(rows, { timeout: 15_000 }).toBeLessThan(500);
    const snapshot = a.core.store.db.prepare<[string], { state: Buffer; last_seq: number }>('SELECT state, last_seq FROM doc_snapshots WHERE doc_id = ?').get(documentId);
    expect(snapshot?.last_seq).toBeGreaterThanOrEqual(500);
    await waitForStatus(doc, savedAndOnline);
    await doc.close();

    // A restart opens from snapshot plus log, offline, with exactly the same content.
    const restarted = await a.restart();
    cores.push(restarted);
    restarted.proxy.cut();
    const reopened = await openDocument(restarted, documentId);
    expect(reopened.doc.getText('t').toString()).toBe('防汛'.repeat(300));
    restarted.proxy.restore();
    await reopened.close();
  });

  it('refuses a wrong key clearly and leaves the cache untouched', async () => {
    const a = await newCore();
    await loginCore(a, homeserver, org.zhang);
    await a.close();
    const file = path.join(a.dataDir, 'govdesk-cache.db');
    const digest = () => createHash('sha256').update(readFileSync(file)).digest('hex');
    const before = digest();
    const wrongKey = new Uint8Array(32).fill(7);
    await expect(createCore({ dataDir: a.dataDir, databaseKey: wrongKey })).rejects.toThrow(WrongKeyError);
    await expect(createCore({ dataDir: a.dataDir, databaseKey: wrongKey })).rejects.toThrow(/the key does not open the GovDesk cache at .*; the cache was left untouched/);
    expect(digest()).toBe(before);
    expect(readdirSync(a.dataDir).filter((name) => name.includes('damaged'))).toEqual([]);
    // The right key still opens it, login and all.
    const again = await startCore({ homeserver, proxy: a.proxy, dataDir: a.dataDir, key: a.key });
    cores.push(again);
    expect(await again.api.call('session.current')).toMatchObject({ userId: org.zhang.userId });
  });

  it('encrypts the cache: no document text or token appears in the file', async () => {
    const a = await newCore();
    await loginCore(a, homeserver, org.zhang);
    const documentId = await sharedDocument(a);
    const doc = await openDocument(a, documentId);
    doc.doc.getText('t').insert(0, '绝不可明文落盘的正文内容');
    await waitForStatus(doc, savedAndOnline);
    await doc.close();
    await a.close();
    const raw = Buffer.concat(['', '-wal'].filter((suffix) => existsSync(path.join(a.dataDir, `govdesk-cache.db${suffix}`))).map((suffix) => readFileSync(path.join(a.dataDir, `govdesk-cache.db${suffix}`))));
    expect(raw.includes(Buffer.from('不可明文'))).toBe(false);
    expect(raw.includes(Buffer.from(org.zhang.userId))).toBe(false);
    expect(raw.subarray(0, 16).toString()).not.toBe('SQLite format 3\u0000');
  });

  it('keeps the UI language of the device across restarts and tells every window when it changes', async () => {
    const a = await newCore();
    expect(await a.api.call('app.language')).toEqual({ language: 'zh-CN' });
    const told: unknown[] = [];
    const stop = a.api.on('app.language', (choice) => told.push(choice));
    expect(await a.api.call('app.setLanguage', { language: 'en' })).toEqual({ language: 'en' });
    stop();
    expect(told).toEqual([{ language: 'en' }]);
    // Before anyone logs in: the login screen needs it too.
    expect(await a.api.call('session.current')).toBeNull();
    const restarted = await a.restart();
    cores.push(restarted);
    expect(await restarted.api.call('app.language')).toEqual({ language: 'en' });
  });

  it('refuses classified material itself (涉密不上网), offline too, with the code documents.create declares', async () => {
    const a = await newCore();
    await loginCore(a, homeserver, org.zhang);
    const request = { title: '秘密★1年 关于某项工程的报告', docType: 'notice', owningUnitId: UNITS.secretariat, classification: 'internal' } as const;
    const refusal = (path: string) => ({ code: CLASSIFIED_REFUSAL.code, message: CLASSIFIED_REFUSAL['zh-CN'], details: [{ path, code: CLASSIFIED_REFUSAL.code }] });
    // Core's own dispatcher, as the core process and browser mode run it: no renderer-side check in front.
    const host = createDispatcher(desktopContract, a.core.handlers);

    a.proxy.cut();
    await expect(a.api.call('documents.create', request)).rejects.toMatchObject(refusal('title'));
    await expect(host('documents.create', request, { origin: 'test' })).resolves.toMatchObject({ ok: false, error: refusal('title') });
    // A 密级 given as the classification is refused as such, not as a malformed request.
    await expect(host('documents.create', { ...request, title: '关于某项工程的报告', classification: '机密' }, { origin: 'test' })).resolves.toMatchObject({ ok: false, error: refusal('classification') });
    // The documents service applies the rule too, for a caller that is not the contract.
    await expect(Promise.resolve().then(() => a.core.handlers['documents.create'](request, { origin: 'test' }))).rejects.toMatchObject(refusal('title'));
    // The same request with an ordinary title does set off for the server: the refusals above were this device's.
    await expect(a.api.call('documents.create', { ...request, title: '关于某项工程的报告' })).rejects.toMatchObject({ code: 'sync_server_unreachable' });

    a.proxy.restore();
    await expect(a.api.call('documents.create', request)).rejects.toMatchObject(refusal('title'));
    const created = await a.api.call('documents.create', { ...request, title: '关于某项工程的报告' });
    expect(created.title).toBe('关于某项工程的报告');
  });

  it("passes on the sync-server's refusals that a method declares, as they are", async () => {
    const a = await newCore();
    await loginCore(a, homeserver, org.zhang);
    await expect(a.api.call('documents.open', { documentId: 'd_0123456789abcdefghijAB' })).rejects.toMatchObject({ code: 'not_found' });
    const document = await a.api.call('documents.create', { title: '内部通知', docType: 'notice', owningUnitId: UNITS.secretariat, classification: 'internal' });
    // Someone the directory does not know as a civil servant may not see an internal document.
    await expect(a.api.call('documents.share', { documentId: document.id, share: { principal: { type: 'user', userId: '@nobody:localhost' }, role: 'reader' } })).rejects.toMatchObject({ code: 'internal_to_external' });
  });

  it("gives readers the document but their edits never reach anyone", async () => {
    const owner = await newCore();
    const reader = await newCore();
    await loginCore(owner, homeserver, org.zhang);
    await loginCore(reader, homeserver, org.wang);
    const document = await owner.api.call('documents.create', { title: '只读测试', docType: 'letter', owningUnitId: UNITS.secretariat, classification: 'internal' });
    await owner.api.call('documents.share', { documentId: document.id, share: { principal: { type: 'user', userId: org.wang.userId }, role: 'reader' } });
    const ownerDoc = await openDocument(owner, document.id);
    ownerDoc.doc.getText('t').insert(0, '原文');
    await waitForStatus(ownerDoc, savedAndOnline);
    const readerDoc = await openDocument(reader, document.id);
    await expect.poll(() => readerDoc.doc.getText('t').toString()).toBe('原文');
    expect((await reader.api.call('documents.list')).documents.find((d) => d.id === document.id)?.myRole).toBe('reader');

    // A reader's local edit (the editor is read-only for them; this is what a tampered renderer would do):
    // the server drops it, so it never reaches the owner and is never reported as saved.
    readerDoc.doc.getText('t').insert(0, '篡改');
    ownerDoc.doc.getText('t').insert(2, '（已核）');
    await expect.poll(() => readerDoc.doc.getText('t').toString().includes('（已核）')).toBe(true);
    expect(ownerDoc.doc.getText('t').toString()).toBe('原文（已核）');
    expect(readerDoc.status.savedToServer).toBe(false);
    await ownerDoc.close();
    await readerDoc.close();
  });
});


describe('the directory through core', () => {
  it('answers who the user is (the last answer offline) and searches the sync-server, for civil servants only', async () => {
    const a = await newCore();
    await loginCore(a, homeserver, org.zhang);
    expect(await a.api.call('directory.me')).toMatchObject({ person: { userId: org.zhang.userId, displayName: '张伟' }, units: [{ id: UNITS.secretariat }, { id: UNITS.organ }] });
    const found = await a.api.call('directory.search', { query: 'zw' });
    expect(found.people.map((person) => person.displayName)).toContain('张伟');

    // Offline: who the user is comes from the last answer; a search, kept nowhere on the device, says why it cannot.
    a.proxy.cut();
    expect(await a.api.call('directory.me')).toMatchObject({ person: { userId: org.zhang.userId } });
    await expect(a.api.call('directory.search', { query: 'zw' })).rejects.toMatchObject({ code: 'sync_server_unreachable' });
    a.proxy.restore();

    const liaison = await newCore();
    await loginCore(liaison, homeserver, org.liaison);
    await expect(liaison.api.call('directory.search', { query: 'zw' })).rejects.toMatchObject({ code: 'not_allowed' });
  });
});
