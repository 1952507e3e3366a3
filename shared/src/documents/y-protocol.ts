import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/**
 * The y-websocket wire format (y-protocols): `varUint(messageType) • payload`.
 * One definition for the sync-server, core's connection to it, and the
 * renderer's channel to core.
 */

export const MessageType = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;
export const SyncMessage = { step1: 0, step2: 1, update: 2 } as const;

export type YMessage =
  | { kind: 'sync-step1'; stateVector: Uint8Array }
  | { kind: 'sync-step2' | 'update'; update: Uint8Array }
  | { kind: 'awareness'; update: Uint8Array }
  | { kind: 'query-awareness' };

export class MalformedMessage extends Error {}

/**
 * Decodes every message of a frame and validates their payloads (state vectors
 * and updates are fully decoded), so that nothing of a malformed frame takes effect.
 */
export function decodeMessages(frame: Uint8Array): YMessage[] {
  return readMessages(frame, true);
}

/**
 * Splits a frame into its messages without decoding their payloads (views
 * into the frame, not copies): for a reader that trusts the sender, such as a
 * test client reading the server, where decoding every update would cost more
 * than the work measured.
 */
export function splitMessages(frame: Uint8Array): YMessage[] {
  return readMessages(frame, false);
}

function readMessages(frame: Uint8Array, validate: boolean): YMessage[] {
  const decoder = decoding.createDecoder(frame);
  const messages: YMessage[] = [];
  try {
    do {
      const type = decoding.readVarUint(decoder);
      if (type === MessageType.sync) {
        const syncType = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (syncType === SyncMessage.step1) {
          if (validate) Y.decodeStateVector(payload);
          messages.push({ kind: 'sync-step1', stateVector: payload });
        } else if (syncType === SyncMessage.step2 || syncType === SyncMessage.update) {
          if (validate) Y.decodeUpdate(payload);
          messages.push({ kind: syncType === SyncMessage.step2 ? 'sync-step2' : 'update', update: payload });
        } else {
          throw new MalformedMessage(`unknown sync message type ${syncType}`);
        }
      } else if (type === MessageType.awareness) {
        messages.push({ kind: 'awareness', update: decoding.readVarUint8Array(decoder) });
      } else if (type === MessageType.queryAwareness) {
        messages.push({ kind: 'query-awareness' });
      } else {
        throw new MalformedMessage(`unknown message type ${type}`);
      }
    } while (decoding.hasContent(decoder));
  } catch (error) {
    if (error instanceof MalformedMessage) throw error;
    throw new MalformedMessage(`undecodable frame: ${(error as Error).message}`);
  }
  return messages;
}

function message(type: number, syncType: number | null, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  if (syncType !== null) encoding.writeVarUint(encoder, syncType);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

export const encodeSyncStep1 = (stateVector: Uint8Array) => message(MessageType.sync, SyncMessage.step1, stateVector);
export const encodeSyncStep2 = (update: Uint8Array) => message(MessageType.sync, SyncMessage.step2, update);
export const encodeUpdateMessage = (update: Uint8Array) => message(MessageType.sync, SyncMessage.update, update);
export const encodeAwarenessMessage = (awarenessUpdate: Uint8Array) => message(MessageType.awareness, null, awarenessUpdate);
