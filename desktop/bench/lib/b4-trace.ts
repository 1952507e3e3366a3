import * as Y from 'yjs';
import { SeededRandom } from '../../../test/support/seeded-random.ts';

/**
 * A synthetic editing trace with the statistics of crdt-benchmarks' B4
 * (Kleppmann's LaTeX paper trace): 182,315 single-character inserts and
 * 77,463 single-character deletions, 259,778 operations, 104,852 characters at
 * the end. Like the real trace it is typing: a cursor that mostly moves on,
 * backspaces at the cursor, and now and then a jump elsewhere. The characters
 * are Chinese (3 bytes each in UTF-8), so the document is larger than B4's.
 */
export const B4 = { inserts: 182_315, deletes: 77_463, finalLength: 104_852 } as const;

export interface Trace {
  /** Every operation's update, in order, as a typing user produces them. */
  updates: Uint8Array[];
  /** The whole final state as one update. */
  finalState: Uint8Array;
  finalText: string;
  /** The state after `updates.length - tail` operations, for a cache that compacted everything but the last `tail`. */
  stateBeforeTail: Uint8Array;
}

export function generateB4Trace(seed = 4, tail = 10_000): Trace {
  const random = new SeededRandom(seed);
  const doc = new Y.Doc();
  const text = doc.getText('body');
  const updates: Uint8Array[] = [];
  const total = B4.inserts + B4.deletes;
  let stateBeforeTail: Uint8Array | null = null;
  doc.on('update', (update: Uint8Array) => {
    updates.push(update);
    if (updates.length === total - tail) stateBeforeTail = Y.encodeStateAsUpdate(doc);
  });
  let cursor = 0;
  let inserts = 0;
  let deletes = 0;
  while (inserts + deletes < total) {
    if (random.chance(0.02)) cursor = random.int(0, text.length);
    // Deletions are spread so both counts end exactly where B4 ends.
    const deleteNow = deletes < B4.deletes && cursor > 0 && (inserts >= B4.inserts || random.chance((B4.deletes - deletes) / (total - inserts - deletes)));
    if (deleteNow) {
      text.delete(cursor - 1, 1);
      cursor -= 1;
      deletes += 1;
    } else {
      text.insert(cursor, String.fromCharCode(0x4e00 + random.int(0, 3499)));
      cursor += 1;
      inserts += 1;
    }
  }
  const finalText = text.toString();
  if (finalText.length !== B4.finalLength) throw new Error(`the trace ended with ${finalText.length} characters, not ${B4.finalLength}`);
  return { updates, finalState: Y.encodeStateAsUpdate(doc), finalText, stateBeforeTail: stateBeforeTail ?? Y.encodeStateAsUpdate(new Y.Doc()) };
}
