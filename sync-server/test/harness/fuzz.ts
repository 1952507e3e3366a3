import { setTimeout as sleep } from 'node:timers/promises';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import { CloseCode, MAX_AWARENESS_STATE_BYTES, parseFrame } from '../../src/sync/protocol.ts';
import { healthy, metric, type SyncServerProcess } from '../../../test/support/sync-server.ts';
import { stockClient, type StockClient } from '../../../test/support/yjs-clients.ts';
import { fullSync } from './crash.ts';
import { contentDifference, docProblems, visibleText } from './doc-check.ts';
import type { Govdesk } from './govdesk.ts';
import { processMemory } from '../../../build/lib/bench-report.ts';
import { encodeAwarenessMessage, encodeSyncStep1, encodeSyncStep2, encodeUpdateMessage } from '@govdesk/shared';
import { SeededRandom } from '../../../test/support/seeded-random.ts';
import { awarenessUpdate, closeOf, openSocket, UpgradeRefused } from './wire.ts';

/**
 * Protocol fuzzing over real sockets against a real server process.
 *
 * Fuzz sockets send random and mutated frames; the server closes a socket
 * with 4400 at its first malformed frame, so a fuzz socket stops at the frame
 * the server's own parser (imported here) says is malformed, waits for the
 * close and reconnects at once. Every frame written before that point is
 * read and parsed by the server; the harness checks this against the
 * server's counters (received bytes, malformed frames, closes). Meanwhile two
 * stock y-websocket clients edit the same document, other users forge their
 * Yjs client IDs, and the server must stay up. At checkpoints every copy of
 * the document — both honest clients, what the live server serves a new
 * client, what it serves after unloading the document and after a restart —
 * must show the same visible items in the same order, with no forged text.
 */

/**
 * The fuzz server's settings: a small frame limit makes oversized frames cheap
 * to send; the connection cap is raised because one account opens every fuzz
 * socket and reconnects at once (the server still counts sockets whose close
 * is under way).
 */
export const FUZZ_SERVER_ENV = {
  GOVDESK_SYNC_MAX_FRAME_BYTES: String(256 * 1024),
  GOVDESK_SYNC_MAX_CONNECTIONS_PER_USER: '1000',
  GOVDESK_SYNC_SESSION_TTL_SECONDS: '7200',
  // A document leaves memory half a second after its last client: between documents the server holds none, so memory left over is growth.
  GOVDESK_SYNC_UNLOAD_AFTER_MS: '500',
};

/**
 * Frames per document by default. Every random update the server accepts
 * grows the document and every SyncStep1 answer costs a pass over it (Yjs
 * encodes the whole delete set), so one document for a million frames would
 * slow down quadratically; the fuzz moves on to a fresh document instead.
 */
export const FRAMES_PER_DOCUMENT = 20_000;

export const FUZZ_CATEGORIES = [
  'random-bytes',
  'bit-flip',
  'truncated',
  'bad-varint-length',
  'huge-length',
  'wrong-type',
  'concatenated',
  'text-frame',
  'empty-frame',
  'awareness-bad-json',
  'awareness-huge',
  'awareness-random',
  'update-random-doc',
  'update-random-structs',
  'right-origin-left-of-origin',
  'forged-client-id',
  'sync-step1-random',
  'query-awareness',
  'flood',
] as const;
export type FuzzCategory = (typeof FUZZ_CATEGORIES)[number];

export interface FuzzFrame {
  category: FuzzCategory;
  data: Uint8Array;
  /** false: sent as a text frame. */
  binary: boolean;
}

/**
 * What the server will do with a frame, by its own parser: read it, or close
 * the socket (4400 malformed, 1009 too large, 1007 a text frame that is not UTF-8).
 */
export type Verdict = 'ok' | 'malformed' | 'too-large' | 'invalid-utf8';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The verdict, and whether the frame carries a document update. Whether an
 * update that decodes is also sound depends on the server's document (see
 * sync-server/src/sync/integrity.ts): the server may still close with
 * "4400 malformed update", so a fuzz socket sends nothing after such a frame.
 */
export function classify(frame: FuzzFrame, maxFrameBytes: number): { verdict: Verdict; carriesUpdate: boolean } {
  if (frame.data.length > maxFrameBytes) return { verdict: 'too-large', carriesUpdate: false };
  if (!frame.binary) {
    try {
      strictUtf8.decode(frame.data);
    } catch {
      return { verdict: 'invalid-utf8', carriesUpdate: false };
    }
    return { verdict: 'malformed', carriesUpdate: false };
  }
  try {
    const messages = parseFrame(frame.data, { maxAwarenessStateBytes: MAX_AWARENESS_STATE_BYTES });
    return { verdict: 'ok', carriesUpdate: messages.some((message) => message.kind === 'update' || message.kind === 'sync-step2') };
  } catch {
    return { verdict: 'malformed', carriesUpdate: false };
  }
}

/** A V1 update of one client's structs, moved to start at `clock` (the rest of the update unchanged). */
function withFirstClock(update: Uint8Array, clock: number): Uint8Array {
  const decoder = decoding.createDecoder(update);
  const clients = decoding.readVarUint(decoder);
  if (clients !== 1) return update;
  const structs = decoding.readVarUint(decoder);
  const client = decoding.readVarUint(decoder);
  decoding.readVarUint(decoder);
  const encoder = encoding.createEncoder();
  for (const value of [clients, structs, client, clock]) encoding.writeVarUint(encoder, value);
  encoding.writeUint8Array(encoder, update.subarray(decoder.pos));
  return encoding.toUint8Array(encoder);
}

const ROOT_NAMES = ['content', 'meta', 'comments', 'prosemirror', 'x'];
const KEYS = ['title', 'docNumber', '密级', 'a', '', 'constructor', '__proto__', 'toString'];
const TEXTS = ['关于做好2026年防汛工作的通知', '粤府办〔2026〕12号', 'x', '', '\u0000', '😀', 'a'.repeat(40), '\uD800'];
/** The text of forged structs: no honest client and no other category writes it, so any copy that shows it kept a forgery. */
export const FORGED_TEXT = '僞造';

/** An honest editor as the forged-client-ID category sees it: its own replica (its client ID and clock) and its latest own updates. */
export interface Victim {
  doc: Y.Doc;
  recentUpdates: readonly Uint8Array[];
}

/** A random JSON-able value, sometimes deep or odd. */
function randomJson(random: SeededRandom, depth = 0): unknown {
  const roll = random.int(0, depth > 3 ? 4 : 7);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1e308, -0, 2 ** 53, 3.14159, random.int(-1e9, 1e9)]);
    case 3:
      return random.pick(TEXTS);
    case 4:
      return random.pick(KEYS);
    case 5:
      return Array.from({ length: random.int(0, 4) }, () => randomJson(random, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: random.int(0, 4) }, () => [random.pick(KEYS) + random.int(0, 9), randomJson(random, depth + 1)]));
  }
}

/**
 * Generates fuzz frames. Valid updates come from a pool of scratch Y.Docs
 * with random client IDs that make random edits, some seeded with the real
 * document's state so that their edits reference and delete real content.
 */
