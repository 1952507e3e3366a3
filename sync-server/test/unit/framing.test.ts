import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { framed } from '../../src/sync/connection.ts';

// ws's own framing, which the pre-framed broadcast must equal byte for byte (it is not in ws's type declarations).
const wsFrame = (ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender.frame;

describe('framed: one WebSocket frame for every receiver', () => {
  it.each([0, 1, 125, 126, 65_535, 65_536, 300_000])('equals what ws writes for a binary message of %i bytes', (length) => {
    const payload = new Uint8Array(length).map((_, i) => i % 251);
    const expected = Buffer.concat(wsFrame(Buffer.from(payload), { fin: true, rsv1: false, opcode: 2, mask: false, readOnly: false }));
    expect(framed(payload).bytes.equals(expected)).toBe(true);
  });
});
