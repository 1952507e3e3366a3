import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';

/**
 * What the benches and the crash and fuzz tests need on a raw socket besides
 * the y-websocket messages themselves (encoded and split by
 * `@govdesk/shared`'s y-protocol.ts): opening and closing sockets, frames as
 * bytes, and updates and awareness bodies written by hand, so that a bench can
 * offer tens of thousands of updates per second without a Y.Doc per writer.
 */

/** The state vector of an empty document: "send me everything". */
export const EMPTY_STATE_VECTOR = new Uint8Array([0]);
/** An update that changes nothing (what a stock client with an empty document answers to the server's SyncStep1). */
export const EMPTY_UPDATE = new Uint8Array([0, 0]);

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

/** `promise`, or an error naming `what` was being waited for once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
