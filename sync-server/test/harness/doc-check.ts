import { contentDigest } from '@govdesk/shared';
import * as Y from 'yjs';

/**
 * Structural integrity of a Y.Doc, for the fuzz harness: a document can
 * "converge" and still be corrupt (items linked into the wrong type, pending
 * structs, a store that later edits throw on). Returns the problems found
 * (empty when sound):
 *  - every client's structs are contiguous, each of length ≥ 1;
 *  - every item's parent is a type and the item is linked into exactly that
 *    type's list (or its map chain for the item's key), with consistent
 *    left/right links;
 *  - nothing is pending;
 *  - the state encodes and decodes into an equal document.
 */
export function docProblems(doc: Y.Doc, limit = 10): string[] {
  const problems: string[] = [];
  const report = (problem: string) => {
    if (problems.length < limit) problems.push(problem);
  };
  const store = doc.store;
  if (store.pendingStructs) report('pending structs');
  if (store.pendingDs) report('pending delete set');

  let items = 0;
  for (const [client, structs] of store.clients) {
    let clock = 0;
    for (const struct of structs) {
      if (struct.id.client !== client || struct.id.clock !== clock) report(`client ${client}: struct at ${struct.id.clock}, expected ${clock}`);
      if (struct.length < 1) report(`client ${client}: struct of length ${struct.length} at ${struct.id.clock}`);
      clock = struct.id.clock + struct.length;
      if (struct instanceof Y.Item) {
        items++;
        if (!(struct.parent instanceof Y.AbstractType)) report(`item ${client}:${struct.id.clock} has no parent type`);
      }
    }
  }

  // Walk every type reachable from the roots; every item must be met exactly once, where its parent says.
  const seen = new Set<Y.Item>();
  const types = [...doc.share.values()];
  const id = (item: Y.Item) => `${item.id.client}:${item.id.clock}`;
  while (types.length > 0) {
    const type = types.pop() as (typeof types)[number];
    let previous: Y.Item | null = null;
    for (let item = type._start; item !== null; item = item.right) {
      if (seen.has(item)) {
        report(`item ${id(item)} linked twice (a cycle or two lists)`);
        break;
      }
      seen.add(item);
      if (item.parent !== type) report(`item ${id(item)} is in the list of a type that is not its parent`);
      if (item.parentSub !== null) report(`map entry ${id(item)} in a list`);
      if (item.left !== previous) report(`item ${id(item)}: left link broken`);
      if (item.content instanceof Y.ContentType) types.push(item.content.type);
      previous = item;
    }
    for (const [key, last] of type._map) {
      if (last.right !== null) report(`map entry ${key} of ${id(last)} is not the last of its chain`);
      let right: Y.Item | null = null;
      for (let item: Y.Item | null = last; item !== null; item = item.left) {
        if (seen.has(item)) {
          report(`item ${id(item)} linked twice (map chain)`);
          break;
        }
        seen.add(item);
        if (item.parent !== type || item.parentSub !== key) report(`map entry ${id(item)} is in the chain of another type or key`);
        if (item.right !== right) report(`map entry ${id(item)}: right link broken`);
        if (item.content instanceof Y.ContentType) types.push(item.content.type);
        right = item;
      }
    }
  }
  if (seen.size !== items) report(`${items - seen.size} items are not reachable from their parent`);

  try {
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    if (!Y.equalSnapshots(Y.snapshot(copy), Y.snapshot(doc))) report('the encoded state decodes into a different document');
    copy.destroy();
  } catch (error) {
    report(`the encoded state does not decode: ${(error as Error).message}`);
  }
  return problems;
}

/**
 * Where two copies of a document differ in what they show, or null when they
 * show the same: every root's visible items in item order with their content
 * and formatting, and its live map entries (`contentDigest` of
 * `@govdesk/shared`, the digest clients compare with the server's). State
 * vectors and delete sets are not enough: the divergence of issue 7 leaves
 * both equal and the items in a different order. The description names the
 * first root that differs, in `visibleText` form.
 */
export function contentDifference(a: Y.Doc, b: Y.Doc): string | null {
  if (contentDigest(a) === contentDigest(b)) return null;
  const names = [...new Set([...a.share.keys(), ...b.share.keys()])].sort();
  for (const name of names) {
    const left = rootText(a, name);
    const right = rootText(b, name);
    if (left === right) continue;
    let at = 0;
    while (at < left.length && left[at] === right[at]) at++;
    const excerpt = (text: string) => JSON.stringify(text.slice(Math.max(0, at - 12), at + 24));
    return `root "${name}": ${left.length} vs ${right.length} visible characters, first difference at ${at}: ${excerpt(left)} vs ${excerpt(right)}`;
  }
  return 'same visible text, different formatting';
}

/**
 * What a document shows, as readable text: per root, its visible strings in
 * item order, other visible values and nested types in ⟦…⟧, and its live map
 * entries sorted by key. For reports and for finding marked text; equality is
 * decided by `contentDifference`.
 */
export function visibleText(doc: Y.Doc): string {
  return [...doc.share.keys()]
    .sort()
    .map((name) => rootText(doc, name))
    .filter((text) => text !== '')
    .join('\n');
}

function rootText(doc: Y.Doc, name: string): string {
  const type = doc.share.get(name);
  if (!type) return '';
  const body = typeText(type);
  return body === '' ? '' : `${name}: ${body}`;
}

/** Reads only the item list and the map, so any type fits, whatever its event type. */
function typeText(type: Pick<Y.AbstractType<unknown>, '_start' | '_map'>): string {
  let out = '';
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted || !item.countable) continue;
    if (item.content instanceof Y.ContentString) out += item.content.str;
    else for (const value of item.content.getContent() as unknown[]) out += `⟦${valueText(value)}⟧`;
  }
  const keys = [...type._map].filter(([, item]) => !item.deleted).map(([key]) => key);
  for (const key of keys.sort()) {
    const content = (type._map.get(key) as Y.Item).content.getContent() as unknown[];
    out += ` {${key}=${valueText(content[content.length - 1])}}`;
  }
  return out;
}

function valueText(value: unknown): string {
  if (value instanceof Y.AbstractType) return `${value.constructor.name}(${typeText(value)})`;
  if (value instanceof Y.Doc) return `Doc(${value.guid})`;
  // Values decoded from lib0's any-encoding may be bigints, which JSON.stringify refuses.
  return JSON.stringify(value, (_, element: unknown) => (typeof element === 'bigint' ? `${element}n` : element)) ?? String(value);
}
