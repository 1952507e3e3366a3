import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { encodeAwarenessMessage, MessageType, SyncMessage } from '@govdesk/shared';

/**
 * The y-websocket wire protocol (y-protocols), as the stock WebsocketProvider
 * speaks it: `varUint(messageType) • payload`, the document named by the URL.
 * Parsing is strict: every message of a frame is decoded and validated before
 * any of it takes effect, so a malformed frame changes nothing.
 */

// The encoders are shared with the desktop core; the server parses more strictly (awareness entries, decoded structs for the integrity check).
export { encodeAwarenessMessage as encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeUpdateMessage as encodeUpdate } from '@govdesk/shared';

/**
 * Close codes the server uses; 4xxx are application codes (RFC 6455 §7.4.2).
 * Chosen by what stock clients do with them: y-websocket 3.x stops
 * reconnecting after 4400–4499 (its `defaultShouldReconnect`) and reconnects
 * after any other code; 1.x reconnects after every code. So 4400–4499 is kept
 * for what a reconnect cannot fix, and transient conditions use 1001 or
 * 4500–4599, after which every stock provider comes back by itself.
 */
export const CloseCode = {
  goingAway: 1001,
  tooLarge: 1009,
  // Permanent: the same client would be refused again.
  malformed: 4400,
  sessionEnded: 4401,
  accessRevoked: 4403,
  // Transient: reconnecting is the cure.
  slowConsumer: 4508,
  rateLimited: 4529,
  storageFailure: 4500,
  /** The document was dropped from memory and is read again from its log (after an update that would have made copies diverge); come back. */
  documentReloaded: 4520,
} as const;

export type ClientMessage =
  | { kind: 'sync-step1'; stateVector: Uint8Array; empty: boolean }
  | { kind: 'sync-step2' | 'update'; update: Uint8Array; decoded: DecodedUpdate }
  | { kind: 'awareness'; update: Uint8Array; entries: AwarenessEntry[] }
  | { kind: 'query-awareness' };

/** An update's structs and delete set, as `Y.decodeUpdate` returns them. */
export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

export interface AwarenessEntry {
  clientId: number;
  clock: number;
  /** null: the client leaves. */
  state: unknown;
  stateLength: number;
}

export class MalformedFrame extends Error {}

/**
 * Largest presence state (JSON text, UTF-16 code units) the server accepts;
 * a larger one makes the frame malformed. The server relays no larger state,
 * its stamp included: a stock client echoes what it receives (see
 * `encodeAwarenessMessages`), and must never be refused for that.
 */
export const MAX_AWARENESS_STATE_BYTES = 8 * 1024;

/** Most entries in one awareness message; more make the frame malformed. The server relays no more in one message, and keeps no more presence states per document. */
export const MAX_AWARENESS_ENTRIES = 1000;

/** Largest awareness message the server sends, header included: `maxFrameBytes` must be at least this, or stock clients echoing presence are cut off (1009). */
export const MAX_AWARENESS_MESSAGE_BYTES = 64 * 1024;

export interface ParseLimits {
  maxAwarenessStateBytes: number;
}

/** Decodes every message of a frame (the stock client sends one; newer clients may concatenate). */
export function parseFrame(frame: Uint8Array, limits: ParseLimits): ClientMessage[] {
  const decoder = decoding.createDecoder(frame);
  const messages: ClientMessage[] = [];
  try {
    do {
      messages.push(parseMessage(decoder, limits));
    } while (decoding.hasContent(decoder));
  } catch (error) {
    if (error instanceof MalformedFrame) throw error;
    throw new MalformedFrame(`undecodable frame: ${(error as Error).message}`);
  }
  return messages;
}

