import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contentDigest } from '../../src/documents/content-digest.ts';

function docWith(clientID: number, edit: (doc: Y.Doc) => void, options: { gc?: boolean } = {}): Y.Doc {
  const doc = new Y.Doc(options);
  doc.clientID = clientID;
  edit(doc);
  return doc;
}

/** The same document as a fresh copy receives it (SyncStep2 from the whole state), with roots it never typed, like the server's. */
function reloaded(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

function paragraph(text: string, attributes: Record<string, string> = {}): Y.XmlElement {
  const element = new Y.XmlElement('paragraph');
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  element.insert(0, [new Y.XmlText(text)]);
  return element;
}

describe('contentDigest', () => {
  it('is a SHA-256 in hex', () => {
    expect(contentDigest(new Y.Doc())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads -0 as 0, as a user does (an update encoded again may carry either)', () => {
    const negative = docWith(1, (doc) => doc.getMap('meta').set('copies', -0));
    const positive = docWith(1, (doc) => doc.getMap('meta').set('copies', 0));
    expect(contentDigest(negative)).toBe(contentDigest(positive));
    expect(contentDigest(positive)).not.toBe(contentDigest(docWith(1, (doc) => doc.getMap('meta').set('copies', 1))));
  });

  it('is the same for the same content reached by different edit histories, client IDs and garbage collection', () => {
    const direct = docWith(1, (doc) => {
      doc.getText('content').insert(0, '关于做好防汛工作的通知', { bold: true });
      doc.getText('content').insert(11, '。');
      doc.getMap('meta').set('docNumber', '粤府办〔2026〕12号');
      doc.getMap('meta').set('urgency', { level: 2, label: '急' });
      doc.getArray('attachments').push(['附件1', 2, new Uint8Array([1, 2])]);
      doc.getXmlFragment('body').insert(0, [paragraph('第一段', { align: 'left' }), paragraph('第二段')]);
    });
    const roundabout = docWith(
      987_654_321,
      (doc) => {
        const text = doc.getText('content');
        text.insert(0, '通知');
        text.insert(0, '关于做好');
        text.insert(4, '错字防汛工作的');
        text.delete(4, 2);
        text.format(0, 11, { bold: true });
        // Formatting the same range again changes nothing a user sees.
        text.format(2, 3, { bold: true });
        text.insert(11, '。');
        const meta = doc.getMap('meta');
        meta.set('urgency', { label: '急', level: 2 });
        meta.set('docNumber', '草稿');
        meta.set('obsolete', true);
        meta.delete('obsolete');
        meta.set('docNumber', '粤府办〔2026〕12号');
        const attachments = doc.getArray('attachments');
        attachments.push([2]);
        attachments.insert(0, ['附件1']);
        attachments.push([new Uint8Array([1, 2])]);
        const body = doc.getXmlFragment('body');
        body.insert(0, [paragraph('第二段'), paragraph('删掉的段')]);
        body.delete(1, 1);
        const first = paragraph('第一', { align: 'right' });
        body.insert(0, [first]);
        first.setAttribute('align', 'left');
        (first.get(0) as Y.XmlText).insert(2, '段');
      },
      { gc: false },
    );
    // The two really show the same document.
    for (const name of ['content', 'meta', 'attachments', 'body']) expect(roundabout.get(name).toJSON()).toEqual(direct.get(name).toJSON());
    expect(roundabout.getText('content').toDelta()).toEqual(direct.getText('content').toDelta());
    expect(contentDigest(roundabout)).toBe(contentDigest(direct));
    expect(contentDigest(reloaded(roundabout))).toBe(contentDigest(direct));
  });

  it('reads formatting as the attributes in effect, not as the markers that set them', () => {
    // Concurrent bold ranges leave four markers where one range would need two; toDelta() even splits the run.
    const a = docWith(1, (doc) => doc.getText('content').insert(0, 'abcdefgh'));
    const b = docWith(2, (doc) => Y.applyUpdate(doc, Y.encodeStateAsUpdate(a)));
    a.getText('content').format(1, 4, { bold: true });
    b.getText('content').format(3, 4, { bold: true });
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    const plain = docWith(3, (doc) => {
      doc.getText('content').insert(0, 'a');
      doc.getText('content').insert(1, 'bcde', { bold: true });
      doc.getText('content').insert(5, 'fgh', {});
    });
    expect(a.getText('content').toDelta()).toHaveLength(5);
    expect(contentDigest(a)).toBe(contentDigest(plain));
  });

  it('ignores root types that hold nothing visible', () => {
    const written = docWith(1, (doc) => doc.getText('content').insert(0, '正文'));
    const touched = docWith(2, (doc) => {
      doc.getText('content').insert(0, '正文');
      doc.getMap('unused');
      doc.getText('emptied').insert(0, '临时');
      doc.getText('emptied').delete(0, 2);
    });
    expect(contentDigest(touched)).toBe(contentDigest(written));
  });

  it('changes when items are reordered', () => {
    const digestOf = (edit: (doc: Y.Doc) => void) => contentDigest(docWith(1, edit));
    expect(digestOf((doc) => doc.getArray('list').push([1, 2, 3]))).not.toBe(digestOf((doc) => doc.getArray('list').push([1, 3, 2])));
    expect(digestOf((doc) => doc.getText('content').insert(0, '甲乙'))).not.toBe(digestOf((doc) => doc.getText('content').insert(0, '乙甲')));
    expect(digestOf((doc) => doc.getXmlFragment('body').insert(0, [paragraph('一'), paragraph('二')]))).not.toBe(
      digestOf((doc) => doc.getXmlFragment('body').insert(0, [paragraph('二'), paragraph('一')])),
    );
  });

  it('tells apart copies with the same structs and deletions that show them in a different order', () => {
    // Same state vector, same delete set: client 1050's "X" sits after "a" in one copy and after "e" in the other.
    const base = docWith(1000, (doc) => doc.getText('content').insert(0, 'abcdef'));
    const copy = (at: number) => {
      const doc = reloaded(base);
      doc.clientID = 1050;
      doc.getText('content').insert(at, 'X');
      return doc;
    };
    const early = copy(1);
    const late = copy(5);
    expect(Y.equalSnapshots(Y.snapshot(early), Y.snapshot(late))).toBe(true);
    expect(contentDigest(early)).not.toBe(contentDigest(late));
  });

  it('tells a live copy from its reload when an item points left of its origin (issue 7)', () => {
    const live = docWith(1000, (doc) => doc.getText('content').insert(0, 'abcdef'));
    // Client 1050, clock 0: origin (1000, 2), right origin (1000, 1), content "X" — accepted by Yjs, placed by integration order.
    const encoder = encoding.createEncoder();
    for (const value of [1, 1, 1050, 0]) encoding.writeVarUint(encoder, value);
    encoding.writeUint8(encoder, 4 | 0x80 | 0x40);
    for (const value of [1000, 2, 1000, 1]) encoding.writeVarUint(encoder, value);
    encoding.writeVarString(encoder, 'X');
    encoding.writeVarUint(encoder, 0);
    Y.applyUpdate(live, encoding.toUint8Array(encoder));
    const reload = reloaded(live);
    expect(Y.equalSnapshots(Y.snapshot(live), Y.snapshot(reload))).toBe(true);
    expect(live.getText('content').toString()).not.toBe(reload.getText('content').toString());
    expect(contentDigest(live)).not.toBe(contentDigest(reload));
  });

  it('changes with content, formatting, element names and attributes', () => {
    const digests = [
      (doc: Y.Doc) => doc.getText('content').insert(0, 'abc'),
      (doc: Y.Doc) => doc.getText('content').insert(0, 'abd'),
      (doc: Y.Doc) => {
        doc.getText('content').insert(0, 'abc');
        doc.getText('content').format(1, 1, { bold: true });
      },
      (doc: Y.Doc) => {
        doc.getText('content').insert(0, 'abc');
        doc.getText('content').format(1, 1, { italic: true });
      },
      (doc: Y.Doc) => {
        doc.getText('content').insert(0, 'abc');
        doc.getText('content').format(1, 2, { bold: true });
      },
      (doc: Y.Doc) => doc.getText('content').insert(0, 'abc', { link: 'https://gov.cn/a' }),
      (doc: Y.Doc) => doc.getText('content').insert(0, 'abc', { link: 'https://gov.cn/b' }),
      (doc: Y.Doc) => doc.getText('content').insertEmbed(0, { image: 'seal.png' }),
      (doc: Y.Doc) => doc.getText('content').insertEmbed(0, { image: 'seal.png' }, { width: 100 }),
      (doc: Y.Doc) => doc.getArray('content').push(['abc']),
      (doc: Y.Doc) => doc.getMap('content').set('abc', 'abc'),
      (doc: Y.Doc) => doc.getMap('content').set('abc', 'abd'),
      (doc: Y.Doc) => doc.getMap('content').set('abc', new Y.Text('abc')),
      (doc: Y.Doc) => doc.getMap('content').set('abc', new Y.Array()),
      (doc: Y.Doc) => doc.getXmlFragment('content').insert(0, [paragraph('abc')]),
      (doc: Y.Doc) => doc.getXmlFragment('content').insert(0, [paragraph('abc', { align: 'center' })]),
      (doc: Y.Doc) => doc.getXmlFragment('content').insert(0, [new Y.XmlElement('heading')]),
      (doc: Y.Doc) => doc.getXmlFragment('content').insert(0, [new Y.XmlElement('paragraph')]),
    ].map((edit) => contentDigest(docWith(1, edit)));
    expect(new Set(digests).size).toBe(digests.length);
  });
});
