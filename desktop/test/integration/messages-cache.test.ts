import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheWriter, Changes, type RawEvent } from '../../src/core/messages/cache-writer.ts';
import { TimelineView } from '../../src/core/messages/timeline-view.ts';
import { openLocalStore, type LocalStore } from '../../src/core/store/local-store.ts';

/**
 * The messaging cache on a real encrypted SQLite file: events that arrive out
 * of order (a gap filled page by page brings an edit before its original),
 * receipts for events not cached yet, and the outbox meeting its echo.
 */

const ROOM = '!room:gd.gov.cn';
const ZHANG = '@zhangwei:gd.gov.cn';
const LI = '@lina:gd.gov.cn';

let store: LocalStore;
let writer: CacheWriter;
let view: TimelineView;

beforeEach(() => {
  store = openLocalStore(mkdtempSync(path.join(tmpdir(), 'govdesk-messages-cache-')), new Uint8Array(randomBytes(32)));
  store.matrix.upsertRoom({ roomId: ROOM, name: '秘书一处', topic: '', isDirect: false, membership: 'join', memberCount: 2, seenTs: 0 });
  store.matrix.upsertMembers(ROOM, [
    { userId: ZHANG, displayName: '张伟', membership: 'join' },
    { userId: LI, displayName: '李娜', membership: 'join' },
  ]);
  writer = new CacheWriter(store.matrix, store.outbox, ZHANG);
  view = new TimelineView(store.matrix, store.outbox, { userId: ZHANG, displayName: '张伟' });
});

afterEach(() => store.close());

let clock = 1_760_000_000_000;
function message(eventId: string, sender: string, body: string, extra: Record<string, unknown> = {}): RawEvent {
  return { event_id: eventId, type: 'm.room.message', sender, origin_server_ts: clock++, content: { msgtype: 'm.text', body, ...extra } };
}
const edit = (eventId: string, sender: string, target: string, body: string) =>
  message(eventId, sender, `* ${body}`, { 'm.new_content': { msgtype: 'm.text', body }, 'm.relates_to': { rel_type: 'm.replace', event_id: target } });

function write(...events: RawEvent[]): Changes {
  const changes = new Changes();
  store.matrix.transaction(() => writer.writeHistory(ROOM, events, changes));
  return changes;
}

const shown = () => view.items(ROOM, store.matrix.latest(ROOM, 50)).map((item) => [item.key, item.kind, item.body, item.edited]);

describe('the messaging cache', () => {
  it('applies an edit that arrives before its original, and only the sender’s', () => {
    write(edit('$edit', ZHANG, '$orig', '请于周四前报送'));
    write(edit('$forged', LI, '$orig', '李娜改的'));
    write(message('$orig', ZHANG, '请于周五前报送'));
    expect(shown()).toEqual([['$orig', 'text', '请于周四前报送', true]]);
    // Search follows the edit.
    expect(store.search.messages('周四', 10).map((hit) => hit.eventId)).toEqual(['$orig']);
    expect(store.search.messages('周五', 10)).toEqual([]);
    // A later edit wins; redacting it brings the earlier one back.
    write(edit('$edit2', ZHANG, '$orig', '请于周三前报送'));
    expect(shown()).toEqual([['$orig', 'text', '请于周三前报送', true]]);
    write({ event_id: '$r', type: 'm.room.redaction', sender: ZHANG, origin_server_ts: clock++, redacts: '$edit2', content: {} });
    expect(shown()).toEqual([['$orig', 'text', '请于周四前报送', true]]);
  });

  it('blanks an event whose redaction came first, and takes it out of search', () => {
    write({ event_id: '$r', type: 'm.room.redaction', sender: LI, origin_server_ts: clock++, content: { redacts: '$secret' } });
    write(message('$secret', LI, '撤回的防汛消息'), message('$kept', LI, '保留的防汛消息'));
    expect(shown()).toEqual([
      ['$secret', 'redacted', '', false],
      ['$kept', 'text', '保留的防汛消息', false],
    ]);
    expect(store.search.messages('防汛', 10).map((hit) => hit.eventId)).toEqual(['$kept']);
    expect(store.search.messages('汛', 10).map((hit) => hit.eventId)).toEqual(['$kept']);
  });

  it('places a receipt for an event not cached yet at its time, then at the event once it arrives', () => {
    write(message('$mine', ZHANG, '通知'));
    const changes = new Changes();
    store.matrix.transaction(() => writer.markRead(ROOM, '$mine', changes));
    // 李娜's receipt names an event this cache has not seen (a gap).
    expect(store.matrix.moveReadPosition(ROOM, LI, '$later', clock + 10)).toMatchObject({ to: { ts: clock + 10, id: 0 } });
    expect(view.items(ROOM, store.matrix.latest(ROOM, 10))[0]?.receipts).toEqual({ read: 1, unread: 0 });
    write({ ...message('$later', LI, '收到'), origin_server_ts: clock + 5 });
    const later = store.matrix.event('$later')!;
    expect(store.matrix.position(ROOM, LI)).toEqual({ ts: later.ts, id: later.id });
    // A receipt never moves back.
    expect(store.matrix.moveReadPosition(ROOM, LI, '$mine', 0)).toBeNull();
  });

  it('ends an outbox entry when its echo arrives, keeping the item’s key', () => {
    const entry = store.outbox.enqueue(ROOM, 'm.room.message', { msgtype: 'm.text', body: '离线写的' });
    expect(view.items(ROOM, [], { withOutbox: true }).map((item) => [item.key, item.send])).toEqual([[entry.txnId, 'sending']]);
    store.outbox.markSent(entry.id, '$echo');
    expect(view.items(ROOM, [], { withOutbox: true })).toMatchObject([{ key: entry.txnId, eventId: '$echo', send: 'sent', receipts: { read: 0, unread: 1 } }]);
    const changes = write({ ...message('$echo', ZHANG, '离线写的'), unsigned: { transaction_id: entry.txnId } });
    expect(store.outbox.byTxn(entry.txnId)).toBeNull();
    expect(view.items(ROOM, store.matrix.latest(ROOM, 10), { withOutbox: true })).toMatchObject([{ key: entry.txnId, eventId: '$echo', send: 'sent' }]);
    expect(changes.rows.get(ROOM)?.size).toBe(1);
  });
});
