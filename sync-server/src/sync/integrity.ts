import * as Y from 'yjs';

/**
 * Checks a decoded update against the document before it is applied.
 *
 * Yjs trusts updates: one that decodes but points where it must not (an
 * insertion whose left and right neighbours live in different types, a parent
 * that is not a type, a reference to itself or to content that does not
 * exist, a struct of length 0) is integrated anyway or throws half-way, and
 * leaves a struct store that makes later edits throw, on the server and on
 * every client it is relayed to. Fuzzing found this. The server therefore
 * accepts only updates that apply cleanly to what it holds:
 *
 *  - `malformed`: the update cannot be valid anywhere (refused, socket closed);
 *  - `incomplete`: it depends on content the server does not have (yet). Yjs
 *    would keep it as "pending" in memory: neither durable nor relayed, yet
 *    included in SyncStep2 answers. It is dropped instead, and the client is
 *    sent the server's state vector, so that it answers with everything the
 *    server lacks (stock clients and GovDesk's own do).
 */
export type UpdateCheck = { ok: true } | { ok: false; kind: 'malformed' | 'incomplete'; reason: string };

type Decoded = ReturnType<typeof Y.decodeUpdate>;
type Struct = Decoded['structs'][number];

const OK: UpdateCheck = { ok: true };
const malformed = (reason: string): UpdateCheck => ({ ok: false, kind: 'malformed', reason });
const incomplete = (reason: string): UpdateCheck => ({ ok: false, kind: 'incomplete', reason });

/** Where an item lives: its parent type (a root name or the ID of the type's item) and map key; 'gc' when that is collected. */
type Place = { parent: string; sub: string | null } | 'gc';

class Refused extends Error {
  readonly check: UpdateCheck;
  constructor(check: UpdateCheck) {
    super();
    this.check = check;
  }
}

export function checkUpdate(doc: Y.Doc, decoded: Decoded): UpdateCheck {
  try {
    return check(doc, decoded);
  } catch (error) {
    if (error instanceof Refused) return error.check;
    // Whatever could not be checked (a lookup Yjs refuses, references nested too deep to follow) is not applied either.
    return malformed(`the update could not be checked: ${(error as Error).message}`);
  }
}

