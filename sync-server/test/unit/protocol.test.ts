import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import {
  encodeAwareness,
  encodeAwarenessMessages,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  MalformedFrame,
  MAX_AWARENESS_ENTRIES,
  MAX_AWARENESS_MESSAGE_BYTES,
  MAX_AWARENESS_STATE_BYTES,
  parseFrame,
} from '../../src/sync/protocol.ts';

const limits = { maxAwarenessStateBytes: 1024 };

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

/** A real Yjs update, as a client sends it. */
function anUpdate(text = '关于做好2026年防汛工作的通知'): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('content').insert(0, text);
  doc.getMap('meta').set('docNumber', '粤府办〔2026〕12号');
  return Y.encodeStateAsUpdate(doc);
}

/** An awareness update with raw entries, so that tests can make them wrong. */
function awarenessUpdate(entries: { clientId: number; clock: number; state: string }[], trailing: number[] = []): Uint8Array {
  return frame((encoder) => {
    encoding.writeVarUint(encoder, entries.length);
    for (const entry of entries) {
      encoding.writeVarUint(encoder, entry.clientId);
      encoding.writeVarUint(encoder, entry.clock);
      encoding.writeVarString(encoder, entry.state);
    }
    for (const byte of trailing) encoding.writeUint8(encoder, byte);
  });
}

const malformed = (bytes: Uint8Array) => () => parseFrame(bytes, limits);

describe('parseFrame: valid messages', () => {
  it('reads sync step 1, telling an empty state vector apart', () => {
    const empty = parseFrame(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())), limits);
    expect(empty).toEqual([{ kind: 'sync-step1', stateVector: expect.any(Uint8Array), empty: true }]);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, anUpdate());
    const [message] = parseFrame(encodeSyncStep1(Y.encodeStateVector(doc)), limits);
    expect(message).toMatchObject({ kind: 'sync-step1', empty: false });
    expect(Y.decodeStateVector((message as { stateVector: Uint8Array }).stateVector)).toEqual(Y.decodeStateVector(Y.encodeStateVector(doc)));
  });

  it('reads sync step 2 and updates, byte for byte', () => {
    const update = anUpdate();
    // The decoded structs travel with the bytes, so that the server checks an update without decoding it twice.
    const decoded = Y.decodeUpdate(update);
    expect(parseFrame(encodeSyncStep2(update), limits)).toEqual([{ kind: 'sync-step2', update, decoded }]);
    expect(parseFrame(encodeUpdate(update), limits)).toEqual([{ kind: 'update', update, decoded }]);
    // What the parser returns applies to a document and yields the sender's content.
    const [message] = parseFrame(encodeUpdate(update), limits);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, (message as { update: Uint8Array }).update);
    expect(doc.getText('content').toString()).toBe('关于做好2026年防汛工作的通知');
  });

  it('reads awareness with every entry, including a client leaving (null state)', () => {
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    awareness.setLocalState({ user: { name: '张伟', color: '#d4380d' }, cursor: { index: 3 } });
    const [present] = parseFrame(encodeAwareness(encodeAwarenessUpdate(awareness, [doc.clientID])), limits);
    expect(present).toMatchObject({ kind: 'awareness', entries: [{ clientId: doc.clientID, clock: 1, state: { user: { name: '张伟', color: '#d4380d' }, cursor: { index: 3 } } }] });
    awareness.setLocalState(null);
    const [leaving] = parseFrame(encodeAwareness(encodeAwarenessUpdate(awareness, [doc.clientID])), limits);
    expect(leaving).toMatchObject({ kind: 'awareness', entries: [{ clientId: doc.clientID, clock: 2, state: null }] });
  });

  it('reads a query for awareness', () => {
    expect(parseFrame(Uint8Array.of(3), limits)).toEqual([{ kind: 'query-awareness' }]);
  });

  it('reads every message of a frame that concatenates several, in order', () => {
    const update = anUpdate();
    const messages = parseFrame(concat(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())), encodeUpdate(update), Uint8Array.of(3), encodeAwareness(awarenessUpdate([{ clientId: 7, clock: 1, state: '{"user":{"name":"李娜"}}' }]))), limits);
    expect(messages.map((message) => message.kind)).toEqual(['sync-step1', 'update', 'query-awareness', 'awareness']);
    expect(messages[1]).toEqual({ kind: 'update', update, decoded: Y.decodeUpdate(update) });
  });
});

