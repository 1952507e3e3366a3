/**
 * JSON with byte arrays, for channels that carry text (browser mode's
 * WebSocket). Electron IPC uses structured clone and needs none of this.
 * A Uint8Array travels as `{ "$bytes": "<base64>" }`.
 */

import { base64ToBytes, bytesToBase64 } from '../encoding/base64.ts';

const BYTES = '$bytes';

export function encodeFrame(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (item instanceof Uint8Array ? { [BYTES]: bytesToBase64(item) } : item));
}

/** Throws SyntaxError on text that is not JSON; byte fields that are not base64 throw too. */
export function decodeFrame(text: string): unknown {
  // A reviver makes JSON.parse several times slower (a room list of a thousand rooms: tens of milliseconds), and most
  // frames carry no bytes. encodeFrame writes the key as is; a frame spelling it with \u escapes decodes to a plain
  // object, which the contract's schemas refuse wherever bytes belong.
  if (!text.includes(`"${BYTES}"`)) return JSON.parse(text);
  return JSON.parse(text, (_key, item: unknown) => {
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const keys = Object.keys(item);
      if (keys.length === 1 && keys[0] === BYTES) {
        const encoded = (item as Record<string, unknown>)[BYTES];
        if (typeof encoded !== 'string') throw new SyntaxError('$bytes must be a base64 string');
        return base64ToBytes(encoded);
      }
    }
    return item;
  });
}
