import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from '../../src/encoding/base64.ts';

// Pure code, but Node's Buffer is a trustworthy reference to compare with.
const reference = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('base64', () => {
  it('matches the reference encoding for every length up to 300 and round-trips', () => {
    for (let length = 0; length <= 300; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + length) % 256);
      expect(bytesToBase64(bytes)).toBe(reference(bytes));
      expect(base64ToBytes(reference(bytes))).toEqual(bytes);
    }
  });

  it('refuses malformed input', () => {
    for (const bad of ['a', 'abc', 'ab=c', '====', 'ab c', 'ab\u00e9=', 'a==b']) expect(() => base64ToBytes(bad), bad).toThrow(SyntaxError);
  });
});
