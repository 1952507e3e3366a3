import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeMessages, encodeAwarenessMessage, encodeSyncStep1, encodeSyncStep2, encodeUpdateMessage, MalformedMessage, splitMessages } from '@govdesk/shared';

const concat = (...frames: Uint8Array[]) => new Uint8Array(frames.flatMap((frame) => [...frame]));

describe('y-protocol frames', () => {
  const doc = new Y.Doc();
  doc.getText('content').insert(0, '关于做好防汛工作的通知');
  const update = Y.encodeStateAsUpdate(doc);
  const stateVector = Y.encodeStateVector(doc);
  const frame = concat(encodeSyncStep1(stateVector), encodeSyncStep2(update), encodeUpdateMessage(update), encodeAwarenessMessage(Uint8Array.of(0)), Uint8Array.of(3));
  const expected = [
    { kind: 'sync-step1', stateVector },
    { kind: 'sync-step2', update },
    { kind: 'update', update },
    { kind: 'awareness', update: Uint8Array.of(0) },
    { kind: 'query-awareness' },
  ];

  it('decodes and splits every message of a frame alike', () => {
    expect(decodeMessages(frame)).toEqual(expected);
    expect(splitMessages(frame)).toEqual(expected);
  });

  it('splits without decoding payloads; decoding refuses an update that does not decode', () => {
    const garbled = encodeUpdateMessage(Uint8Array.of(5, 200, 1));
    expect(() => decodeMessages(garbled)).toThrow(MalformedMessage);
    expect(splitMessages(garbled)).toEqual([{ kind: 'update', update: Uint8Array.of(5, 200, 1) }]);
  });

  it('both refuse what cannot be delimited or is of an unknown type', () => {
    for (const read of [decodeMessages, splitMessages]) {
      expect(() => read(Uint8Array.of(7))).toThrow(/unknown message type 7/);
      expect(() => read(Uint8Array.of(0, 3, 0))).toThrow(/unknown sync message type 3/);
      expect(() => read(Uint8Array.of(0, 1, 9, 1))).toThrow(/undecodable frame/);
    }
  });
});
