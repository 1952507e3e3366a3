import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { MessageType, SyncMessage } from '@govdesk/shared';

/**
 * The y-websocket wire protocol (y-protocols), as the stock WebsocketProvider
 * speaks it: `varUint(messageType) • payload`, the document named by the URL.
 * Parsing is strict: every message of a frame is decoded and validated before
 * any of it takes effect, so a malformed frame changes nothing.
 */

// The encoders are shared with the desktop core; the server parses more strictly (awareness entries, decoded structs for the integrity check).
export { encodeAwarenessMessage as encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeUpdateMessage as encodeUpdate } from '@govdesk/shared';

/** Close codes the server uses; 4xxx are application codes (RFC 6455 §7.4.2). */
export const CloseCode = {
  goingAway: 1001,
  tooLarge: 1009,
  malformed: 4400,
  sessionEnded: 4401,
  accessRevoked: 4403,
  slowConsumer: 4408,
  rateLimited: 4429,
  storageFailure: 4500,
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

/** Largest awareness state (JSON text, UTF-16 code units) the server accepts; a larger one makes the frame malformed. */
export const MAX_AWARENESS_STATE_BYTES = 64 * 1024;

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
  if (count > 1000) throw new MalformedFrame(`an awareness update with ${count} entries`);
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
    entries.push({ clientId, clock, state, stateLength: text.length });
  }
  if (decoding.hasContent(decoder)) throw new MalformedFrame('trailing bytes after an awareness update');
  return entries;
}
