import * as Y from 'yjs';
import { applyChecked, checkUpdate, newClockClients } from '../../src/sync/integrity.ts';
import { SeededRandom } from '../../../test/support/seeded-random.ts';

/**
 * A model of honest concurrent editing against the server's acceptance rules,
 * with no I/O: real Y.Docs edit text, XML and maps, undo and redo, go offline
 * and come back; the server takes their updates in random order, sometimes
 * twice, exactly as the hub does (`checkUpdate`, then `applyChecked`), and
 * relays what it accepted in its own order. A seed fails when the server
 * refuses an honest update, or when any two of these differ in what a user
 * sees, item order included: the live server, the server reloaded from its
 * state (as after an unload, a restart or a compaction), a client joining
 * with nothing (SyncStep2, integrated in client-ID order), a replay of the
 * server's log in its order, and every editor.
 */
export interface SeedOutcome {
  failures: string[];
  /** Updates the server accepted, and ones it answered 'incomplete' (sent again later). */
  accepted: number;
  incomplete: number;
}

interface Editor {
  doc: Y.Doc;
  undo: Y.UndoManager;
  online: boolean;
  /** Own updates not yet delivered to the server. */
  outbox: Uint8Array[];
  /** How far into the server's relay this editor has read. */
  read: number;
}

const TYPES = (doc: Y.Doc) => [doc.getText('content'), doc.getXmlFragment('prosemirror'), doc.getMap('meta')];

export function runConvergenceSeed(seed: number, { editors: count = 3, steps = 60, undoShare = 0.2 } = {}): SeedOutcome {
  const random = new SeededRandom(seed);
  const server = new Y.Doc();
  const relay: Uint8Array[] = [];
  server.on('update', (update: Uint8Array) => relay.push(update));
  const failures: string[] = [];
  let accepted = 0;
  let incomplete = 0;

  const editors: Editor[] = Array.from({ length: count }, () => {
    const doc = new Y.Doc();
    const editor: Editor = { doc, undo: new Y.UndoManager(TYPES(doc), { captureTimeout: 0 }), online: true, outbox: [], read: 0 };
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'server') editor.outbox.push(update);
    });
    return editor;
  });

  /** What the hub does with an update; false when it was incomplete (the editor must send what the server lacks). */
  const offer = (update: Uint8Array, from: number): boolean => {
    const decoded = Y.decodeUpdate(update);
    const check = checkUpdate(server, decoded);
    if (!check.ok && check.kind === 'incomplete') {
      incomplete += 1;
      return false;
    }
    const verdict = check.ok ? applyChecked(server, update, newClockClients(server, decoded), `editor ${from}`, () => undefined) : check;
    if (!verdict.ok) failures.push(`seed ${seed}: editor ${from}'s honest update was refused: ${verdict.reason}`);
    else accepted += 1;
    return true;
  };

  /** Delivers some of an online editor's outbox in random order; on 'incomplete' the editor answers the server's state vector. */
  const deliver = (index: number) => {
    const editor = editors[index] as Editor;
    if (!editor.online) return;
    const batch = editor.outbox.splice(0);
    shuffle(batch, random);
    for (const update of batch) {
      if (random.chance(0.3)) {
        editor.outbox.push(update);
        continue;
      }
      if (!offer(update, index)) {
        offer(Y.encodeStateAsUpdate(editor.doc, Y.encodeStateVector(server)), index);
        continue;
      }
      // A reconnecting client may send again what the server already has.
      if (random.chance(0.05)) editor.outbox.push(update);
    }
  };

  const receive = (editor: Editor) => {
    if (!editor.online) return;
    const upTo = random.int(editor.read, relay.length);
    for (; editor.read < upTo; editor.read++) Y.applyUpdate(editor.doc, relay[editor.read] as Uint8Array, 'server');
  };

  /** Reconnection: the y-websocket handshake, SyncStep1/SyncStep2 both ways. */
  const reconnect = (index: number) => {
    const editor = editors[index] as Editor;
    editor.online = true;
    editor.outbox = [];
    offer(Y.encodeStateAsUpdate(editor.doc, Y.encodeStateVector(server)), index);
    Y.applyUpdate(editor.doc, Y.encodeStateAsUpdate(server, Y.encodeStateVector(editor.doc)), 'server');
    editor.read = relay.length;
  };

  for (let step = 0; step < steps; step++) {
    const index = random.int(0, count - 1);
    const editor = editors[index] as Editor;
    const roll = random.next();
    if (roll < 0.08) {
      if (editor.online) editor.online = false;
      else reconnect(index);
    } else if (roll < 0.08 + undoShare) {
      if (random.chance(0.6)) editor.undo.undo();
      else editor.undo.redo();
    } else {
      editAtRandom(editor.doc, random);
    }
    deliver(index);
    for (const other of editors) receive(other);
  }
  // Everyone ends with everything. Rounds repeat because applying remote formatting makes Yjs tidy it up, which is a local edit to send in turn.
  const settled = () => editors.every((editor) => editor.outbox.length === 0 && editor.read === relay.length);
  for (let round = 0; round < 10 && (round < 2 || !settled()); round++) for (let index = 0; index < count; index++) reconnect(index);
  if (!settled()) failures.push(`seed ${seed}: the editors never settled`);

  const views: [string, Y.Doc][] = [['the live server', server]];
  const reloaded = new Y.Doc();
  Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(server));
  views.push(['the server reloaded from its state', reloaded]);
  const replayed = new Y.Doc();
  Y.transact(replayed, () => {
    for (const update of relay) Y.applyUpdate(replayed, update);
  });
  views.push(["a replay of the server's log", replayed]);
  for (const [index, editor] of editors.entries()) views.push([`editor ${index}`, editor.doc]);
  const [firstName, first] = views[0] as [string, Y.Doc];
  const expected = visible(first);
  for (const [name, doc] of views.slice(1)) {
    const actual = visible(doc);
    if (actual !== expected) failures.push(`seed ${seed}: ${name} differs from ${firstName}:\n  ${actual}\n  ${expected}`);
  }
  for (const [, doc] of views) doc.destroy();
  for (const editor of editors) editor.undo.destroy();
  return { failures, accepted, incomplete };
}

