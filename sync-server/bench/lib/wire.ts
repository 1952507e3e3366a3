import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';

/**
 * A lightweight y-websocket protocol client for benches and the crash and
 * fuzz tests: raw frames on a real socket, no Y.Doc unless the caller keeps
 * one. The encoders are written here with lib0 (not imported from the server)
 * so that the server's own encoding is checked against an independent one.
 *
 * Wire format (y-protocols): `varUint(messageType) • payload`; sync messages are
 * `0 • varUint(syncType) • varByteArray`, syncType 0 = SyncStep1 (state vector),
 * 1 = SyncStep2 (update), 2 = Update; awareness is `1 • varByteArray`.
 */

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_QUERY_AWARENESS = 3;
export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

/** The state vector of an empty document: "send me everything". */
export const EMPTY_STATE_VECTOR = new Uint8Array([0]);
/** An update that changes nothing (what a stock client with an empty document answers to the server's SyncStep1). */
export const EMPTY_UPDATE = new Uint8Array([0, 0]);

function syncMessage(syncType: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, syncType);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

export const syncStep1Message = (stateVector: Uint8Array = EMPTY_STATE_VECTOR) => syncMessage(SYNC_STEP1, stateVector);
export const syncStep2Message = (update: Uint8Array) => syncMessage(SYNC_STEP2, update);
export const updateMessage = (update: Uint8Array) => syncMessage(SYNC_UPDATE, update);

export function awarenessMessage(awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, awarenessUpdate);
  return encoding.toUint8Array(encoder);
}

/** An awareness update body: `varUint(n) • n × (varUint(clientID) • varUint(clock) • varString(state))`. */
export function awarenessUpdate(entries: readonly { clientId: number; clock: number; state: string }[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return encoding.toUint8Array(encoder);
}

export type ServerMessage =
  | { kind: 'step1'; payload: Uint8Array }
  | { kind: 'step2'; payload: Uint8Array }
  | { kind: 'update'; payload: Uint8Array }
  | { kind: 'awareness'; payload: Uint8Array }
  | { kind: 'other'; type: number };

/** Splits a frame from the server into its messages (payloads are views into the frame, not copies). */
export function decodeServerFrame(frame: Uint8Array): ServerMessage[] {
  const decoder = decoding.createDecoder(frame);
  const messages: ServerMessage[] = [];
  while (decoding.hasContent(decoder)) {
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const syncType = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (syncType === SYNC_STEP1) messages.push({ kind: 'step1', payload });
      else if (syncType === SYNC_STEP2) messages.push({ kind: 'step2', payload });
      else if (syncType === SYNC_UPDATE) messages.push({ kind: 'update', payload });
      else messages.push({ kind: 'other', type: 100 + syncType });
    } else if (type === MESSAGE_AWARENESS) {
      messages.push({ kind: 'awareness', payload: decoding.readVarUint8Array(decoder) });
    } else {
      // Nothing else is expected from a server; the rest of the frame cannot be delimited.
      messages.push({ kind: 'other', type });
      break;
    }
  }
  return messages;
}

/** A frame as `ws` hands it over, viewed as bytes without copying. */
export function frameBytes(data: WebSocket.RawData): Uint8Array {
  if (Buffer.isBuffer(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return new Uint8Array(data);
}

/**
 * Reads the ID of the first struct of a V1 update without decoding the rest:
 * `varUint(clients) • varUint(structs) • varUint(client) • varUint(clock) …`.
 * A bench writer's update holds exactly one struct, so this names it.
 */
export function firstStructId(update: Uint8Array): { client: number; clock: number } | null {
  const decoder = decoding.createDecoder(update);
  if (decoding.readVarUint(decoder) === 0) return null;
  decoding.readVarUint(decoder);
  const client = decoding.readVarUint(decoder);
  const clock = decoding.readVarUint(decoder);
  return { client, clock };
}

const CONTENT_STRING = 4;
const HAS_ORIGIN = 0x80;

/**
 * The V1 update a Y.Doc would produce for appending `text` to its own
 * previous insertion in the root Y.Text `root` (at the start for clock 0):
 * one Item, origin = the last character this client inserted before.
 * Encoding it by hand costs a few hundred nanoseconds, so a bench can offer
 * tens of thousands of updates per second without a Y.Doc per writer.
 * Only valid for text of UTF-16 length 1 per character (no surrogate pairs),
 * because the clock advances by `text.length`.
 */
export function textAppendUpdate(client: number, clock: number, text: string, root = 'content'): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1); // clients
  encoding.writeVarUint(encoder, 1); // structs of this client
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, clock);
  if (clock === 0) {
    encoding.writeUint8(encoder, CONTENT_STRING);
    encoding.writeVarUint(encoder, 1); // parent is a root type, named by key
    encoding.writeVarString(encoder, root);
  } else {
    encoding.writeUint8(encoder, CONTENT_STRING | HAS_ORIGIN);
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, clock - 1);
  }
  encoding.writeVarString(encoder, text);
  encoding.writeVarUint(encoder, 0); // empty delete set
  return encoding.toUint8Array(encoder);
}

export class UpgradeRefused extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`WebSocket upgrade refused with HTTP ${status}`);
    this.status = status;
  }
}

/** Opens a WebSocket and resolves once it is open; rejects with the HTTP status if the upgrade is refused. */
export function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const onError = (error: Error) => reject(error);
    ws.once('error', onError);
    ws.once('unexpected-response', (_req, res) => {
      ws.off('error', onError);
      ws.on('error', () => {});
      reject(new UpgradeRefused(res.statusCode ?? 0));
      res.resume();
      ws.terminate();
    });
    ws.once('open', () => {
      ws.off('error', onError);
      resolve(ws);
    });
  });
}

/** Resolves with the close code and reason when the socket closes (1006 when the peer vanished). */
export function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: 1006, reason: '' });
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Deterministic pseudo-random numbers (mulberry32), so that a failing run can be replayed from its seed. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** [0, 1) */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
  /** A uint32 suitable as a Yjs client ID. */
  clientId(): number {
    return Math.floor(this.next() * 0xffffffff) >>> 0;
  }
}
