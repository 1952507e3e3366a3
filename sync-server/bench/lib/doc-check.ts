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
