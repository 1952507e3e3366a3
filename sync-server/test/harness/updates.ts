import * as encoding from 'lib0/encoding';
import type * as Y from 'yjs';

/** A V1 update with one item written by hand: `info` says which of origin, right origin and parent follow. */
export function handWritten(client: number, clock: number, fields: { origin?: Y.ID; rightOrigin?: Y.ID; parentRoot?: string; parentId?: Y.ID; parentSub?: string }, content: { string: string } | { any: unknown[] }, deletions: [number, number, number][] = []): Uint8Array {
  const encoder = encoding.createEncoder();
  for (const value of [1, 1, client, clock]) encoding.writeVarUint(encoder, value);
  const contentRef = 'string' in content ? 4 : 8;
  const info = contentRef | (fields.origin ? 0x80 : 0) | (fields.rightOrigin ? 0x40 : 0) | (fields.parentSub !== undefined ? 0x20 : 0);
  encoding.writeUint8(encoder, info);
  if (fields.origin) for (const value of [fields.origin.client, fields.origin.clock]) encoding.writeVarUint(encoder, value);
  if (fields.rightOrigin) for (const value of [fields.rightOrigin.client, fields.rightOrigin.clock]) encoding.writeVarUint(encoder, value);
  if (!fields.origin && !fields.rightOrigin) {
    if (fields.parentRoot !== undefined) {
      encoding.writeVarUint(encoder, 1);
      encoding.writeVarString(encoder, fields.parentRoot);
    } else {
      encoding.writeVarUint(encoder, 0);
      for (const value of [fields.parentId!.client, fields.parentId!.clock]) encoding.writeVarUint(encoder, value);
    }
    if (fields.parentSub !== undefined) encoding.writeVarString(encoder, fields.parentSub);
  }
  if ('string' in content) encoding.writeVarString(encoder, content.string);
  else {
    encoding.writeVarUint(encoder, content.any.length);
    for (const value of content.any) encoding.writeAny(encoder, value as never);
  }
  const byClient = new Map<number, [number, number][]>();
  for (const [who, at, len] of deletions) byClient.set(who, [...(byClient.get(who) ?? []), [at, len]]);
  encoding.writeVarUint(encoder, byClient.size);
  for (const [who, ranges] of byClient) {
    encoding.writeVarUint(encoder, who);
    encoding.writeVarUint(encoder, ranges.length);
    for (const [at, len] of ranges) {
      encoding.writeVarUint(encoder, at);
      encoding.writeVarUint(encoder, len);
    }
  }
  return encoding.toUint8Array(encoder);
}
