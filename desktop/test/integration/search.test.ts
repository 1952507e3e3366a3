import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalStore, type LocalStore } from '../../src/core/store/local-store.ts';
import { MIGRATIONS } from '../../src/core/store/migrations.ts';

/**
 * Search over cached messages, on a real encrypted cache file: Chinese
 * substrings of every length, through an index (never a scan of every
 * message), following edits and redactions.
 */

const stores: LocalStore[] = [];
const key = new Uint8Array(randomBytes(32));

function openStore(dir = mkdtempSync(path.join(tmpdir(), 'govdesk-search-'))): { store: LocalStore; dir: string } {
  const store = openLocalStore(dir, key);
  stores.push(store);
  return { store, dir };
}

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

let next = 0;
/** Rows as core's cache writes them; the index follows matrix_events.body through triggers. */
function insertMessages(store: LocalStore, bodies: readonly (string | null)[], roomId = '!room:govdesk.test'): string[] {
  const insert = store.db.prepare('INSERT INTO matrix_events (event_id, room_id, sender, type, ts, content, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
  return bodies.map((body) => {
    const eventId = `$event${next++}`;
    insert.run(eventId, roomId, '@zhangwei:govdesk.test', 'm.room.message', 1_780_000_000_000 + next, JSON.stringify({ msgtype: 'm.text', body }), body);
    return eventId;
  });
}

const bodiesOf = (store: LocalStore, query: string) => store.search.messages(query).map((hit) => hit.body);

describe('message search', () => {
  it('finds one-, two- and many-character Chinese substrings, newest first', () => {
    const { store } = openStore();
    insertMessages(store, ['关于做好2026年防汛工作的通知', '今天下午三点开会', '请各处室报送汛期值班表', '防汛物资已到位']);
    expect(bodiesOf(store, '汛')).toEqual(['防汛物资已到位', '请各处室报送汛期值班表', '关于做好2026年防汛工作的通知']);
    expect(bodiesOf(store, '防汛')).toEqual(['防汛物资已到位', '关于做好2026年防汛工作的通知']);
    expect(bodiesOf(store, '防汛工作')).toEqual(['关于做好2026年防汛工作的通知']);
    expect(bodiesOf(store, '会')).toEqual(['今天下午三点开会']);
    expect(bodiesOf(store, '20')).toEqual(['关于做好2026年防汛工作的通知']);
    expect(bodiesOf(store, '台风')).toEqual([]);
  });

  it('answers one- and two-character queries from the character index, not by scanning every message', () => {
    const { store } = openStore();
    for (const query of ['汛', '防汛']) {
      const plan = store.db
        .prepare<[string, string, number], { detail: string }>(
          "EXPLAIN QUERY PLAN SELECT e.id FROM messages_chars c JOIN matrix_events e ON e.id = c.rowid WHERE messages_chars MATCH ? AND e.body LIKE ? ESCAPE '\\' ORDER BY c.rowid DESC LIMIT ?",
        )
        .all(`"${Array.from(query).join(' ')}"`, `%${query}%`, 50)
        .map((row) => row.detail);
      expect(plan.some((detail) => /VIRTUAL TABLE INDEX/.test(detail))).toBe(true);
      expect(plan.some((detail) => /^SCAN e\b/.test(detail))).toBe(false);
      // Newest first comes from walking the index backwards, not from sorting every hit.
      expect(plan.some((detail) => /TEMP B-TREE/.test(detail))).toBe(false);
    }
  });

  it('does not match characters that are apart in the text', () => {
    const { store } = openStore();
    // The character index drops the space and the comma: 防 and 汛 are adjacent tokens here, but 防汛 is not in the text.
    insertMessages(store, ['防 汛', '防，汛', '防汛']);
    expect(bodiesOf(store, '防汛')).toEqual(['防汛']);
    expect(bodiesOf(store, '，')).toEqual(['防，汛']);
  });

  it('follows edits, redactions and deletions', () => {
    const { store } = openStore();
    const [first, second] = insertMessages(store, ['明天汛期会商', '会议改到周五']);
    store.db.prepare('UPDATE matrix_events SET body = ? WHERE event_id = ?').run('明天防台风会商', first);
    expect(bodiesOf(store, '汛')).toEqual([]);
    expect(bodiesOf(store, '台')).toEqual(['明天防台风会商']);
    store.db.prepare('UPDATE matrix_events SET body = NULL WHERE event_id = ?').run(second);
    expect(bodiesOf(store, '周')).toEqual([]);
    store.db.prepare('DELETE FROM matrix_events WHERE event_id = ?').run(first);
    expect(bodiesOf(store, '台')).toEqual([]);
    expect(bodiesOf(store, '台风')).toEqual([]);
  });

  it('indexes the messages a cache already held when it is upgraded', () => {
    // A cache as the first release wrote it (schema 1: no character index), with a message in it.
    const dir = mkdtempSync(path.join(tmpdir(), 'govdesk-search-'));
    const old = new Database(path.join(dir, 'govdesk-cache.db'));
    old.pragma("cipher = 'sqlcipher'");
    old.pragma(`key = "x'${Buffer.from(key).toString('hex')}'"`);
    old.exec(MIGRATIONS[0] as string);
    old.pragma('user_version = 1');
    old.prepare('INSERT INTO matrix_events (event_id, room_id, sender, type, ts, content, body) VALUES (?, ?, ?, ?, ?, ?, ?)').run('$old', '!room:govdesk.test', '@lina:govdesk.test', 'm.room.message', 1, '{}', '防汛值班安排');
    old.close();
    const { store } = openStore(dir);
    expect(bodiesOf(store, '汛')).toEqual(['防汛值班安排']);
    expect(bodiesOf(store, '防汛')).toEqual(['防汛值班安排']);
  });
});