export class FrameGenerator {
  readonly random: SeededRandom;
  /** Scratch documents whose updates are sent as they are, and others whose updates are only mutated or concatenated. */
  readonly #docs = { clean: [] as Y.Doc[], mutated: [] as Y.Doc[] };
  readonly #source: () => Y.Doc | null;
  readonly #maxFrameBytes: number;
  /** IDs an honest client owns in awareness: claiming them is a spoof the server must ignore. */
  honestAwarenessIds: number[] = [];
  /** Errors met while copying the honest document (a sign that it is corrupt). */
  readonly sourceErrors: string[] = [];

  constructor(seed: number, source: () => Y.Doc | null, maxFrameBytes: number) {
    this.random = new SeededRandom(seed);
    this.#source = source;
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** The next frame, from every category. */
  next(): FuzzFrame {
    const frame = this.#next();
    return 'binary' in frame ? (frame as FuzzFrame) : { ...frame, binary: true };
  }

  /**
   * A frame the server reads without closing the socket: random but valid
   * updates, presence, state vectors. A fuzz socket sends some of these
   * before its last frame (from `next`), so that a connection carries several
   * frames although most mutated frames end it.
   */
  nextKeepingOpen(readOnly = false): FuzzFrame {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.5) return { category: 'update-random-doc', data: this.#validUpdateMessage(readOnly ? 'mutated' : 'clean'), binary: true };
    if (roll < 0.85) return { category: 'awareness-random', data: this.#validAwarenessMessage(), binary: true };
    if (roll < 0.95) return { category: 'sync-step1-random', data: encodeSyncStep1(this.#randomStateVector()), binary: true };
    return { category: 'query-awareness', data: new Uint8Array([3]), binary: true };
  }

  #next(): Omit<FuzzFrame, 'binary'> | FuzzFrame {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.2) return { category: 'update-random-doc', data: this.#validUpdateMessage('clean') };
    if (roll < 0.3) return { category: 'awareness-random', data: this.#validAwarenessMessage() };
    if (roll < 0.36) return { category: 'sync-step1-random', data: encodeSyncStep1(this.#randomStateVector()) };
    if (roll < 0.38) return { category: 'query-awareness', data: new Uint8Array([3]) };
    if (roll < 0.44) return { category: 'update-random-structs', data: (r.chance(0.5) ? encodeUpdateMessage : encodeSyncStep2)(this.#randomStructs()) };
    if (roll < 0.45) {
      const reproduction = this.#rightOriginLeftOfOrigin();
      if (reproduction) return { category: 'right-origin-left-of-origin', data: (r.chance(0.5) ? encodeUpdateMessage : encodeSyncStep2)(reproduction) };
      return { category: 'update-random-structs', data: encodeUpdateMessage(this.#randomStructs()) };
    }
    if (roll < 0.5) return { category: 'concatenated', data: this.#concatenated() };
    if (roll < 0.6) return { category: 'bit-flip', data: this.#bitFlip(this.#validMessage()) };
    if (roll < 0.66) return { category: 'truncated', data: this.#truncate(this.#validMessage()) };
    if (roll < 0.72) return { category: 'random-bytes', data: r.chance(0.3) ? this.#prefixedRandom() : r.bytes(r.chance(0.02) ? r.int(1, 65_536) : r.int(1, 64)) };
    if (roll < 0.77) return { category: 'bad-varint-length', data: this.#badLength(this.#validMessage(), false) };
    if (roll < 0.8) return { category: 'huge-length', data: this.#badLength(this.#validMessage(), true) };
    if (roll < 0.85) return { category: 'wrong-type', data: this.#wrongType(this.#validMessage()) };
    if (roll < 0.88) {
      const data = r.chance(0.4) ? this.#validMessage() : r.chance(0.5) ? new TextEncoder().encode(r.pick(TEXTS)) : r.bytes(r.int(1, 32));
      return { category: 'text-frame', data, binary: false };
    }
    if (roll < 0.9) return { category: 'empty-frame', data: new Uint8Array(0) };
    if (roll < 0.97) return { category: 'awareness-bad-json', data: this.#badAwareness() };
    return { category: 'awareness-huge', data: this.#hugeAwareness() };
  }

  /** A valid message of any kind, to be mutated. */
  #validMessage(): Uint8Array {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.5) return this.#validUpdateMessage('mutated');
    if (roll < 0.75) return this.#validAwarenessMessage();
    if (roll < 0.9) return encodeSyncStep1(this.#randomStateVector());
    return encodeUpdateMessage(this.#randomStructs());
  }

  #scratchDoc(pool: Y.Doc[]): Y.Doc {
    const r = this.random;
    if (pool.length < 8 || r.chance(0.002)) {
      const doc = new Y.Doc();
      doc.clientID = r.clientId();
      const source = this.#source();
      if (source && r.chance(0.3)) {
        try {
          Y.applyUpdate(doc, Y.encodeStateAsUpdate(source));
        } catch (error) {
          // The honest document is corrupt: runFuzz reports it (docProblems); keep fuzzing with an empty scratch document.
          this.sourceErrors.push((error as Error).message);
        }
      }
      if (pool.length < 8) pool.push(doc);
      else {
        const index = r.int(0, pool.length - 1);
        pool[index]?.destroy();
        pool[index] = doc;
      }
      return doc;
    }
    return r.pick(pool);
  }

  /** An update a Y.Doc really produced: random text, map, array and XML edits with random content. */
  #validUpdateMessage(pool: 'clean' | 'mutated'): Uint8Array {
    const r = this.random;
    const doc = this.#scratchDoc(this.#docs[pool]);
    let update: Uint8Array | null = null;
    const capture = (u: Uint8Array) => (update = u);
    doc.on('update', capture);
    // Each root name keeps one type: a Y.Doc refuses to read a root as two different types.
    const text = doc.getText(r.chance(0.8) ? 'content' : 'notes');
    switch (r.int(0, 7)) {
      case 0:
      case 1:
        text.insert(r.int(0, text.length), r.pick(TEXTS), r.chance(0.2) ? { bold: true, [r.pick(KEYS)]: randomJson(r) } : undefined);
        break;
      case 2:
      case 6:
        if (text.length > 0) {
          const at = r.int(0, text.length - 1);
          text.delete(at, Math.min(text.length - at, r.int(1, 20)));
        } else text.insert(0, 'x');
        break;
      case 3:
        doc.getMap(r.chance(0.7) ? 'meta' : 'comments').set(r.pick(KEYS), randomJson(r));
        break;
      case 4:
        doc.getArray('list').insert(0, [randomJson(r), new Uint8Array(r.int(0, 16))]);
        break;
      case 5: {
        const fragment = doc.getXmlFragment('prosemirror');
        const element = new Y.XmlElement(r.pick(['paragraph', 'heading', 'table', 'p']));
        element.setAttribute('level', String(r.int(1, 6)));
        element.insert(0, [new Y.XmlText(r.pick(TEXTS))]);
        fragment.insert(0, [element]);
        break;
      }
      default:
        text.format(0, Math.max(1, text.length), { italic: randomJson(r) });
    }
    doc.off('update', capture);
    const produced: Uint8Array = update ?? new Uint8Array([0, 0]);
    return r.chance(0.7) ? encodeUpdateMessage(produced) : encodeSyncStep2(produced);
  }

  #randomStateVector(): Uint8Array {
    const r = this.random;
    if (r.chance(0.1)) return new Uint8Array([0]);
    const source = this.#source();
    if (source && r.chance(0.5)) return Y.encodeStateVector(source);
    const encoder = encoding.createEncoder();
    const n = r.int(1, 5);
    encoding.writeVarUint(encoder, n);
    for (let i = 0; i < n; i++) {
      encoding.writeVarUint(encoder, r.clientId());
      encoding.writeVarUint(encoder, r.chance(0.5) ? r.int(0, 100) : r.int(0, 2 ** 31));
    }
    return encoding.toUint8Array(encoder);
  }

  /** IDs that exist in the real document (so random structs can point at them), plus random ones. */
  #someId(): [number, number] {
    const r = this.random;
    const source = this.#source();
    if (source && r.chance(0.7)) {
      const clients = [...Y.decodeStateVector(Y.encodeStateVector(source))];
      if (clients.length > 0) {
        const [client, clock] = r.pick(clients);
        return [client, r.int(0, Math.max(0, clock + 2))];
      }
    }
    return [r.clientId(), r.int(0, 1000)];
  }

  /**
   * The client ID and clock random structs are written under: a new ID, or one
   * this generator used before, at a clock around where it left off (so that
   * structs overlap or continue earlier ones). Never the ID of an honest
   * client or of a scratch document: writing under an honest editor's ID is
   * its own category (`forgedFrame`), sent from another user's socket.
   */
  #ownId(): [number, number] {
    const r = this.random;
    if (this.#forged.length === 0 || r.chance(0.5)) {
      const client = r.clientId();
      this.#forged.push(client);
      return [client, 0];
    }
    return [r.pick(this.#forged), r.int(0, 40)];
  }

  readonly #forged: number[] = [];

  /** A V1 update encoded by hand with random struct fields: often decodable, rarely sensible. */
  #randomStructs(): Uint8Array {
    const r = this.random;
    const e = encoding.createEncoder();
    const clients = r.int(1, 3);
    encoding.writeVarUint(e, clients);
    for (let c = 0; c < clients; c++) {
      const structs = r.int(1, 4);
      encoding.writeVarUint(e, structs);
      const [client, clock] = this.#ownId();
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, clock);
      for (let s = 0; s < structs; s++) {
        const ref = r.int(0, 10);
        if (ref === 0 || ref === 10) {
          encoding.writeUint8(e, ref);
          encoding.writeVarUint(e, r.int(1, 5));
          continue;
        }
        const origin = r.chance(0.5);
        const rightOrigin = r.chance(0.3);
        const parentSub = r.chance(0.3);
        encoding.writeUint8(e, ref | (origin ? 0x80 : 0) | (rightOrigin ? 0x40 : 0) | (parentSub ? 0x20 : 0));
        if (origin) this.#writeId(e);
        if (rightOrigin) this.#writeId(e);
        if (!origin && !rightOrigin) {
          if (r.chance(0.7)) {
            encoding.writeVarUint(e, 1);
            encoding.writeVarString(e, r.pick(ROOT_NAMES));
          } else {
            encoding.writeVarUint(e, 0);
            this.#writeId(e);
          }
          if (parentSub) encoding.writeVarString(e, r.pick(KEYS));
        }
        this.#writeContent(e, ref);
      }
    }
    // Delete set.
    const deleted = r.chance(0.5) ? r.int(1, 2) : 0;
    encoding.writeVarUint(e, deleted);
    for (let d = 0; d < deleted; d++) {
      const [client, clock] = this.#someId();
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, clock);
      encoding.writeVarUint(e, r.int(1, 10));
    }
    return encoding.toUint8Array(e);
  }

  /**
   * The divergence of issue 7: one struct whose rightOrigin lies left of its
   * origin in the same text ("abcdef" by client c: origin (c, 2), rightOrigin
   * (c, 1)). Yjs places it next to its origin when it arrives live, but after
   * its origin's right neighbours when a full state is read in client-ID
   * order (a reload, a new client), with equal state vectors and delete sets.
   * Origin and rightOrigin come from content that reached the honest replica
   * through the server, never from its own edits (which may still be on
   * their way), so the server holds both and must refuse the update:
   * 4400 malformed update. Null when the replica has no such content yet.
   */
  #rightOriginLeftOfOrigin(): Uint8Array | null {
    const r = this.random;
    const source = this.#source();
    if (!source) return null;
    const own = new Set([source.clientID, ...this.honestAwarenessIds]);
    const items: Y.Item[] = [];
    // Bounded: a long document is sampled from its start.
    for (let item = source.getText('content')._start; item !== null && items.length < 5_000; item = item.right) {
      if (!own.has(item.id.client) && item.length > 0) items.push(item);
    }
    if (items.length === 0 || (items.length === 1 && (items[0] as Y.Item).length < 2)) return null;
    // Two characters, the first strictly left of the second: in two items in list order, or within one item.
    let left: Y.Item;
    let right: Y.Item;
    do {
      const a = r.int(0, items.length - 1);
      const b = r.int(0, items.length - 1);
      left = items[Math.min(a, b)] as Y.Item;
      right = items[Math.max(a, b)] as Y.Item;
    } while (left === right && left.length < 2);
    const leftOffset = r.int(0, left === right ? left.length - 2 : left.length - 1);
    const rightOffset = left === right ? r.int(leftOffset + 1, right.length - 1) : r.int(0, right.length - 1);
    const e = encoding.createEncoder();
    for (const value of [1, 1, r.clientId(), 0]) encoding.writeVarUint(e, value);
    encoding.writeUint8(e, 4 | 0x80 | 0x40); // ContentString, with origin and right origin
    for (const value of [right.id.client, right.id.clock + rightOffset, left.id.client, left.id.clock + leftOffset]) encoding.writeVarUint(e, value);
    encoding.writeVarString(e, r.pick(['X', '错位', '插入']));
    encoding.writeVarUint(e, 0); // no deletions
    return encoding.toUint8Array(e);
  }

  /**
   * A frame that writes under an honest editor's Yjs client ID, meant to be
   * sent by another user with edit rights. Unchecked, it takes the ID over:
   * every replica skips the editor's next edits as already known, so they
   * vanish for everyone else and the forged text is attributed to the editor.
   *  - at (50 %): the editor's next clocks, as a copy of its replica under its
   *    ID would write them (FORGED_TEXT inserted somewhere in the text);
   *  - beyond (30 %): the same a few clocks further (a gap);
   *  - replay (20 %): one of the editor's own latest updates, resent: clocks
   *    the server has (a harmless duplicate) or will have once the editor's
   *    own frame arrives.
   * The server refuses whatever adds clocks under an ID another user owns by
   * dropping the frame (the connection stays open, so that an honest client
   * is never looped into reconnects); a duplicate passes.
   */
  forgedFrame(victim: Victim): FuzzFrame {
    const r = this.random;
    const roll = r.next();
    let update: Uint8Array;
    if (roll < 0.2 && victim.recentUpdates.length > 0) update = r.pick(victim.recentUpdates);
    else {
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(victim.doc));
      // Only now: a Y.Doc that receives structs under its own ID picks a new one.
      copy.clientID = victim.doc.clientID;
      const text = copy.getText('content');
      let produced: Uint8Array | null = null;
      copy.on('update', (u: Uint8Array) => (produced = u));
      text.insert(r.int(0, text.length), FORGED_TEXT.repeat(r.int(1, 3)));
      copy.destroy();
      update = produced ?? new Uint8Array([0, 0]);
      if (roll >= 0.7) update = withFirstClock(update, Y.getState(victim.doc.store, victim.doc.clientID) + r.int(1, 5));
    }
    return { category: 'forged-client-id', data: (r.chance(0.7) ? encodeUpdateMessage : encodeSyncStep2)(update), binary: true };
  }

  #writeId(e: encoding.Encoder): void {
    const [client, clock] = this.#someId();
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock);
  }

  #writeContent(e: encoding.Encoder, ref: number): void {
    const r = this.random;
    switch (ref) {
      case 1: // Deleted
        encoding.writeVarUint(e, r.int(1, 5));
        break;
      case 2: {
        // JSON
        const n = r.int(1, 3);
        encoding.writeVarUint(e, n);
        for (let i = 0; i < n; i++) encoding.writeVarString(e, r.chance(0.9) ? JSON.stringify(randomJson(r)) : 'undefined');
        break;
      }
      case 3: // Binary
        encoding.writeVarUint8Array(e, r.bytes(r.int(0, 32)));
        break;
      case 4: // String
        encoding.writeVarString(e, r.pick(TEXTS));
        break;
      case 5: // Embed
        encoding.writeVarString(e, JSON.stringify(randomJson(r)));
        break;
      case 6: // Format
        encoding.writeVarString(e, r.pick(KEYS));
        encoding.writeVarString(e, JSON.stringify(randomJson(r)));
        break;
      case 7: {
        // Type: 0..6 are valid; 3 (XmlElement) and 5 (XmlHook) carry a name.
        const typeRef = r.chance(0.9) ? r.int(0, 6) : r.int(7, 300);
        encoding.writeVarUint(e, typeRef);
        if (typeRef === 3 || typeRef === 5) encoding.writeVarString(e, r.pick(['p', 'table', '']));
        break;
      }
      case 8: {
        // Any
        const n = r.int(1, 3);
        encoding.writeVarUint(e, n);
        for (let i = 0; i < n; i++) encoding.writeAny(e, randomJson(r) as never);
        break;
      }
      default: // 9: Doc
        encoding.writeVarString(e, r.pick(['sub', '', 'd_x']));
        encoding.writeAny(e, (r.chance(0.7) ? { gc: r.chance(0.5) } : randomJson(r)) as never);
    }
  }

  #validAwarenessMessage(): Uint8Array {
    const r = this.random;
    const spoof = this.honestAwarenessIds.length > 0 && r.chance(0.05);
    const entries = Array.from({ length: r.int(1, 3) }, () => ({
      clientId: spoof ? r.pick(this.honestAwarenessIds) : r.clientId(),
      clock: r.int(0, 1000),
      state: r.chance(0.1) ? 'null' : JSON.stringify({ user: { name: r.pick(TEXTS), color: '#30bced' }, cursor: randomJson(r) }),
    }));
    return encodeAwarenessMessage(awarenessUpdate(entries));
  }

  #badAwareness(): Uint8Array {
    const r = this.random;
    const encoder = encoding.createEncoder();
    switch (r.int(0, 3)) {
      case 0: // not JSON
        return encodeAwarenessMessage(awarenessUpdate([{ clientId: r.clientId(), clock: 1, state: r.pick(['{', '{"user":', '', 'undefined', "{'a':1}", Buffer.from(r.bytes(20)).toString('latin1')]) }]));
      case 1: // too many entries
        encoding.writeVarUint(encoder, r.int(1001, 2 ** 20));
        return encodeAwarenessMessage(encoding.toUint8Array(encoder));
      case 2: {
        // trailing bytes
        const body = awarenessUpdate([{ clientId: r.clientId(), clock: 1, state: '{}' }]);
        return encodeAwarenessMessage(new Uint8Array([...body, ...r.bytes(r.int(1, 8))]));
      }
      default: {
        // fewer entries than announced
        encoding.writeVarUint(encoder, 3);
        encoding.writeVarUint(encoder, r.clientId());
        encoding.writeVarUint(encoder, 1);
        encoding.writeVarString(encoder, '{}');
        return encodeAwarenessMessage(encoding.toUint8Array(encoder));
      }
    }
  }

  /** A state just over the server's limit, or a frame over the frame limit. */
  #hugeAwareness(): Uint8Array {
    const r = this.random;
    const length = r.chance(0.2) ? this.#maxFrameBytes + r.int(1, 1024) : MAX_AWARENESS_STATE_BYTES + r.int(1, 64 * 1024);
    const state = JSON.stringify({ user: { name: 'x'.repeat(length) } });
    return encodeAwarenessMessage(awarenessUpdate([{ clientId: r.clientId(), clock: 1, state }]));
  }

  #concatenated(): Uint8Array {
    const r = this.random;
    const parts = Array.from({ length: r.int(2, 5) }, () => (r.chance(0.8) ? this.#validMessage() : r.bytes(r.int(1, 8))));
    return Buffer.concat(parts);
  }

  #prefixedRandom(): Uint8Array {
    const r = this.random;
    const prefix = r.pick([[0, 0], [0, 1], [0, 2], [1], [3], [0]]);
    return new Uint8Array([...prefix, ...r.bytes(r.int(0, 64))]);
  }

  #bitFlip(message: Uint8Array): Uint8Array {
    const r = this.random;
    const out = message.slice();
    for (let i = r.int(1, 4); i > 0 && out.length > 0; i--) {
      const at = r.int(0, out.length - 1);
      out[at] = (out[at] as number) ^ (1 << r.int(0, 7));
    }
    return out;
  }

  #truncate(message: Uint8Array): Uint8Array {
    return message.slice(0, this.random.int(0, Math.max(0, message.length - 1)));
  }

  /** Replaces the length varint of the message's payload (after the type bytes) with a wrong one. */
  #badLength(message: Uint8Array, huge: boolean): Uint8Array {
    const r = this.random;
    const headerLength = message[0] === 0 ? 2 : 1;
    if (message.length <= headerLength) return message;
    // Skip the original varint.
    let at = headerLength;
    let original = 0;
    let shift = 1;
    while (at < message.length) {
      const byte = message[at] as number;
      original += (byte & 0x7f) * shift;
      shift *= 128;
      at++;
      if (byte < 0x80) break;
    }
    const encoder = encoding.createEncoder();
    encoding.writeUint8Array(encoder, message.subarray(0, headerLength));
    if (huge) {
      const choice = r.int(0, 3);
      if (choice === 3) encoding.writeUint8Array(encoder, new Uint8Array(r.int(9, 12)).fill(0xff));
      else encoding.writeVarUint(encoder, [2 ** 31 - 1, 2 ** 40, Number.MAX_SAFE_INTEGER][choice] as number);
    } else {
      const choice = r.int(0, 2);
      if (choice === 0) encoding.writeVarUint(encoder, Math.max(0, original + r.int(-3, 3)));
      else if (choice === 1) encoding.writeVarUint(encoder, r.int(0, 100_000));
      else encoding.writeUint8Array(encoder, new Uint8Array([0x80, 0x80, 0x80]));
    }
    encoding.writeUint8Array(encoder, message.subarray(at));
    return encoding.toUint8Array(encoder);
  }

  #wrongType(message: Uint8Array): Uint8Array {
    const r = this.random;
    const out = message.slice();
    if (out[0] === 0 && out.length > 1 && r.chance(0.5)) out[1] = r.int(3, 127);
    else if (r.chance(0.5)) out[0] = r.pick([2, 4, 5, 127]);
    else return new Uint8Array([0xff, 0xff, 0xff, 0x7f, ...out.subarray(1)]);
    return out;
  }

  destroy(): void {
    for (const doc of [...this.#docs.clean, ...this.#docs.mutated]) doc.destroy();
  }

  /** Tiny valid frames for a flood past the per-connection rate limit. */
  floodFrame(): Uint8Array {
    return this.random.chance(0.5) ? encodeUpdateMessage(new Uint8Array([0, 0])) : encodeSyncStep1(new Uint8Array([1, 1, 0]));
  }
}

export interface FuzzOptions {
  /** Frames the server must process (the run ends once this many have been read and parsed by it). */
  frames: number;
  /** Documents the frames are spread over, one after the other (default: one per FRAMES_PER_DOCUMENT frames), all on the one server process. */
  documents?: number;
  /** Fuzz sockets open at the same time. */
  parallel: number;
  seed: number;
  /** The server's GOVDESK_SYNC_MAX_FRAME_BYTES (the fuzz server should set it low, so "too large" is cheap). */
  maxFrameBytes: number;
  /** The server's per-connection frame burst: a flood sends more than this. */
  frameBurst: number;
  /** Share of connections that flood (to exercise the rate limit). */
  floodShare: number;
  /** Honest clients make one edit every this many ms. */
  honestEditMs: number;
  /** Share of connections that forge an honest editor's client ID (default 2 %). */
  forgeShare?: number;
  /**
   * Times each document is unloaded and reloaded while it is being fuzzed
   * (default 1): the honest clients disconnect, the server drops the document
   * from memory, they edit offline and reconnect. Each document is also
   * unloaded after its last phase.
   */
  reloadsPerDocument?: number;
  onProgress?: (progress: FuzzProgress) => void;
}

export interface FuzzProgress {
  framesSent: number;
  framesProcessed: number;
  connections: number;
  elapsedMs: number;
}

export interface FuzzReport {
  /** Fuzz frames written (floods not included). */
  framesSent: number;
  /** Tiny valid frames sent by floods past the rate limit. */
  floodFrames: number;
  /** Frames the server read and parsed (every frame up to and including a socket's last). */
  framesProcessed: number;
  bytesProcessed: number;
  byCategory: Record<string, { sent: number; ok: number; malformed: number; tooLarge: number; invalidUtf8: number }>;
  connections: number;
  refusedUpgrades: Record<string, number>;
  /** Documents fuzzed (one after the other). */
  documents: number;
  /** Closes seen by the fuzz sockets, by code and reason. */
  closes: Record<string, number>;
  /** A close that did not match the prediction (e.g. an update that decoded but could not be applied). */
  unexpectedCloses: { expected: string; got: string; category: string }[];
  server: {
    receivedBytes: number;
    droppedFrames: Record<string, number>;
    closedConnections: Record<string, number>;
    updatesApplied: number;
    rssBefore: number;
    rssAfter: number;
    peakRss: number;
    /** Longest and 99th-percentile event-loop delay of the server while fuzz sockets were busy (worst segment; prom-client's monitor). */
    eventLoopLagMaxMs: number;
    eventLoopLagP99Ms: number;
    /** After each document: server RSS and V8 heap in use (not collected garbage included) once the document has been unloaded. */
    idleMemory: { rss: number; heapUsed: number; documentsLoaded: number }[];
    aliveThroughout: boolean;
    healthFailures: number;
    connectionsAfter: number;
  };
  honest: {
    edits: number;
    probesSent: number;
    probesSeen: number;
    converged: boolean;
    /** Structural problems of the converged document (docProblems), and errors editing or copying it; must be empty. */
    problems: string[];
    closes: { code: number; reason: string }[];
    /**
     * Honest documents whose Yjs client ID a forged update took over (the server
     * does not bind client IDs to connections; Yjs then picks a new ID), and
     * stock providers whose destroy() threw because of it (a y-websocket bug).
     */
    clientIdsTakenOver: number;
    destroyFailures: number;
  };
  /** Forged-client-ID frames sent, and the documents in which some copy shows forged text (a takeover; must be none). */
  forged: { frames: number; documentsShowingForgedText: string[] };
  /** Unloads of a document between its phases and after its last one: expected, and observed (no document left loaded). */
  reloads: { expected: number; observed: number };
  /** After a graceful restart the server serves exactly what it served before, and it is sound. */
  storedMatches: boolean;
  storedDetail: string;
  /**
   * Copies that differ, by visible items in item order with their content
   * (`contentDifference`), from honest client A: honest client B, what the
   * live server serves a new client, what it serves after unloading the
   * document, and after a graceful restart. Must be empty.
   */
  divergence: string[];
  durationMs: number;
}

async function metricsSnapshot(server: SyncServerProcess): Promise<Map<string, number>> {
  const text = await retry(async () => (await fetch(`${server.url}/metrics`)).text());
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(govdesk_sync_(?:received_bytes_total|dropped_frames_total|closed_connections_total|updates_total|connections|documents_loaded|nodejs_heap_size_used_bytes|nodejs_eventloop_lag_max_seconds|nodejs_eventloop_lag_p99_seconds))(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (match) values.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
  }
  return values;
}

function delta(before: Map<string, number>, after: Map<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of after) {
    if (!key.startsWith(prefix)) continue;
    const label = /reason="([^"]*)"/.exec(key)?.[1] ?? 'total';
    const change = value - (before.get(key) ?? 0);
    if (change !== 0) out[label] = change;
  }
  return out;
}

/** fetch's pooled keep-alive socket can be closed by the server just as a request goes out ("other side closed"): try again. */
async function retry<T>(attempt: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= attempts) throw error;
      await sleep(100);
    }
  }
}

