/**
 * Standard base64 (RFC 4648 §4, with padding) in plain TypeScript, because
 * shared code may rely on neither the DOM's btoa/atob nor Node's Buffer.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const ENCODE = Uint8Array.from(ALPHABET, (char) => char.charCodeAt(0));
const PAD = 61; // '='

export function bytesToBase64(bytes: Uint8Array): string {
  const codes = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let out = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    codes[out++] = ENCODE[n >>> 18] as number;
    codes[out++] = ENCODE[(n >>> 12) & 63] as number;
    codes[out++] = ENCODE[(n >>> 6) & 63] as number;
    codes[out++] = ENCODE[n & 63] as number;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    codes[out++] = ENCODE[n >>> 18] as number;
    codes[out++] = ENCODE[(n >>> 12) & 63] as number;
    codes[out++] = rest === 2 ? (ENCODE[(n >>> 6) & 63] as number) : PAD;
    codes[out] = PAD;
  }
  const parts: string[] = [];
  // apply() over a typed array is an order of magnitude faster than spreading it.
  for (let start = 0; start < codes.length; start += 0x1000) {
    parts.push(String.fromCharCode.apply(null, codes.subarray(start, start + 0x1000) as unknown as number[]));
  }
  return parts.join('');
}

/** Throws SyntaxError on anything that is not padded standard base64. */
export function base64ToBytes(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new SyntaxError('base64 length must be a multiple of 4');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let out = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const code = text.charCodeAt(i + j);
      const isPad = code === 61 && i + j >= text.length - padding;
      const value = isPad ? 0 : code < 128 ? (DECODE[code] as number) : -1;
      if (value < 0) throw new SyntaxError(`invalid base64 character at ${i + j}`);
      n = (n << 6) | value;
    }
    if (out < bytes.length) bytes[out++] = (n >>> 16) & 255;
    if (out < bytes.length) bytes[out++] = (n >>> 8) & 255;
    if (out < bytes.length) bytes[out++] = n & 255;
  }
  return bytes;
}
