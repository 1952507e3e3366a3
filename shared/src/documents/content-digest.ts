import * as encoding from 'lib0/encoding';
import { digest as sha256 } from 'lib0/hash/sha256';
import * as Y from 'yjs';

/**
 * A SHA-256 digest (hex) of what a Y.Doc shows: every root type with visible
 * content, by name, and inside each type its visible items in list order with
 * their content — text with the formatting in effect, embeds, values, nested
 * types with their kind, element names and attributes — and its live map
 * entries sorted by key.
 *
 * Two copies of a document that hold the same structs and deletions must show
 * the same thing; this digest is how a client checks that its copy and the
 * server's do (see docs/architecture.md). It therefore reads only what a user
 * sees: not client IDs, clocks, how items happen to be split or merged,
 * deleted or garbage-collected content, the order in which map keys or object
 * properties were written, or whether a root type was ever given a type (a
 * server that only relays updates holds untyped roots).
 */
export function contentDigest(doc: Y.Doc): string {
  const encoder = encoding.createEncoder();
  for (const name of [...doc.share.keys()].sort()) {
    const body = encoding.createEncoder();
    // A root with nothing visible is skipped: calling getText('x') without writing creates it on one side only.
    if (writeType(body, doc.share.get(name) as Y.AbstractType<unknown>) === 0) continue;
    encoding.writeVarString(encoder, name);
    encoding.writeVarUint8Array(encoder, encoding.toUint8Array(body));
  }
  const hash = sha256(encoding.toUint8Array(encoder));
  return Array.from(hash, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const Tag = {
  endOfSequence: 0,
  text: 1,
  element: 2,
  endOfMap: 3,
  entry: 4,
  type: 5,
  subdocument: 6,
  null: 7,
  undefined: 8,
  true: 9,
  false: 10,
  number: 11,
  bigint: 12,
  string: 13,
  bytes: 14,
  array: 15,
  object: 16,
} as const;

/** Writes a type's sequence and map; returns how many visible elements and entries it has. */
function writeType(encoder: encoding.Encoder, type: Y.AbstractType<unknown>): number {
  let visible = 0;
  // Formatting is a marker item in the sequence; what counts is the set of attributes in effect at each element.
  const attributes = new Map<string, unknown>();
  let attributesBytes = encodeAttributes(attributes);
  let run = '';
  let runAttributes = attributesBytes;
  const endRun = () => {
    if (run === '') return;
    encoding.writeUint8(encoder, Tag.text);
    encoding.writeVarUint8Array(encoder, runAttributes);
    encoding.writeVarString(encoder, run);
    run = '';
  };
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted) continue;
    const content = item.content;
    if (content instanceof Y.ContentFormat) {
      if (content.value === null) attributes.delete(content.key);
      else attributes.set(content.key, content.value);
      attributesBytes = encodeAttributes(attributes);
      continue;
    }
    if (!item.countable) continue;
    if (content instanceof Y.ContentString) {
      // Adjacent characters with the same formatting form one run, however Yjs split them into items.
      if (run !== '' && !equalBytes(runAttributes, attributesBytes)) endRun();
      runAttributes = attributesBytes;
      run += content.str;
      visible += 1;
      continue;
    }
    endRun();
    for (const value of content.getContent() as unknown[]) {
      encoding.writeUint8(encoder, Tag.element);
      encoding.writeVarUint8Array(encoder, attributesBytes);
      writeValue(encoder, value);
      visible += 1;
    }
  }
  endRun();
  encoding.writeUint8(encoder, Tag.endOfSequence);
  const keys = [...type._map].filter(([, item]) => !item.deleted).map(([key]) => key);
  for (const key of keys.sort()) {
    const content = (type._map.get(key) as Y.Item).content.getContent() as unknown[];
    encoding.writeUint8(encoder, Tag.entry);
    encoding.writeVarString(encoder, key);
    // As Y.Map reads it: the last value of the entry's item.
    writeValue(encoder, content[content.length - 1]);
    visible += 1;
  }
  encoding.writeUint8(encoder, Tag.endOfMap);
  return visible;
}

function encodeAttributes(attributes: Map<string, unknown>): Uint8Array {
  const encoder = encoding.createEncoder();
  writeValue(encoder, Object.fromEntries(attributes));
  return encoding.toUint8Array(encoder);
}

/** The kind of a nested type and its name (element and hook names), as a user sees them. */
function kindOf(type: Y.AbstractType<unknown>): [string, string] {
  // Subclasses first: XmlText is a Text, XmlElement an XmlFragment, XmlHook a Map.
  if (type instanceof Y.XmlElement) return ['element', type.nodeName];
  if (type instanceof Y.XmlHook) return ['hook', type.hookName];
  if (type instanceof Y.XmlText) return ['xml-text', ''];
  if (type instanceof Y.XmlFragment) return ['fragment', ''];
  if (type instanceof Y.Text) return ['text', ''];
  if (type instanceof Y.Array) return ['array', ''];
  if (type instanceof Y.Map) return ['map', ''];
  return ['type', ''];
}

function writeValue(encoder: encoding.Encoder, value: unknown): void {
  if (value instanceof Y.AbstractType) {
    const [kind, name] = kindOf(value);
    encoding.writeUint8(encoder, Tag.type);
    encoding.writeVarString(encoder, kind);
    encoding.writeVarString(encoder, name);
    writeType(encoder, value);
  } else if (value instanceof Y.Doc) {
    encoding.writeUint8(encoder, Tag.subdocument);
    encoding.writeVarString(encoder, value.guid);
  } else if (value === null) {
    encoding.writeUint8(encoder, Tag.null);
  } else if (value === undefined) {
    encoding.writeUint8(encoder, Tag.undefined);
  } else if (typeof value === 'boolean') {
    encoding.writeUint8(encoder, value ? Tag.true : Tag.false);
  } else if (typeof value === 'number') {
    encoding.writeUint8(encoder, Tag.number);
    // -0 shows as 0, and lib0 may write one as the other when an update is encoded again.
    encoding.writeFloat64(encoder, value === 0 ? 0 : value);
  } else if (typeof value === 'bigint') {
    encoding.writeUint8(encoder, Tag.bigint);
    encoding.writeVarString(encoder, value.toString());
  } else if (typeof value === 'string') {
    encoding.writeUint8(encoder, Tag.string);
    encoding.writeVarString(encoder, value);
  } else if (value instanceof Uint8Array) {
    encoding.writeUint8(encoder, Tag.bytes);
    encoding.writeVarUint8Array(encoder, value);
  } else if (Array.isArray(value)) {
    encoding.writeUint8(encoder, Tag.array);
    encoding.writeVarUint(encoder, value.length);
    for (const element of value as unknown[]) writeValue(encoder, element);
  } else {
    // Properties sorted: {a, b} and {b, a} show the same.
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    encoding.writeUint8(encoder, Tag.object);
    encoding.writeVarUint(encoder, entries.length);
    for (const [key, element] of entries) {
      encoding.writeVarString(encoder, key);
      writeValue(encoder, element);
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
