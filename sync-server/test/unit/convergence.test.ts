import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyChecked, checkUpdate, newClockClients, type UpdateCheck } from '../../src/sync/integrity.ts';
import { SeededRandom } from '../../../test/support/seeded-random.ts';
import { runConvergenceSeed, visible } from '../harness/convergence.ts';
import { handWritten } from '../harness/updates.ts';

/** What the hub does with an update: the pre-check, then applying it with the order check. */
function offer(server: Y.Doc, update: Uint8Array): UpdateCheck {
  const decoded = Y.decodeUpdate(update);
  const check = checkUpdate(server, decoded);
  return check.ok ? applyChecked(server, update, newClockClients(server, decoded), null, () => undefined) : check;
}

/** "abcdef" typed by client 1000, as one item. */
function abcdef(): Y.Doc {
  const author = new Y.Doc();
  author.clientID = 1000;
  author.getText('content').insert(0, 'abcdef');
  const server = new Y.Doc();
  Y.applyUpdate(server, Y.encodeStateAsUpdate(author));
  return server;
}

const reloaded = (doc: Y.Doc) => {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
};

describe('convergence: no accepted update makes copies diverge', () => {
  // One struct of client 1050 whose right origin (1000, 1) lies left of its origin (1000, 2).
  const crossed = handWritten(1050, 0, { origin: Y.createID(1000, 2), rightOrigin: Y.createID(1000, 1) }, { string: 'X' });

  it('the reproduction is real: applied as Yjs does, the live copy and its reload read differently, with equal state vectors', () => {
    const live = abcdef();
    Y.applyUpdate(live, crossed);
    const copy = reloaded(live);
    expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(live));
    expect(live.getText('content').toString()).not.toBe(copy.getText('content').toString());
  });

  it('refuses it: a right origin left of the origin', () => {
    expect(offer(abcdef(), crossed)).toMatchObject({ ok: false, kind: 'malformed' });
  });

  it('refuses a crossing that only shows once applied (its origin is in the same update), and says the document must be dropped', () => {
    const server = abcdef();
    // An honest "Y" at the end, then "X" whose origin is that "Y" and whose right origin is "b", far to its left.
    const parts = [handWritten(1050, 0, { origin: Y.createID(1000, 5) }, { string: 'Y' }), handWritten(1050, 1, { origin: Y.createID(1050, 0), rightOrigin: Y.createID(1000, 1) }, { string: 'X' })];
    const update = Y.mergeUpdates(parts);
    const decoded = Y.decodeUpdate(update);
    expect(checkUpdate(server, decoded)).toEqual({ ok: true });
    let dropped = false;
    expect(applyChecked(server, update, newClockClients(server, decoded), null, () => (dropped = true))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(dropped).toBe(true);
  });

  it('refuses an origin and right origin with an item between them that the writer must have seen', () => {
    // (1000, 1) and (1000, 4) hold "c" and "d" between them: whoever holds (1000, 4) has seen them.
    const update = handWritten(1050, 0, { origin: Y.createID(1000, 1), rightOrigin: Y.createID(1000, 4) }, { string: 'X' });
    expect(offer(abcdef(), update)).toMatchObject({ ok: false, kind: 'malformed' });
  });

  it("refuses a struct placed before its own client's earlier text", () => {
    const server = abcdef();
    expect(offer(server, handWritten(1050, 0, { origin: Y.createID(1000, 2), rightOrigin: Y.createID(1000, 3) }, { string: 'X' })).ok).toBe(true);
    // 1050's next struct claims to sit between "b" and "c": its own "X" (after "c") is not between them, but "c" is — and 1050 has seen "c".
    expect(offer(server, handWritten(1050, 1, { origin: Y.createID(1000, 0), rightOrigin: Y.createID(1000, 3) }, { string: 'Y' }))).toMatchObject({ kind: 'malformed' });
  });

  it('refuses a map entry with a right origin (Yjs writes none)', () => {
    const server = new Y.Doc();
    const author = new Y.Doc();
    author.getMap('meta').set('title', '甲');
    author.getMap('meta').set('title', '乙');
    Y.applyUpdate(server, Y.encodeStateAsUpdate(author));
    const first = Y.createID(author.clientID, 0);
    const update = handWritten(1050, 0, { origin: first, rightOrigin: Y.createID(author.clientID, 1) }, { any: ['丙'] });
    expect(checkUpdate(server, Y.decodeUpdate(update))).toMatchObject({ ok: false, kind: 'malformed', reason: 'a map entry with a right origin' });
  });

  it('accepts an honest insertion between the same neighbours', () => {
    const server = abcdef();
    const writer = new Y.Doc();
    Y.applyUpdate(writer, Y.encodeStateAsUpdate(server));
    let update: Uint8Array | null = null;
    writer.on('update', (u: Uint8Array) => (update = u));
    writer.getText('content').insert(2, 'X');
    expect(offer(server, update!)).toEqual({ ok: true });
    expect(server.getText('content').toString()).toBe('abXcdef');
    expect(visible(reloaded(server))).toBe(visible(server));
  });

  it("accepts Yjs's own redo of text into a paragraph that was itself restored, with the writer's undone text between its origins", () => {
    const server = new Y.Doc();
    const writer = new Y.Doc();
    const verdicts: string[] = [];
    writer.on('update', (update: Uint8Array) => {
      const verdict = offer(server, update);
      verdicts.push(verdict.ok ? 'ok' : verdict.reason);
    });
    const fragment = writer.getXmlFragment('prosemirror');
    const undo = new Y.UndoManager(fragment, { captureTimeout: 0 });
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText('abc')]);
    fragment.insert(0, [paragraph]);
    const text = () => (fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText;
    text().delete(1, 1); // "b"
    fragment.delete(0, 1); // the paragraph
    undo.undo(); // the paragraph comes back as a new copy, its text too
    text().insert(1, 'Z');
    undo.undo(); // "Z" goes: a tombstone of the writer's own between the restored "a" and "c"
    undo.undo(); // "b" comes back, placed by Yjs between "a" and "c" of the new copy
    expect(text().toString()).toBe('abc');
    expect(verdicts.every((verdict) => verdict === 'ok'), verdicts.join(', ')).toBe(true);
    expect(visible(reloaded(server))).toBe(visible(writer));
  });

  // A long history is the point: about 2 s alone, more on a busy machine, so not the default 5 s timeout.
  it('accepts the upload of a long history (walks would pass everything written later) and still refuses a crossing inside it', () => {
    const author = new Y.Doc();
    author.clientID = 1000;
    const text = author.getText('content');
    const random = new SeededRandom(7);
    for (let i = 0; i < 60_000; i++) text.insert(random.int(0, text.length), '字');
    const history = Y.encodeStateAsUpdate(author);
    const server = new Y.Doc();
    expect(offer(server, history)).toEqual({ ok: true });
    expect(visible(reloaded(server))).toBe(visible(author));
    // The same history with one struct of client 5 whose right origin is the first character and whose origin the last: checked after 1000's many items.
    const ids: Y.ID[] = [];
    for (let item = text._start; item !== null; item = item.right) ids.push(item.id);
    const first = ids[0] as Y.ID;
    const lastItem = text._start && (() => {
      let item = text._start;
      while (item.right) item = item.right;
      return item;
    })();
    const crossing = handWritten(5, 0, { origin: Y.createID(lastItem!.id.client, lastItem!.id.clock + lastItem!.length - 1), rightOrigin: first }, { string: 'X' });
    expect(offer(new Y.Doc(), Y.mergeUpdates([history, crossing]))).toMatchObject({ ok: false, kind: 'malformed' });
  }, 30_000);

  it('honest concurrent editing is never refused and every copy reads the same: 120 seeds of three editors with random delivery, offline periods, undo and deletions inside deleted ranges', () => {
    let accepted = 0;
    let incomplete = 0;
    const failures: string[] = [];
    for (let seed = 1; seed <= 120; seed++) {
      const outcome = runConvergenceSeed(seed);
      failures.push(...outcome.failures);
      accepted += outcome.accepted;
      incomplete += outcome.incomplete;
    }
    expect(failures).toEqual([]);
    // The seeds did exercise the server: many updates, some of them arriving before what they depend on.
    expect(accepted).toBeGreaterThan(120 * 20);
    expect(incomplete).toBeGreaterThan(0);
  });
});