/** What a user sees, in order: text with its formatting, the XML tree, the map's entries. */
export function visible(doc: Y.Doc): string {
  // A map has no order a user sees; its entries are compared sorted by key.
  const meta = Object.entries(doc.getMap('meta').toJSON()).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([doc.getText('content').toDelta(), doc.getXmlFragment('prosemirror').toString(), meta]);
}

function shuffle<T>(items: T[], random: SeededRandom): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

/** Edits like the editor's: typing and deleting (also across what others deleted meanwhile), formatting, paragraphs, metadata. */
function editAtRandom(doc: Y.Doc, random: SeededRandom): void {
  const fragment = doc.getXmlFragment('prosemirror');
  const text = doc.getText('content');
  const roll = random.next();
  if (roll < 0.3) {
    if (text.length > 2 && random.chance(0.35)) {
      const at = random.int(0, text.length - 1);
      text.delete(at, random.int(1, Math.min(4, text.length - at)));
    } else text.insert(random.int(0, text.length), random.pick(['通知', '字', '。', '关于']), random.chance(0.2) ? { bold: true } : undefined);
  } else if (roll < 0.38 && text.length > 2) {
    const at = random.int(0, text.length - 2);
    text.format(at, random.int(1, text.length - at), { italic: random.chance(0.5) ? true : null });
  } else if (roll < 0.55 || fragment.length === 0) {
    const paragraph = new Y.XmlElement('paragraph');
    if (random.chance(0.6)) paragraph.insert(0, [new Y.XmlText('段落')]);
    fragment.insert(random.int(0, fragment.length), [paragraph]);
  } else if (roll < 0.65) {
    fragment.delete(random.int(0, fragment.length - 1), 1);
  } else if (roll < 0.88) {
    const paragraph = fragment.get(random.int(0, fragment.length - 1));
    if (!(paragraph instanceof Y.XmlElement)) return;
    const inner = paragraph.get(0);
    if (inner instanceof Y.XmlText) {
      if (inner.length > 2 && random.chance(0.3)) inner.delete(random.int(0, inner.length - 2), 2);
      else inner.insert(random.int(0, inner.length), '字');
    } else paragraph.insert(0, [new Y.XmlText('新')]);
  } else {
    const meta = doc.getMap('meta');
    const key = random.pick(['title', 'docNumber', 'urgency']);
    if (meta.has(key) && random.chance(0.2)) meta.delete(key);
    else meta.set(key, `值${random.int(0, 99)}`);
  }
}