describe('parseFrame: malformed frames', () => {
  const update = anUpdate();

  it('refuses an empty frame', () => {
    expect(malformed(new Uint8Array())).toThrow(MalformedFrame);
  });

  it('refuses an unknown message type, and the auth message the server does not speak', () => {
    expect(malformed(Uint8Array.of(7))).toThrow(/unknown message type 7/);
    expect(malformed(Uint8Array.of(2, 0))).toThrow(/unknown message type 2/);
  });

  it('refuses an unknown sync message type', () => {
    expect(malformed(frame((e) => (encoding.writeVarUint(e, 0), encoding.writeVarUint(e, 3), encoding.writeVarUint8Array(e, update))))).toThrow(/unknown sync message type 3/);
  });

  it('refuses an update cut anywhere, never with anything but MalformedFrame', () => {
    const whole = encodeUpdate(update);
    for (let length = 1; length < whole.length; length++) {
      expect(malformed(whole.subarray(0, length)), `cut at ${length} of ${whole.length}`).toThrow(MalformedFrame);
    }
  });

  it('refuses an update whose declared length runs past the frame, even when the bytes after it are in memory', () => {
    // ws hands over frames that are views into larger socket buffers: the parser must not read past the view.
    const whole = encodeUpdate(update);
    const pooled = new Uint8Array(whole.length + 64);
    pooled.set(whole);
    pooled.set(update.subarray(-10), whole.length);
    const cut = pooled.subarray(0, whole.length - 10);
    expect(malformed(cut)).toThrow(MalformedFrame);
  });

  it('refuses an update payload that is not a Yjs update, within correct framing', () => {
    for (const garbage of [Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f), Uint8Array.of(5, 1, 2), update.subarray(0, update.length - 3)]) {
      expect(malformed(encodeUpdate(garbage)), [...garbage].join(',')).toThrow(MalformedFrame);
      expect(malformed(encodeSyncStep2(garbage))).toThrow(MalformedFrame);
    }
  });

  it('refuses a state vector that does not decode', () => {
    expect(malformed(encodeSyncStep1(Uint8Array.of(3, 1)))).toThrow(MalformedFrame);
  });

  it('refuses awareness whose state is not JSON', () => {
    expect(malformed(encodeAwareness(awarenessUpdate([{ clientId: 7, clock: 1, state: '{"user":' }])))).toThrow(/not JSON/);
  });

  it('refuses awareness whose state is JSON but not an object (y-protocols states are objects or null)', () => {
    for (const state of ['"张伟"', '[1,2]', '42', 'true']) expect(malformed(encodeAwareness(awarenessUpdate([{ clientId: 7, clock: 1, state }]))), state).toThrow(/not a JSON object/);
  });

  it('refuses awareness with bytes after its entries, too many entries, or an oversized state', () => {
    expect(malformed(encodeAwareness(awarenessUpdate([{ clientId: 7, clock: 1, state: '{}' }], [0])))).toThrow(/trailing bytes/);
    expect(malformed(encodeAwareness(frame((e) => encoding.writeVarUint(e, 1001))))).toThrow(/1001 entries/);
    expect(malformed(encodeAwareness(awarenessUpdate([{ clientId: 7, clock: 1, state: JSON.stringify({ name: 'x'.repeat(2000) }) }])))).toThrow(/awareness state of/);
    // One entry announced, none there.
    expect(malformed(encodeAwareness(frame((e) => encoding.writeVarUint(e, 1))))).toThrow(MalformedFrame);
  });

  it('refuses the whole frame when only its last message is bad, so nothing of it takes effect', () => {
    expect(malformed(concat(encodeUpdate(update), Uint8Array.of(9)))).toThrow(MalformedFrame);
    expect(malformed(concat(encodeUpdate(update), encodeUpdate(update).subarray(0, 8)))).toThrow(MalformedFrame);
  });
});