function parseMessage(decoder: decoding.Decoder, limits: ParseLimits): ClientMessage {
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case MessageType.sync: {
      const syncType = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (syncType === SyncMessage.step1) {
        const stateVector = Y.decodeStateVector(payload);
        return { kind: 'sync-step1', stateVector: payload, empty: stateVector.size === 0 };
      }
      if (syncType === SyncMessage.step2 || syncType === SyncMessage.update) {
        // Decodes every struct and the delete set: a truncated or garbled update fails here, not halfway through being applied.
        const decoded = Y.decodeUpdate(payload);
        return { kind: syncType === SyncMessage.step2 ? 'sync-step2' : 'update', update: payload, decoded };
      }
      throw new MalformedFrame(`unknown sync message type ${syncType}`);
    }
    case MessageType.awareness: {
      const update = decoding.readVarUint8Array(decoder);
      return { kind: 'awareness', update, entries: parseAwarenessUpdate(update, limits) };
    }
    case MessageType.queryAwareness:
      return { kind: 'query-awareness' };
    default:
      throw new MalformedFrame(`unknown message type ${type}`);
  }
}

function parseAwarenessUpdate(update: Uint8Array, limits: ParseLimits): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  if (count > MAX_AWARENESS_ENTRIES) throw new MalformedFrame(`an awareness update with ${count} entries`);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const text = decoding.readVarString(decoder);
    // Size first: parsing a state that is refused anyway would be work done for an attacker.
    if (text.length > limits.maxAwarenessStateBytes) throw new MalformedFrame(`an awareness state of ${text.length} bytes`);
    let state: unknown;
    try {
      state = JSON.parse(text);
    } catch {
      throw new MalformedFrame('an awareness state that is not JSON');
    }
    // y-protocols types a state as an object or null; only an object can carry the server's stamp (the user's ID).
    if (state !== null && (typeof state !== 'object' || Array.isArray(state))) throw new MalformedFrame('an awareness state that is not a JSON object');
    entries.push({ clientId, clock, state, stateLength: text.length });
  }
  if (decoding.hasContent(decoder)) throw new MalformedFrame('trailing bytes after an awareness update');
  return entries;
}

/** One awareness entry as y-protocols encodes it: `varUint(clientID) • varUint(clock) • varString(JSON state)`. */
function encodeAwarenessEntry(clientId: number, clock: number, stateJson: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, clientId);
  encoding.writeVarUint(encoder, clock);
  encoding.writeVarString(encoder, stateJson);
  return encoding.toUint8Array(encoder);
}

function awarenessUpdateOf(entries: readonly Uint8Array[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) encoding.writeUint8Array(encoder, entry);
  return encoding.toUint8Array(encoder);
}

/** An awareness update (the body of an awareness message) with these entries, `stateJson` being each state's JSON text ("null": the client left). */
export function encodeAwarenessEntries(entries: readonly { clientId: number; clock: number; stateJson: string }[]): Uint8Array {
  return awarenessUpdateOf(entries.map((entry) => encodeAwarenessEntry(entry.clientId, entry.clock, entry.stateJson)));
}

/** Room for an awareness message's header: message type, the update's length, the entry count (varUints). */
const AWARENESS_HEADER_BYTES = 16;

/**
 * The presence of `clientIds` (their states, or their departure) as awareness
 * messages for clients. A stock WebsocketProvider (y-websocket 1.x and 3.x
 * alike) sends every presence change it applies straight back to the server,
 * remote ones included, in one frame: each message is therefore kept to what
 * the server accepts from a client — at most MAX_AWARENESS_ENTRIES entries and
 * MAX_AWARENESS_MESSAGE_BYTES bytes — and a larger batch is split.
 */
export function encodeAwarenessMessages(awareness: Awareness, clientIds: Iterable<number>): Uint8Array[] {
  const messages: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let bytes = AWARENESS_HEADER_BYTES;
  for (const clientId of clientIds) {
    const meta = awareness.meta.get(clientId);
    if (!meta) continue;
    const entry = encodeAwarenessEntry(clientId, meta.clock, JSON.stringify(awareness.states.get(clientId) ?? null));
    if (batch.length > 0 && (batch.length === MAX_AWARENESS_ENTRIES || bytes + entry.length > MAX_AWARENESS_MESSAGE_BYTES)) {
      messages.push(encodeAwarenessMessage(awarenessUpdateOf(batch)));
      batch = [];
      bytes = AWARENESS_HEADER_BYTES;
    }
    batch.push(entry);
    bytes += entry.length;
  }
  if (batch.length > 0) messages.push(encodeAwarenessMessage(awarenessUpdateOf(batch)));
  return messages;
}