/** The same state vector and delete set (Y.snapshot): all updates delivered both ways. Not the same document, see `contentDifference`. */
function sameState(a: Y.Doc, b: Y.Doc): boolean {
  return Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b));
}

/**
 * Runs the fuzz against `setup.server`, one new document after another:
 * honest clients connect, fuzz sockets send `options.frames` frames in all,
 * and at each checkpoint (see `fuzzDocument`) and after a graceful restart at
 * the end every copy of each document is compared with the honest clients'.
 */
export async function runFuzz(setup: Govdesk, options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const li = await setup.login('li');
  const wang = await setup.login('wang');
  const byCategory: FuzzReport['byCategory'] = Object.fromEntries(FUZZ_CATEGORIES.map((category) => [category, { sent: 0, ok: 0, malformed: 0, tooLarge: 0, invalidUtf8: 0 }]));
  const closes: Record<string, number> = {};
  const refusedUpgrades: Record<string, number> = {};
  const unexpectedCloses: FuzzReport['unexpectedCloses'] = [];
  const counts = { framesSent: 0, framesProcessed: 0, floodFrames: 0, bytesProcessed: 0, connections: 0 };
  const honestTotals = { edits: 0, probesSent: 0, probesSeen: 0, converged: true, problems: [] as string[], closes: [] as { code: number; reason: string }[], clientIdsTakenOver: 0, destroyFailures: 0 };
  let lagMaxMs = 0;
  let lagP99Ms = 0;
  const idleMemory: FuzzReport['server']['idleMemory'] = [];

  const server = setup.server;
  const pid = server.child.pid as number;
  const rssBefore = processMemory(pid)?.rss ?? Number.NaN;
  const before = await metricsSnapshot(server);
  let aliveThroughout = true;
  let healthFailures = 0;
  const healthTimer = setInterval(() => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) aliveThroughout = false;
    void healthy(server).then((ok) => {
      if (!ok) healthFailures++;
    });
  }, 1_000);
  const progressTimer = setInterval(() => options.onProgress?.({ ...counts, elapsedMs: performance.now() - started }), 5_000);

  const forgeShare = options.forgeShare ?? 0.02;
  const reloadsPerDocument = options.reloadsPerDocument ?? 1;
  const divergence: string[] = [];
  const mismatches: string[] = [];
  const forged: FuzzReport['forged'] = { frames: 0, documentsShowingForgedText: [] };
  const reloads = { expected: 0, observed: 0 };

  /**
   * Compares copies of a document with `reference` (honest client A) by what
   * they show, and looks for forged text in all of them. A copy that holds
   * other updates than the reference (state vector or delete set) is a
   * difference too: callers compare once every update had time to arrive.
   * Returns whether all copies are equal.
   */
  function compareCopies(documentId: string, moment: string, reference: Y.Doc, copies: [string, Y.Doc][]): boolean {
    let equal = true;
    for (const [label, copy] of copies) {
      const difference = sameState(copy, reference) ? contentDifference(copy, reference) : 'holds other updates (state vector or delete set) than honest client A';
      if (difference !== null) {
        equal = false;
        divergence.push(`${documentId} ${moment}: ${label} ≠ honest client A: ${difference}`);
      }
    }
    for (const [label, copy] of [['honest client A', reference] as [string, Y.Doc], ...copies]) {
      const text = visibleText(copy);
      if ([...FORGED_TEXT].some((character) => text.includes(character)) && !forged.documentsShowingForgedText.some((entry) => entry.startsWith(documentId))) {
        forged.documentsShowingForgedText.push(`${documentId} (${label}, ${moment})`);
      }
    }
    return equal;
  }

  // One document per segment: what the fuzz gets accepted grows the document, and every SyncStep1 answer costs a pass over it.
  const segments = Math.max(1, options.documents ?? Math.ceil(options.frames / FRAMES_PER_DOCUMENT));
  const finished: { documentId: string; expected: Uint8Array }[] = [];
  for (let segment = 0; segment < segments; segment++) {
    const start = Math.round((options.frames * segment) / segments);
    const target = Math.round((options.frames * (segment + 1)) / segments);
    const result = await fuzzDocument(segment, start, target);
    finished.push(result);
  }
  clearInterval(progressTimer);

  // All sockets gone (fuzz and honest): no connection is leaked.
  const connectionsBy = performance.now() + 10_000;
  while ((await retry(() => metric(server, 'govdesk_sync_connections'))) > 0 && performance.now() < connectionsBy) await sleep(100);
  const connectionsAfter = await retry(() => metric(server, 'govdesk_sync_connections'));
  clearInterval(healthTimer);
  if (!(await healthy(server))) healthFailures++;
  if (server.child.exitCode !== null || server.child.signalCode !== null) aliveThroughout = false;
  const after = await metricsSnapshot(server);
  const memory = processMemory(pid);

  // What the server serves now (every document was unloaded: a reload) must be what it serves after a graceful restart,
  // and both what the honest clients converged to.
  const served = new Map<string, Y.Doc>();
  for (const { documentId } of finished) served.set(documentId, (await fullSync(setup.socketUrl(documentId))).doc);
  const exitCode = await setup.server.stop('SIGTERM');
  await setup.restart();
  for (const { documentId, expected } of finished) {
    const expectedDoc = new Y.Doc();
    Y.applyUpdate(expectedDoc, expected);
    const before = served.get(documentId) as Y.Doc;
    const { doc: stored } = await fullSync(setup.socketUrl(documentId));
    const storedProblems = docProblems(stored);
    const restartDifference = sameState(stored, before) ? contentDifference(stored, before) : 'other updates (state vector or delete set)';
    const differences = [
      restartDifference === null ? null : `stored after the restart ≠ served before: ${restartDifference}`,
      storedProblems.length > 0 ? `problems: ${storedProblems.join('; ')}` : null,
    ].filter((difference) => difference !== null);
    if (differences.length > 0) mismatches.push(`${documentId}: ${differences.join('; ')}`);
    compareCopies(documentId, 'after the run', expectedDoc, [
      ['served after unloading', before],
      ['served after a graceful restart', stored],
    ]);
    for (const doc of [stored, before, expectedDoc]) doc.destroy();
  }
  const storedMatches = exitCode === 0 && mismatches.length === 0;
  const storedDetail = `graceful stop exit code ${exitCode}; ${finished.length} documents compared${mismatches.length > 0 ? `; ${mismatches.slice(0, 3).join(' | ')}` : ', all equal and sound'}`;

  return {
    ...counts,
    byCategory,
    refusedUpgrades,
    closes,
    unexpectedCloses,
    documents: finished.length,
    server: {
      receivedBytes: (after.get('govdesk_sync_received_bytes_total') ?? 0) - (before.get('govdesk_sync_received_bytes_total') ?? 0),
      droppedFrames: delta(before, after, 'govdesk_sync_dropped_frames_total'),
      closedConnections: delta(before, after, 'govdesk_sync_closed_connections_total'),
      updatesApplied: (after.get('govdesk_sync_updates_total') ?? 0) - (before.get('govdesk_sync_updates_total') ?? 0),
      rssBefore,
      eventLoopLagMaxMs: lagMaxMs,
      eventLoopLagP99Ms: lagP99Ms,
      rssAfter: memory?.rss ?? Number.NaN,
      peakRss: memory?.peak ?? Number.NaN,
      idleMemory,
      aliveThroughout,
      healthFailures,
      connectionsAfter,
    },
    honest: honestTotals,
    forged,
    reloads,
    storedMatches,
    storedDetail,
    divergence,
    durationMs: performance.now() - started,
  };

  /**
   * One segment: a new document, two honest clients editing it, fuzz sockets
   * until `target` frames in total were processed. The frames come in phases;
   * each phase ends with a checkpoint that compares every copy of the
   * document, and between phases the document is unloaded and reloaded while
   * the honest clients edit offline.
   */
  async function fuzzDocument(segment: number, start: number, target: number): Promise<{ documentId: string; expected: Uint8Array }> {
    const documentId = await setup.createDocument(`协议模糊测试 ${segment + 1}`);
    await setup.share(documentId, setup.org.li.userId, 'editor');
    await setup.share(documentId, setup.org.wang.userId, 'reader');
    const honestA = stockClient(setup.server.wsUrl, documentId, setup.owner.accessToken);
    const honestB = stockClient(setup.server.wsUrl, documentId, li.accessToken);
    const honest: StockClient[] = [honestA, honestB];
    await Promise.all(honest.map((client) => client.synced));
    const honestIds = honest.map((client) => client.doc.clientID);
    // Each honest client's latest own updates, which forgers replay.
    const victims: Victim[] = honest.map((client) => {
      const recentUpdates: Uint8Array[] = [];
      client.doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === client.provider) return;
        recentUpdates.push(update);
        if (recentUpdates.length > 20) recentUpdates.shift();
      });
      return { doc: client.doc, recentUpdates };
    });
    const honestRandom = new SeededRandom(options.seed ^ (0x5eed + segment));
    const honestErrors: string[] = [];
    // While paused (a checkpoint), nobody edits: every copy can settle.
    let paused = false;
    const edit = (client: StockClient) => {
      const text = client.text;
      try {
        if (text.length > 2_000 || (text.length > 0 && honestRandom.chance(0.3))) {
          const at = honestRandom.int(0, text.length - 1);
          text.delete(at, Math.min(text.length - at, honestRandom.int(1, 5)));
        } else {
          text.insert(honestRandom.int(0, text.length), honestRandom.pick(['通知', '请', '各单位', '认真', '贯彻执行', '。']));
        }
        honestTotals.edits++;
      } catch (error) {
        // A corrupt document makes edits throw: that is a failure of the server to protect it, reported, not a crash of the harness.
        if (honestErrors.length < 10) honestErrors.push((error as Error).message);
      }
    };
    const editTimer = setInterval(() => {
      if (!paused) for (const client of honest) edit(client);
    }, options.honestEditMs);
    // Liveness probes: each honest client writes a counter the other must see.
    let probesSent = 0;
    let probesSeen = 0;
    const probeTimer = setInterval(() => {
      if (paused) return;
      for (const [writer, reader] of [
        [honestA, honestB],
        [honestB, honestA],
      ] as const) {
        const key = `probe-${writer.doc.clientID}`;
        const value = ++probesSent;
        writer.doc.getMap('probes').set(key, value);
        const seen = () => {
          if (((reader.doc.getMap('probes').get(key) as number | undefined) ?? 0) >= value) {
            probesSeen++;
            reader.doc.getMap('probes').unobserve(seen);
          }
        };
        reader.doc.getMap('probes').observe(seen);
      }
    }, 500);

    // One generator per fuzz worker: a worker's sockets follow one another, so its scratch documents' updates reach the server in order.
    const generators = Array.from({ length: options.parallel }, (_, index) => {
      const generator = new FrameGenerator(options.seed + segment * 7919 + index * 31, () => honestA.doc, options.maxFrameBytes);
      generator.honestAwarenessIds = [...honestIds];
      return generator;
    });
    // A forger is a user with edit rights other than the victim's (a user may write under its own client IDs from any device):
    // 李娜 forges honest client A (张伟's), 张伟 forges honest client B (李娜's).
    const urls = { writer: setup.socketUrl(documentId), reader: setup.socketUrl(documentId, wang), forger: [setup.socketUrl(documentId, li), setup.socketUrl(documentId)] };

    async function fuzzSocket(random: SeededRandom, generator: FrameGenerator): Promise<void> {
      const victim = random.chance(forgeShare) ? random.int(0, honest.length - 1) : null;
      const reader = victim === null && random.chance(0.1);
      let ws: WebSocket;
      try {
        ws = await openSocket(victim !== null ? (urls.forger[victim] as string) : reader ? urls.reader : urls.writer);
      } catch (error) {
        const key = error instanceof UpgradeRefused ? String(error.status) : (error as Error).message;
        refusedUpgrades[key] = (refusedUpgrades[key] ?? 0) + 1;
        await sleep(50);
        return;
      }
      counts.connections++;
      ws.on('error', () => {});
      const closed = closeOf(ws);
      let serverClosed = false;
      void closed.then(() => (serverClosed = true));
      let expected = 'client-close';
      let lastCategory = '';
      if (victim !== null) {
        // Dropped, not closed: the connection stays open through every forgery (and the editor keeps typing meanwhile) —
        // unless the forged content is itself unsound against the server, which is checked first and refused (4400).
        // Either way nothing is applied: the takeover count and the forged text decide.
        expected = 'update-last';
        const count = random.int(1, 3);
        for (let i = 0; i < count && !serverClosed; i++) {
          const frame = generator.forgedFrame(victims[victim] as Victim);
          const stats = byCategory[frame.category]!;
          stats.sent++;
          stats.ok++;
          counts.framesSent++;
          counts.framesProcessed++;
          counts.bytesProcessed += frame.data.length;
          forged.frames++;
          lastCategory = frame.category;
          ws.send(frame.data);
          await sleep(random.int(0, 30));
        }
        if (!serverClosed) ws.close(1000);
      } else if (random.chance(options.floodShare)) {
        // Past the burst on purpose, without reading: the server must close as rate limited, or as a slow consumer
        // if the answers to the flood's SyncStep1 frames pile up unread first (CloseCode, see below).
        const count = options.frameBurst + 500;
        for (let i = 0; i < count; i++) ws.send(generator.floodFrame());
        byCategory.flood!.sent += count;
        byCategory.flood!.ok += count;
        // Counted apart: tiny valid frames, only the burst of which is certainly read before the close.
        counts.floodFrames += count;
        expected = 'rate-limited';
        lastCategory = 'flood';
      } else {
        const count = random.int(1, 30);
        for (let i = 0; i < count && !serverClosed; i++) {
          // A reader's updates are dropped: it sends none of the scratch documents' own, or their later updates would lack these.
          const frame = i < count - 1 ? generator.nextKeepingOpen(reader) : generator.next();
          const { verdict, carriesUpdate } = classify(frame, options.maxFrameBytes);
          const stats = byCategory[frame.category]!;
          stats.sent++;
          counts.framesSent++;
          lastCategory = frame.category;
          ws.send(frame.data, { binary: frame.binary });
          if (verdict === 'too-large' || verdict === 'invalid-utf8') {
            stats.tooLarge += verdict === 'too-large' ? 1 : 0;
            stats.invalidUtf8 += verdict === 'invalid-utf8' ? 1 : 0;
            expected = verdict;
            break;
          }
          counts.framesProcessed++;
          counts.bytesProcessed += frame.data.length;
          if (verdict === 'malformed') {
            stats.malformed++;
            expected = 'malformed';
            break;
          }
          stats.ok++;
          if (frame.category === 'right-origin-left-of-origin') {
            // Certain (its origins are on the server, see the generator): refused; a reader's update is dropped unread.
            expected = reader ? 'client-close' : 'refused-update';
            break;
          }
          if (carriesUpdate && frame.category !== 'update-random-doc') {
            // SeededRandom structs and mutated updates that decode may still be refused as unsound: nothing after them, so the count stays exact.
            expected = 'update-last';
            break;
          }
          // Let the socket drain now and then, as a client would.
          if (ws.bufferedAmount > 1024 * 1024) await sleep(1);
        }
        if ((expected === 'client-close' || expected === 'update-last') && !serverClosed) ws.close(1000);
      }
      const timeout = setTimeout(() => ws.terminate(), 10_000);
      const { code, reason } = await closed;
      clearTimeout(timeout);
      const got = `${code} ${reason}`.trim();
      closes[got] = (closes[got] ?? 0) + 1;
      const { malformed, tooLarge, rateLimited, slowConsumer } = CloseCode;
      const wanted = { 'client-close': [1000], 'update-last': [1000, malformed], malformed: [malformed], 'refused-update': [malformed], 'too-large': [tooLarge], 'invalid-utf8': [1007], 'rate-limited': [rateLimited, slowConsumer] }[expected] ?? [];
      const exact = code !== malformed || reason === (expected === 'malformed' ? 'malformed frame' : 'malformed update');
      // When an accepted update fails the server's check after applying it, the server drops the document from memory and
      // closes every connection to it, whatever that connection sent: timing, not a misprediction (counted in `closes`;
      // the update's own sender is closed as malformed).
      const documentReloaded = code === CloseCode.documentReloaded;
      if ((!wanted.includes(code) || !exact) && !documentReloaded) unexpectedCloses.push({ expected, got, category: lastCategory });
    }

    /** Fetches what the server serves a new client until it holds the same updates as `reference` (or time is up). */
    async function servedCopy(reference: Y.Doc): Promise<Y.Doc> {
      const by = performance.now() + 10_000;
      let { doc } = await fullSync(setup.socketUrl(documentId));
      while (!sameState(doc, reference) && performance.now() < by) {
        doc.destroy();
        await sleep(100);
        ({ doc } = await fullSync(setup.socketUrl(documentId)));
      }
      return doc;
    }

    /**
     * Stops the editing and compares, with honest client A by what they
     * show: honest client B, the live server's copy (what it serves a new
     * client now), and, once the honest clients left and the server unloaded
     * the document, the reloaded copy. Each comparison waits until the copies
     * hold the same updates: updates in flight are the only timing tolerated.
     * Copies with the same updates that show different things never heal.
     * Unless `last`, the honest clients then edit offline and reconnect.
     */
    async function checkpoint(moment: string, last: boolean): Promise<void> {
      paused = true;
      const convergeBy = performance.now() + 30_000;
      while (!sameState(honestA.doc, honestB.doc) && performance.now() < convergeBy) await sleep(100);
      if (!compareCopies(documentId, moment, honestA.doc, [['honest client B', honestB.doc]])) honestTotals.converged = false;
      const live = await servedCopy(honestA.doc);
      compareCopies(documentId, moment, honestA.doc, [['live server, served to a new client', live]]);
      live.destroy();

      for (const client of honest) {
        try {
          client.provider.disconnect();
        } catch {
          // y-websocket 3.x throws here once the doc's client ID was taken over (see the destroy below): close by hand.
          honestTotals.destroyFailures++;
          client.provider.shouldConnect = false;
          client.provider.ws?.close();
        }
      }
      reloads.expected++;
      const unloadBy = performance.now() + 10_000;
      let loaded = await retry(() => metric(server, 'govdesk_sync_documents_loaded'));
      while (loaded > 0 && performance.now() < unloadBy) {
        await sleep(100);
        loaded = await retry(() => metric(server, 'govdesk_sync_documents_loaded'));
      }
      if (loaded === 0) reloads.observed++;
      const reloaded = await servedCopy(honestA.doc);
      compareCopies(documentId, `${moment}, reloaded`, honestA.doc, [['server after unloading, served to a new client', reloaded]]);
      const problems = docProblems(reloaded);
      if (problems.length > 0) mismatches.push(`${documentId} ${moment}, reloaded: problems: ${problems.join('; ')}`);
      reloaded.destroy();
      if (last) return;

      // Offline edits: uploaded when the clients reconnect, compared at the next checkpoint.
      for (const client of honest) for (let i = honestRandom.int(1, 3); i > 0; i--) edit(client);
      for (const client of honest) client.provider.connect();
      const syncedBy = performance.now() + 15_000;
      while (honest.some((client) => !client.provider.synced) && performance.now() < syncedBy) await sleep(20);
      paused = false;
    }

    const phases = reloadsPerDocument + 1;
    for (let phase = 1; phase <= phases; phase++) {
      const phaseTarget = Math.round(start + ((target - start) * phase) / phases);
      // Reading /metrics restarts the server's event-loop delay monitor: read it at the start and right after the fuzz.
      await metricsSnapshot(server);
      const workers = Array.from({ length: options.parallel }, async (_, index) => {
        const random = new SeededRandom(options.seed + segment * 104_729 + phase * 7_907 + index + 1);
        while (counts.framesProcessed < phaseTarget) await fuzzSocket(random, generators[index] as FrameGenerator);
      });
      await Promise.all(workers);
      const lag = await metricsSnapshot(server);
      lagMaxMs = Math.max(lagMaxMs, (lag.get('govdesk_sync_nodejs_eventloop_lag_max_seconds') ?? Number.NaN) * 1000);
      lagP99Ms = Math.max(lagP99Ms, (lag.get('govdesk_sync_nodejs_eventloop_lag_p99_seconds') ?? Number.NaN) * 1000);
      await checkpoint(`phase ${phase}/${phases}`, phase === phases);
    }
    clearInterval(editTimer);
    clearInterval(probeTimer);

    // The honest clients hold the same updates at the last checkpoint, so every probe that will ever arrive has.
    honestTotals.probesSent += probesSent;
    honestTotals.probesSeen += probesSeen;
    honestTotals.problems.push(
      ...docProblems(honestA.doc),
      ...docProblems(honestB.doc),
      ...honestErrors.map((error) => `an edit threw: ${error}`),
      ...generators.flatMap((generator) => generator.sourceErrors.slice(0, 5)).map((error) => `copying it threw: ${error}`),
    );
    // What they hold, disconnected since the last checkpoint: they cannot upload anything again.
    const expected = Y.encodeStateAsUpdate(honestA.doc);
    honestTotals.closes.push(...honest.flatMap((client) => client.closes));
    honest.forEach((client, index) => {
      // A forged update that writes under an honest client's Yjs client ID makes Yjs give that document a new ID.
      if (client.doc.clientID !== honestIds[index]) honestTotals.clientIdsTakenOver++;
      try {
        client.destroy();
      } catch {
        // y-websocket 3.x then throws in destroy() (disconnectBc encodes presence under the new ID, which has none): close by hand.
        honestTotals.destroyFailures++;
        client.provider.ws?.close();
        client.doc.destroy();
      }
    });
    for (const generator of generators) generator.destroy();
    // Memory once the document has left the server (no connection, nothing loaded).
    const idleBy = performance.now() + 10_000;
    let idle = await metricsSnapshot(server);
    while (((idle.get('govdesk_sync_connections') ?? 0) > 0 || (idle.get('govdesk_sync_documents_loaded') ?? 0) > 0) && performance.now() < idleBy) {
      await sleep(100);
      idle = await metricsSnapshot(server);
    }
    idleMemory.push({ rss: processMemory(pid)?.rss ?? Number.NaN, heapUsed: idle.get('govdesk_sync_nodejs_heap_size_used_bytes') ?? Number.NaN, documentsLoaded: idle.get('govdesk_sync_documents_loaded') ?? Number.NaN });
    return { documentId, expected };
  }
}