function check(doc: Y.Doc, { structs, ds }: Decoded): UpdateCheck {
  const store = doc.store;
  const budget = orderBudget(structs.length);
  // The update's structs per client, in clock order, and where each client's run ends.
  const own = new Map<number, Struct[]>();
  for (const struct of structs) {
    if (struct instanceof Y.Skip) return incomplete('a gap (skip) inside the update');
    if (struct.length < 1) return malformed('a struct of length 0');
    const client = struct.id.client;
    const run = own.get(client);
    if (!run) {
      if (struct.id.clock > Y.getState(store, client)) return incomplete(`client ${client} starts at ${struct.id.clock}, the server has ${Y.getState(store, client)}`);
      own.set(client, [struct]);
      continue;
    }
    const last = run[run.length - 1] as Struct;
    if (struct.id.clock !== last.id.clock + last.length) return malformed(`client ${client} appears twice or out of order`);
    run.push(struct);
  }

  const places = new Map<Struct, Place | 'resolving'>();

  /** The struct holding `id`: in the update (if beyond what the server has) or in the document; undefined when neither has it. */
  const lookup = (id: Y.ID): { struct: Struct | Y.Item | Y.GC; inUpdate: boolean } | undefined => {
    if (id.clock < Y.getState(store, id.client)) return { struct: Y.getItem(store, id) as Y.Item | Y.GC, inUpdate: false };
    const run = own.get(id.client);
    if (!run) return undefined;
    let low = 0;
    let high = run.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const struct = run[mid] as Struct;
      if (id.clock < struct.id.clock) high = mid - 1;
      else if (id.clock >= struct.id.clock + struct.length) low = mid + 1;
      else return { struct, inUpdate: true };
    }
    return undefined;
  };

  const typePlace = (type: Y.AbstractType<unknown>): string => {
    const item = type._item;
    return item ? `${item.id.client}:${item.id.clock}` : `root:${Y.findRootTypeKey(type)}`;
  };

  /** The place of the struct holding `id`, as seen from `from` (which must not depend on itself). */
  const placeOf = (id: Y.ID, from: Struct): Place => {
    if (id.client === from.id.client && id.clock >= from.id.clock) throw new Refused(malformed('a struct refers to itself or to a later struct of its own client'));
    const found = lookup(id);
    if (!found) throw new Refused(incomplete(`refers to ${id.client}:${id.clock}, which the server does not have`));
    if (!found.inUpdate) return placeOfKnown(id);
    return placeInUpdate(found.struct as Struct);
  };

  const placeInUpdate = (struct: Struct): Place => {
    const known = places.get(struct);
    if (known === 'resolving') throw new Refused(malformed('structs of the update refer to each other in a cycle'));
    if (known) return known;
    places.set(struct, 'resolving');
    const place = resolve(struct);
    places.set(struct, place);
    return place;
  };

  /** The update's own delete set, per client as sorted disjoint ranges; built once (sorting per lookup made a 349 KB frame of map structs take seconds). */
  let deleted: Map<number, { clock: number; end: number }[]> | null = null;
  const deletedHere = (client: number, clock: number, length: number): boolean => {
    deleted ??= mergedRanges(ds.clients);
    const ranges = deleted.get(client);
    if (!ranges) return false;
    // The last range starting at or before `clock`.
    let low = 0;
    let high = ranges.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((ranges[mid] as { clock: number }).clock <= clock) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found >= 0 && (ranges[found] as { end: number }).end >= clock + length;
  };

  const samePlace = (a: Place, b: Place) => a === b || (a !== 'gc' && b !== 'gc' && a.parent === b.parent && a.sub === b.sub);

  /** Where Yjs will put the struct: decided by its left and right origins, else by its parent field. */
  const resolve = (struct: Struct): Place => {
    if (!(struct instanceof Y.Item)) return 'gc';
    // Yjs looks the references up even for structs it then skips as known, so they must all exist.
    const left = struct.origin ? placeOf(struct.origin, struct) : null;
    const right = struct.rightOrigin ? placeOf(struct.rightOrigin, struct) : null;
    let place: Place;
    if (left && right && !samePlace(left, right) && left !== 'gc' && right !== 'gc') throw new Refused(malformed('an insertion between neighbours of different types'));
    // Yjs writes a map entry with no right origin (a decoded struct with origins carries no key: the right origin's place tells); one with a right origin would be placed differently by replicas that hold different entries of the key.
    if (right !== null && right !== 'gc' && right.sub !== null) throw new Refused(malformed('a map entry with a right origin'));
    if (left === 'gc' || right === 'gc') place = 'gc';
    else if (left || right) place = (left ?? right) as Place;
    else place = parentPlace(struct);
    // A map entry holds one value; only deleted content may be longer (merged deletions).
    if (place !== 'gc' && place.sub !== null && struct.length > 1 && !(struct.content instanceof Y.ContentDeleted) && !deletedHere(struct.id.client, struct.id.clock, struct.length)) {
      throw new Refused(malformed('a map entry longer than one value'));
    }
    // A struct the server has the start of is integrated after its own known part: that must be in the same place.
    const state = Y.getState(store, struct.id.client);
    if (struct.id.clock < state && struct.id.clock + struct.length > state && !samePlace(placeOfKnown(Y.createID(struct.id.client, state - 1)), place)) {
      throw new Refused(malformed('a struct continues one that is somewhere else'));
    }
    // The order rule (checkIntegrated) can be checked before anything is applied when the neighbours are already here: refused then, it costs nobody else a reconnect.
    if (place !== 'gc' && (struct.origin || struct.rightOrigin) && struct.id.clock >= state && !(struct.origin && lookup(struct.origin)?.inUpdate) && !(struct.rightOrigin && lookup(struct.rightOrigin)?.inUpdate)) {
      const order = orderAmongKnown(store, struct, budget);
      if (!order.ok) throw new Refused(order);
    }
    return place;
  };

  const parentPlace = (struct: Y.Item): Place => {
    const parent = struct.parent as unknown;
    if (typeof parent === 'string') return { parent: `root:${parent}`, sub: struct.parentSub };
    if (parent instanceof Y.ID) {
      if (parent.client === struct.id.client && parent.clock >= struct.id.clock) throw new Refused(malformed('a struct is its own parent'));
      const found = lookup(parent);
      if (!found) throw new Refused(incomplete(`parent ${parent.client}:${parent.clock} is not there`));
      if (found.struct instanceof Y.GC) return 'gc';
      const item = found.struct as Y.Item;
      if (found.inUpdate) placeInUpdate(item);
      // Yjs collects an item whose parent is not a type (anymore): a paragraph another user deleted meanwhile is the everyday case.
      if (!(item.content instanceof Y.ContentType) || item.id.clock !== parent.clock) return 'gc';
      return { parent: `${parent.client}:${parent.clock}`, sub: struct.parentSub };
    }
    throw new Refused(malformed('an item without a parent'));
  };

  /** The place of a struct the server already has. */
  const placeOfKnown = (id: Y.ID): Place => {
    const struct = Y.getItem(store, id) as Y.Item | Y.GC;
    if (struct instanceof Y.GC) return 'gc';
    return struct.parent instanceof Y.AbstractType ? { parent: typePlace(struct.parent), sub: struct.parentSub } : 'gc';
  };

  for (const run of own.values()) for (const struct of run) placeInUpdate(struct);

  for (const [client, ranges] of ds.clients) {
    const run = own.get(client);
    const last = run?.[run.length - 1];
    const end = Math.max(Y.getState(store, client), last ? last.id.clock + last.length : 0);
    for (const range of ranges) {
      if (range.len < 1) return malformed('an empty deletion');
      if (range.clock + range.len > end) return incomplete(`deletes ${client}:${range.clock}+${range.len}, beyond what exists`);
    }
  }
  return OK;
}