describe('encodeAwarenessMessages', () => {
  it('splits presence into messages the server itself accepts, since stock clients send each one back', () => {
    // The server's view: 2,500 small states and 30 of the largest allowed, as clients sent them.
    const server = new Awareness(new Y.Doc());
    server.setLocalState(null);
    const small = Array.from({ length: 2500 }, (_, i) => ({ clientId: 10_000 + i, clock: 1, state: JSON.stringify({ user: { name: `参会人${i}` } }) }));
    const large = Array.from({ length: 30 }, (_, i) => ({ clientId: 20_000 + i, clock: 3, state: JSON.stringify({ note: '汛'.repeat(MAX_AWARENESS_STATE_BYTES - 20) }) }));
    applyAwarenessUpdate(server, awarenessUpdate([...small, ...large]), 'client');
    const ids = [...server.getStates().keys()];

    const messages = encodeAwarenessMessages(server, ids);
    expect(messages.length).toBeGreaterThan(3);
    const relayed = new Map<number, unknown>();
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(MAX_AWARENESS_MESSAGE_BYTES);
      const [parsed] = parseFrame(message, { maxAwarenessStateBytes: MAX_AWARENESS_STATE_BYTES });
      if (parsed?.kind !== 'awareness') throw new Error('not an awareness message');
      expect(parsed.entries.length).toBeLessThanOrEqual(MAX_AWARENESS_ENTRIES);
      for (const entry of parsed.entries) relayed.set(entry.clientId, entry.state);
    }
    expect([...relayed.keys()]).toEqual(ids);
    for (const id of ids) expect(relayed.get(id)).toEqual(server.getStates().get(id));

    // A stock client applies each message and echoes what changed in one frame: the same size, so accepted as well.
    const client = new Awareness(new Y.Doc());
    for (const message of messages) {
      let echo: Uint8Array | null = null;
      const onUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => (echo = encodeAwareness(encodeAwarenessUpdate(client, [...added, ...updated, ...removed])));
      client.on('update', onUpdate);
      const [parsed] = parseFrame(message, { maxAwarenessStateBytes: MAX_AWARENESS_STATE_BYTES });
      if (parsed?.kind === 'awareness') applyAwarenessUpdate(client, parsed.update, 'server');
      client.off('update', onUpdate);
      expect(echo).not.toBeNull();
      expect(echo!.length).toBeLessThanOrEqual(MAX_AWARENESS_MESSAGE_BYTES);
      expect(() => parseFrame(echo!, { maxAwarenessStateBytes: MAX_AWARENESS_STATE_BYTES })).not.toThrow();
    }
    server.destroy();
    client.destroy();
  });

  it('encodes departures (null) and nothing for an ID without a clock', () => {
    const server = new Awareness(new Y.Doc());
    server.setLocalState(null);
    applyAwarenessUpdate(server, awarenessUpdate([{ clientId: 7, clock: 1, state: '{"user":{"name":"李娜"}}' }]), 'client');
    applyAwarenessUpdate(server, awarenessUpdate([{ clientId: 7, clock: 2, state: 'null' }]), 'client');
    const [parsed] = encodeAwarenessMessages(server, [7, 8]).map((message) => parseFrame(message, limits)[0]);
    expect(parsed).toMatchObject({ kind: 'awareness', entries: [{ clientId: 7, clock: 2, state: null }] });
    expect(encodeAwarenessMessages(server, [8])).toEqual([]);
    server.destroy();
  });
});
