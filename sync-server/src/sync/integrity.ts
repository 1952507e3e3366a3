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

  /** Whether the update's own delete set covers the range. */
  const deletedHere = (client: number, clock: number, length: number): boolean => {
    const ranges = [...(ds.clients.get(client) ?? [])].sort((a, b) => a.clock - b.clock);
    let covered = clock;
    for (const range of ranges) {
      if (range.clock > covered) break;
      covered = Math.max(covered, range.clock + range.len);
    }
    return covered >= clock + length;
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