/** Sorted, merged ranges per client (adjacent and overlapping ranges joined). */
function mergedRanges(clients: Map<number, { clock: number; len: number }[]>): Map<number, { clock: number; end: number }[]> {
  const merged = new Map<number, { clock: number; end: number }[]>();
  for (const [client, ranges] of clients) {
    const sorted = [...ranges].sort((a, b) => a.clock - b.clock);
    const out: { clock: number; end: number }[] = [];
    for (const range of sorted) {
      const last = out[out.length - 1];
      if (last && range.clock <= last.end) last.end = Math.max(last.end, range.clock + range.len);
      else out.push({ clock: range.clock, end: range.clock + range.len });
    }
    merged.set(client, out);
  }
  return merged;
}

/** The clients under which the update adds clocks the document does not have yet. */
export function newClockClients(doc: Y.Doc, { structs }: Decoded): Set<number> {
  const clients = new Set<number>();
  for (const struct of structs) if (struct.id.clock + struct.length > Y.getState(doc.store, struct.id.client)) clients.add(struct.id.client);
  return clients;
}

/**
 * Applies an update that `checkUpdate` accepted, and checks the order of what
 * it placed (`checkIntegrated`) inside the same transaction, so that the
 * document's 'update' listeners run after the verdict is known. When it is
 * not ok the document holds the update all the same and must be dropped.
 */
export function applyChecked(doc: Y.Doc, update: Uint8Array, clients: Iterable<number>, origin: unknown, onRefused: () => void): UpdateCheck {
  let verdict: UpdateCheck = OK;
  try {
    Y.transact(
      doc,
      (transaction) => {
        try {
          Y.applyUpdate(doc, update, origin);
          verdict = checkIntegrated(doc, transaction.beforeState, clients);
        } catch (error) {
          // Before the transaction ends: its 'update' event must already see the document refused.
          onRefused();
          throw error;
        }
        if (!verdict.ok) onRefused();
      },
      origin,
    );
  } catch (error) {
    // Thrown half-way (a case the pre-check missed): whatever was placed is as untrustworthy.
    onRefused();
    return malformed(`the update could not be applied: ${(error as Error).message}`);
  }
  return verdict;
}

