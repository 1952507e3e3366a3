import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { checkUpdate } from '../../src/sync/integrity.ts';
import { SeededRandom } from '../../../test/support/seeded-random.ts';
import { handWritten } from '../harness/updates.ts';

/** What the server does with an update: check it, and apply it only when it is sound and complete. */
function offer(server: Y.Doc, update: Uint8Array): 'ok' | 'malformed' | 'incomplete' {
  const check = checkUpdate(server, Y.decodeUpdate(update));
  if (!check.ok) return check.kind;
  Y.applyUpdate(server, update);
  return 'ok';
}

/** A client document that records the updates it produces. */
function client(from?: Y.Doc): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  if (from) Y.applyUpdate(doc, Y.encodeStateAsUpdate(from));
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'remote') updates.push(update);
  });
  return { doc, updates };
}

describe('checkUpdate: what real clients send is accepted', () => {
  it('accepts an edit inside a paragraph another user deleted meanwhile (Yjs drops it; the client must not be refused)', () => {
    const server = new Y.Doc();
    const author = client(server);
    const paragraph = new Y.XmlElement('paragraph');
    author.doc.getXmlFragment('prosemirror').insert(0, [paragraph]);
    for (const update of author.updates.splice(0)) expect(offer(server, update)).toBe('ok');

    // B types into the empty paragraph (no neighbours: the text node names the paragraph as its parent) ...
    const typist = client(server);
    (typist.doc.getXmlFragment('prosemirror').get(0) as Y.XmlElement).insert(0, [new Y.XmlText('补充一句')]);
    // ... while A deletes the paragraph, and the server gets A's deletion first.
    author.doc.getXmlFragment('prosemirror').delete(0, 1);
    for (const update of author.updates.splice(0)) expect(offer(server, update)).toBe('ok');
    for (const update of typist.updates.splice(0)) expect(offer(server, update)).toBe('ok');

    // Everyone ends up with the same, sound document.
    Y.applyUpdate(author.doc, Y.encodeStateAsUpdate(server), 'remote');
    Y.applyUpdate(typist.doc, Y.encodeStateAsUpdate(server), 'remote');
    expect(server.getXmlFragment('prosemirror').length).toBe(0);
    expect(typist.doc.getXmlFragment('prosemirror').length).toBe(0);
    expect(Y.equalSnapshots(Y.snapshot(server), Y.snapshot(typist.doc))).toBe(true);
  });

  it('never refuses what concurrent editors produce, delivered in any order and sometimes twice: incomplete updates wait, and all converge (300 seeds)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = new SeededRandom(seed);
      const server = new Y.Doc();
      const editors = [client(), client(), client()];
      const queue: { from: number; update: Uint8Array }[] = [];
      const deliverSome = () => {
        // The server takes queued updates in random order; one that depends on what it lacks is dropped and sent again later.
        for (let i = 0; i < queue.length; ) {
          if (random.next() < 0.5) {
            i++;
            continue;
          }
          const [entry] = queue.splice(i, 1);
          const verdict = offer(server, entry!.update);
          expect(verdict, `seed ${seed}`).not.toBe('malformed');
          if (verdict === 'incomplete') queue.push({ from: entry!.from, update: Y.encodeStateAsUpdate(editors[entry!.from]!.doc) });
          // A client that reconnects may send again what the server already has.
          else if (random.next() < 0.1) queue.push(entry!);
        }
      };
      for (let step = 0; step < 40; step++) {
        const index = random.int(0, editors.length - 1);
        const { doc, updates } = editors[index]!;
        if (random.next() < 0.3) Y.applyUpdate(doc, Y.encodeStateAsUpdate(server), 'remote');
        editAtRandom(doc, random);
        for (const update of updates.splice(0)) queue.push({ from: index, update });
        deliverSome();
      }
      // Reconnect: each editor sends everything, as a SyncStep2 would.
      for (const [index, editor] of editors.entries()) queue.push({ from: index, update: Y.encodeStateAsUpdate(editor.doc) });
      while (queue.length > 0) deliverSome();
      for (const editor of editors) Y.applyUpdate(editor.doc, Y.encodeStateAsUpdate(server), 'remote');
      for (const editor of editors) {
        expect(Y.equalSnapshots(Y.snapshot(editor.doc), Y.snapshot(server)), `seed ${seed}`).toBe(true);
        expect(editor.doc.getXmlFragment('prosemirror').toString(), `seed ${seed}`).toBe(server.getXmlFragment('prosemirror').toString());
      }
    }
  });
});

