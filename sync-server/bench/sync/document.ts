import * as Y from 'yjs';
import { SeededRandom } from '../../../test/support/seeded-random.ts';

/**
 * The large document of case (c): written the way a long document grows, by
 * several authors typing and deleting sentences at many places (so the
 * state has tens of thousands of items, a delete set and several clients,
 * not one merged string), in the root text `content`, until its encoded
 * state reaches the size asked for.
 */

const PHRASES = [
  '关于做好2026年防汛工作的通知',
  '各市、县（区）人民政府，省政府各部门、各直属机构',
  '为切实做好今年防汛防台风工作，确保人民群众生命财产安全',
  '经省人民政府同意，现将有关事项通知如下',
  '一、提高思想认识，压实防汛责任',
  '各地各部门要坚持人民至上、生命至上',
  '严格落实以行政首长负责制为核心的防汛责任制',
  '二、加强监测预警，强化会商研判',
  '气象、水文部门要加密监测频次，及时发布预警信息',
  '三、突出重点部位，全面排查隐患',
  '对病险水库、山洪灾害危险区、地质灾害隐患点逐一排查',
  '四、做好应急准备，提升处置能力',
  '五、严肃工作纪律，确保信息畅通',
  '请各地于6月30日前将落实情况报省防汛抗旱总指挥部办公室',
];

export interface BenchDocument {
  /** The whole state as one V1 update (what a SyncStep2 answer to an empty state vector carries). */
  update: Uint8Array;
  text: string;
  operations: number;
  authors: number;
  buildMs: number;
}

export function buildDocument(targetBytes: number, seed: number, authors = 12): BenchDocument {
  const started = performance.now();
  const random = new SeededRandom(seed);
  const doc = new Y.Doc({ gc: true });
  const text = doc.getText('content');
  const clientIds = Array.from({ length: authors }, () => random.clientId());
  let operations = 0;
  let size = 0;
  const sentence = () => {
    let out = '';
    const parts = random.int(1, 3);
    for (let i = 0; i < parts; i++) out += random.pick(PHRASES) + (i + 1 < parts ? '，' : '。');
    return random.chance(0.2) ? `${out}\n` : out;
  };
  while (size < targetBytes) {
    // Measuring the encoded size costs a pass over the document: do it every 1,000 operations (overshoot ≤ ~100 KB).
    for (let i = 0; i < 1000; i++) {
      // Switching clientID between transactions makes the next edits another author's, as if merged from their replicas.
      doc.clientID = random.pick(clientIds);
      const length = text.length;
      if (length > 200 && random.chance(0.15)) {
        const at = random.int(0, length - 1);
        text.delete(at, Math.min(length - at, random.int(1, 30)));
      } else {
        // Most typing happens near where the author is working; some at the end.
        const at = random.chance(0.4) ? length : random.int(0, length);
        text.insert(at, sentence());
      }
      operations += 1;
    }
    size = Y.encodeStateAsUpdate(doc).length;
  }
  const update = Y.encodeStateAsUpdate(doc);
  const result = { update, text: text.toString(), operations, authors, buildMs: performance.now() - started };
  doc.destroy();
  return result;
}

/** Applies a received SyncStep2 payload to a fresh Y.Doc and says whether it reproduces the document. */
export function reproduces(payload: Uint8Array, expected: BenchDocument): { ok: boolean; detail: string } {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, payload);
    const text = doc.getText('content').toString();
    const pending = doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
    if (text === expected.text && !pending) return { ok: true, detail: `text of ${text.length} characters identical` };
    return { ok: false, detail: `text of ${text.length} characters (expected ${expected.text.length})${text === expected.text ? '' : ', content differs'}${pending ? ', pending structs' : ''}` };
  } catch (error) {
    return { ok: false, detail: `does not apply: ${(error as Error).message}` };
  } finally {
    doc.destroy();
  }
}