/**
 * Whether an item between the origins of `item` is one its writer must have
 * seen there: another client's, at or below a clock `item` refers to. The
 * writer's own earlier items do not count: they are in every replica before
 * `item` is (Yjs integrates a client's structs in clock order), so they do not
 * make its place depend on delivery order, and Yjs's own redo puts them there
 * (an item redone into a restored paragraph takes the nearest restored
 * neighbours as origins, with the writer's undone text between them).
 */
function seenBy(item: Y.Item): (id: Y.ID) => boolean {
  const writer = item.id.client;
  const known = new Map<number, number>();
  const parent = item.parent instanceof Y.AbstractType ? (item.parent._item?.id ?? null) : item.parent instanceof Y.ID ? item.parent : null;
  for (const id of [item.origin, item.rightOrigin, parent]) if (id && id.client !== writer && (known.get(id.client) ?? -1) < id.clock) known.set(id.client, id.clock);
  return (id) => id.clock <= (known.get(id.client) ?? -1);
}

const holds = (item: Y.Item, id: Y.ID) => item.id.client === id.client && item.id.clock <= id.clock && id.clock < item.id.clock + item.length;

/**
 * The order rule for a struct not yet applied whose origins the document
 * already has (see `checkIntegrated`): the items between them now are a subset
 * of those the check after applying would walk, so this refuses nothing that
 * check would accept.
 */
function orderAmongKnown(store: Y.Doc['store'], item: Y.Item, budget: Budget): UpdateCheck {
  const { origin, rightOrigin: right } = item;
  const seen = seenBy(item);
  const between = malformed('an item its writer had seen lies between its origins');
  if (origin) {
    const start = Y.getItem(store, origin);
    if (!(start instanceof Y.Item)) return OK;
    if (right && holds(start, right)) return right.clock === origin.clock + 1 ? OK : malformed('the right origin is not next to the origin');
    // What follows the origin inside its own item lies between the two.
    if (origin.clock + 1 < start.id.clock + start.length && seen(Y.createID(origin.client, origin.clock + 1))) return between;
    let other = start.right;
    while (other !== null && !(right && holds(other, right))) {
      if (seen(other.id)) return between;
      // Out of steps: the check after applying decides.
      if (--budget.steps < 0) return OK;
      other = other.right;
    }
    if (!right) return OK;
    if (other === null) return malformed('the right origin is not on the right of the origin');
    // The part of the right origin's item before it (that client's earlier clocks, which the writer had) would lie between too.
    return other.id.clock === right.clock ? OK : between;
  }
  if (!right) return OK;
  // No origin: the item goes first, so everything left of its right origin must be news to its writer.
  const end = Y.getItem(store, right);
  if (!(end instanceof Y.Item)) return OK;
  if (end.id.clock !== right.clock) return between;
  for (let other = end.left; other !== null; other = other.left) {
    if (seen(other.id)) return between;
    if (--budget.steps < 0) return OK;
  }
  return OK;
}

/**
 * Steps the order walks of one update may take, before and after applying
 * each: a fixed allowance plus a few per struct, so that checking stays
 * linear in the update's size. A live edit walks past only what was written
 * concurrently at the same place; an upload of a long history walks past
 * everything written later in between, and is checked by position instead.
 */
type Budget = { steps: number };
const orderBudget = (structs: number): Budget => ({ steps: 100_000 + 16 * structs });

