import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectorySearchResult, type Person, type SessionTokens } from '@govdesk/shared';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestOrganisation, UNITS, type TestOrganisation } from '../../../test/support/organisation.ts';
import { api, login, startSyncServer, type SyncServerProcess } from '../../../test/support/sync-server.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/storage.ts';

/**
 * GET /api/directory/search against a real sync-server process, with
 * sessions from real logins through the test homeserver. Colleagues who
 * never logged in are directory rows only, as in a real directory.
 */

const homeserver = testHomeserver();
let org: TestOrganisation;
let server: SyncServerProcess;
const sessions: Partial<Record<'zhang' | 'liaison' | 'citizen', SessionTokens>> = {};

const colleagues: Person[] = [
  { userId: '@zhangweiming:gd.gov.cn', displayName: '张伟明', class: 'civil_servant', unitId: UNITS.inspection, title: '科员' },
  { userId: '@zengwei:gd.gov.cn', displayName: '曾伟', class: 'civil_servant', unitId: UNITS.inspection },
  { userId: '@wangzhaoyang:gd.gov.cn', displayName: '王朝阳', class: 'civil_servant', unitId: UNITS.secretariat },
];

beforeAll(async () => {
  org = await createTestOrganisation(homeserver);
  server = await startSyncServer({ homeserver, directory: { ...org.directory, people: [...org.directory.people, ...colleagues] } });
  for (const name of ['zhang', 'liaison', 'citizen'] as const) sessions[name] = await login(server, homeserver, org[name]);
});

afterAll(async () => {
  await server?.stop();
});

async function search(who: 'zhang' | 'liaison' | 'citizen', query: string, limit?: number) {
  const parameters = new URLSearchParams({ q: query, ...(limit === undefined ? {} : { limit: String(limit) }) });
  return api(server, sessions[who]?.accessToken ?? null, 'GET', `/api/directory/search?${parameters}`);
}

async function names(query: string): Promise<string[]> {
  const { status, body } = await search('zhang', query);
  expect(status).toBe(200);
  return DirectorySearchResult.parse(body).people.map((person) => person.displayName);
}

describe('directory search', () => {
  it('finds 张伟 by zw, and 曾伟 too (曾 is zēng as a surname)', async () => {
    const found = await names('zw');
    expect(found).toContain('张伟');
    expect(found).toContain('曾伟');
    // 张伟明's initials begin with zw: found after the exact ones.
    expect(found.indexOf('张伟明')).toBeGreaterThan(Math.max(found.indexOf('张伟'), found.indexOf('曾伟')));
  });

  it('ranks the exact name first, then names it begins, then names it is inside', async () => {
    expect(await names('张伟')).toEqual(['张伟', '张伟明']);
    expect(await names('伟')).toEqual(expect.arrayContaining(['张伟', '张伟明', '曾伟']));
    // Either reading of 朝 finds 王朝阳.
    expect(await names('wzy')).toEqual(['王朝阳']);
    expect(await names('wcy')).toEqual(['王朝阳']);
  });

  it('finds a unit by its name and lists its people, with their unit named with its organ', async () => {
    const { body } = await search('zhang', '秘书一处');
    const result = DirectorySearchResult.parse(body);
    expect(result.units).toEqual([{ id: UNITS.secretariat, name: '广东省人民政府办公厅秘书一处' }]);
    expect(result.people.map((person) => person.displayName)).toEqual(expect.arrayContaining(['张伟', '李娜', '王朝阳']));
    expect(result.people.find((person) => person.displayName === '张伟')).toMatchObject({ title: '处长', unit: { id: UNITS.secretariat, name: '广东省人民政府办公厅秘书一处' } });
  });

  it('is for civil servants: an enterprise liaison or a citizen is refused, and never sees the tree', async () => {
    for (const who of ['liaison', 'citizen'] as const) {
      const { status, body } = await search(who, 'zw');
      expect(status, who).toBe(403);
      expect(body).toMatchObject({ error: { code: 'not_allowed' } });
    }
    expect((await api(server, null, 'GET', '/api/directory/search?q=zw')).status).toBe(401);
  });

  it('refuses an empty or overlong query and a limit out of range', async () => {
    for (const [query, limit] of [['', undefined], ['  ', undefined], ['张'.repeat(51), undefined], ['zw', 0], ['zw', 101]] as const) {
      const { status, body } = await search('zhang', query, limit);
      expect(status, `${query} ${limit}`).toBe(400);
      expect(body).toMatchObject({ error: { code: 'invalid_request' } });
    }
    const limited = DirectorySearchResult.parse((await search('zhang', '伟', 1)).body);
    expect(limited.people).toHaveLength(1);
  });
});

describe('the search index of a database from before it', () => {
  it('is made when the database is next opened', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'govdesk-index-'));
    const storage = openSqliteStorage(dataDir);
    await storage.directory.replace(org.directory);
    await storage.close();
    // What a database that held a directory before the index existed looks like.
    const db = new Database(path.join(dataDir, 'sync-server.db'));
    db.exec('DELETE FROM dir_search; DELETE FROM dir_people; DELETE FROM dir_units;');
    db.close();

    const reopened = openSqliteStorage(dataDir);
    try {
      expect((await reopened.directory.search('zw', 10)).people).toEqual([]);
      await reopened.directory.open();
      expect((await reopened.directory.search('zw', 10)).people.map((person) => person.displayName)).toEqual(['张伟']);
    } finally {
      await reopened.close();
    }
  });
});
