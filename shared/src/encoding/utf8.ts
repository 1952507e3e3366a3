/*
 * UTF-8 through the WHATWG TextEncoder and TextDecoder, which every runtime
 * shared code runs in has (Node and the renderer's Chromium), but which
 * shared's ES-only lib does not declare.
 */
declare const TextEncoder: new () => { encode(text: string): Uint8Array };
declare const TextDecoder: new (label: 'utf-8', options?: { fatal?: boolean }) => { decode(bytes: Uint8Array): string };

export function utf8Encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** `fatal`: throw on bytes that are not UTF-8 instead of replacing them with U+FFFD. */
export function utf8Decode(bytes: Uint8Array, options: { fatal?: boolean } = {}): string {
  return new TextDecoder('utf-8', options).decode(bytes);
}