/**
 * The order check, run on the items an update has just integrated (inside
 * its transaction, before Yjs merges or collects anything).
 *
 * Why it exists: Yjs places an item by scanning from its left origin O
 * towards its right origin R (YATA, `Item.integrate`), and the result is the
 * same in every replica and every delivery order only because an honest
 * writer saw O and R side by side: whatever lies between them in any replica
 * was written concurrently, by someone the writer had not heard from, and
 * the scan orders such items deterministically. An update that names an R to
 * the left of O, or an O and R with items between them that the writer must
 * have seen, is placed one way by the live document and another way by a
 * replica that integrates in another order (a reload, a compaction, a new
 * client's SyncStep2, which integrate in client-ID order). State vectors and
 * delete sets stay equal, so sync never repairs it.
 *
 * The rule, for every integrated item X with a parent:
 *  - walking left from X reaches O (or the start of the list when X has
 *    none), and walking right reaches R (or the end);
 *  - no item passed on the way is one X's writer must have seen: for every
 *    other client X refers to (O, R, the parent), its clocks up to the one
 *    referred to (Yjs integrates each client's structs in clock order, so
 *    holding clock k means holding all before it). The writer's own earlier
 *    items are exempt (see `seenBy`).
 * An honest writer never fails it: O and R were neighbours when it wrote X
 * (or, for Yjs's redo, had only its own items between them), every item it
 * had seen keeps its relative order in every replica, so what else lies
 * between O and X or X and R now came from writers it had not heard from. `test/unit/integrity.test.ts` checks this over random concurrent
 * sessions of real Y.Docs.
 */
export function checkIntegrated(doc: Y.Doc, beforeState: ReadonlyMap<number, number>, clients: Iterable<number>): UpdateCheck {
  const store = doc.store;
  const items: Y.Item[] = [];
  for (const client of clients) {
    const structs = store.clients.get(client);
    const from = beforeState.get(client) ?? 0;
    if (!structs || Y.getState(store, client) <= from) continue;
    for (let index = Y.findIndexSS(structs, from); index < structs.length; index++) {
      const item = structs[index];
      if (item instanceof Y.Item && item.parent instanceof Y.AbstractType) items.push(item);
    }
  }
  const budget = orderBudget(items.length);
  for (const item of items) {
    const seen = seenBy(item);
    for (const [step, target] of [['left', item.origin], ['right', item.rightOrigin]] as const) {
      let other = item[step];
      while (other !== null && !(target && holds(other, target))) {
        if (seen(other.id)) return malformed(`${item.id.client}:${item.id.clock} lies beyond an item its writer had seen from its ${step} origin`);
        // A large upload (a whole document's history, a long offline session) walks past everything written later between an item and its origins: check its order in one pass instead.
        if (--budget.steps < 0) return orderByPosition(store, items);
        other = other[step];
      }
      if (other === null && target) return malformed(`the ${step} origin of ${item.id.client}:${item.id.clock} is not on its ${step}`);
    }
  }
  return OK;
}

/**
 * The order rule's first half for many items at once: each sequence item
 * lies after its origin and before its right origin, read from one pass
 * over every list they are in (linear in the lists' length). Map entries
 * keep their walk: a key's entries are few. What is not checked here is
 * which items lie between (see `checkIntegrated`).
 */
function orderByPosition(store: Y.Doc['store'], items: readonly Y.Item[]): UpdateCheck {
  const position = new Map<Y.Item, number>();
  for (const parent of new Set(items.filter((item) => item.parentSub === null).map((item) => item.parent as Y.AbstractType<unknown>))) {
    let at = 0;
    for (let item = parent._start; item !== null; item = item.right) position.set(item, at++);
  }
  const positionOf = (id: Y.ID) => {
    const found = Y.getItem(store, id);
    return found instanceof Y.Item ? position.get(found) : undefined;
  };
  for (const item of items) {
    if (item.parentSub !== null) {
      for (let other = item.left; item.origin && !(other && holds(other, item.origin)); other = other.left) if (other === null) return malformed('a map entry is not after its origin');
      continue;
    }
    const at = position.get(item) as number;
    const left = item.origin ? positionOf(item.origin) : -1;
    const right = item.rightOrigin ? positionOf(item.rightOrigin) : Infinity;
    if (left === undefined || right === undefined || !(left < at && at < right)) return malformed(`${item.id.client}:${item.id.clock} is not between its origins`);
  }
  return OK;
}