/** Text, map and XML edits like the editor's, deletions of whole paragraphs included. */
function editAtRandom(doc: Y.Doc, random: SeededRandom): void {
  const fragment = doc.getXmlFragment('prosemirror');
  const roll = random.next();
  if (roll < 0.25 || fragment.length === 0) {
    const paragraph = new Y.XmlElement('paragraph');
    if (random.next() < 0.5) paragraph.insert(0, [new Y.XmlText('段落')]);
    fragment.insert(random.int(0, fragment.length), [paragraph]);
  } else if (roll < 0.4) {
    fragment.delete(random.int(0, fragment.length - 1), 1);
  } else if (roll < 0.7) {
    const paragraph = fragment.get(random.int(0, fragment.length - 1)) as Y.XmlElement;
    const text = paragraph.get(0);
    if (text instanceof Y.XmlText) {
      if (text.length > 2 && random.next() < 0.3) text.delete(random.int(0, text.length - 2), 1);
      else text.insert(random.int(0, text.length), '字');
    } else paragraph.insert(0, [new Y.XmlText('新')]);
  } else if (roll < 0.85) {
    doc.getMap('meta').set(['title', 'docNumber', 'urgency'][random.int(0, 2)]!, `值${random.int(0, 99)}`);
  } else {
    const text = doc.getText('content');
    if (text.length > 3 && random.next() < 0.4) text.delete(random.int(0, text.length - 2), 2);
    else text.insert(random.int(0, text.length), '通知');
  }
}

describe('checkUpdate: what would corrupt the document is refused', () => {
  const base = () => {
    const server = new Y.Doc();
    const author = client(server);
    author.doc.getText('content').insert(0, '正文');
    author.doc.getMap('meta').set('docNumber', '粤府办〔2026〕12号');
    for (const update of author.updates) offer(server, update);
    const textItem = server.getText('content')._start as Y.Item;
    const mapItem = server.getMap('meta')._map.get('docNumber') as Y.Item;
    return { server, textItem, mapItem };
  };

  it('an insertion between neighbours in different types', () => {
    const { server, textItem, mapItem } = base();
    const before = Y.encodeStateAsUpdate(server);
    expect(checkUpdate(server, Y.decodeUpdate(handWritten(4242, 0, { origin: textItem.id, rightOrigin: mapItem.id }, { string: '跨类型' })))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(Y.encodeStateAsUpdate(server)).toEqual(before);
  });

  it('a struct that refers to itself', () => {
    const { server } = base();
    expect(checkUpdate(server, Y.decodeUpdate(handWritten(4242, 0, { origin: Y.createID(4242, 0) }, { string: '自己' })))).toMatchObject({ kind: 'malformed' });
  });

  it('lets Yjs collect an item whose parent is not a type, as it does for a deleted paragraph: nothing else changes', () => {
    const { server, textItem } = base();
    const update = handWritten(4242, 0, { parentId: textItem.id }, { string: '子' });
    expect(checkUpdate(server, Y.decodeUpdate(update))).toEqual({ ok: true });
    Y.applyUpdate(server, update);
    expect(server.getText('content').toString()).toBe('正文');
    expect(server.store.pendingStructs).toBeNull();
    // The document is still sound: later edits work.
    server.getText('content').insert(2, '。');
    expect(server.getText('content').toString()).toBe('正文。');
  });

  it('a map entry holding several live values', () => {
    const { server } = base();
    expect(checkUpdate(server, Y.decodeUpdate(handWritten(4242, 0, { parentRoot: 'meta', parentSub: 'title' }, { any: ['甲', '乙'] })))).toMatchObject({ kind: 'malformed', reason: 'a map entry longer than one value' });
    // Deleted in the same update, it is a merged deletion and fine.
    expect(checkUpdate(server, Y.decodeUpdate(handWritten(4242, 0, { parentRoot: 'meta', parentSub: 'title' }, { any: ['甲', '乙'] }, [[4242, 0, 2]])))).toEqual({ ok: true });
  });

  it('an empty deletion range', () => {
    const { server, textItem } = base();
    expect(checkUpdate(server, Y.decodeUpdate(handWritten(4242, 0, { parentRoot: 'content' }, { string: '甲' }, [[textItem.id.client, 0, 0]])))).toMatchObject({ kind: 'malformed', reason: 'an empty deletion' });
  });

  it('asks for what is missing instead of guessing: a reference to content the server does not have is incomplete', () => {
    const { server } = base();
    expect(checkUpdate(server, Y.decodeUpdate(handWritten(4242, 0, { origin: Y.createID(777, 5) }, { string: '后' })))).toMatchObject({ kind: 'incomplete' });
    expect(checkUpdate(server, Y.decodeUpdate(handWritten(4242, 3, { parentRoot: 'content' }, { string: '跳' })))).toMatchObject({ kind: 'incomplete' });
  });
});
