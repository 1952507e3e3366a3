import type WebSocket from 'ws';
import { encodeSyncStep1, encodeSyncStep2, encodeUpdateMessage, splitMessages } from '@govdesk/shared';
import type { SeededRandom } from '../../../test/support/seeded-random.ts';
import { EMPTY_STATE_VECTOR, EMPTY_UPDATE, firstStructId, frameBytes, openSocket, textAppendUpdate, withTimeout } from '../../test/harness/wire.ts';
import type { Ledger } from './ledger.ts';

/**
 * A bench client on one document: a raw y-protocols socket that does what a
 * stock WebsocketProvider with an empty document does on connect (sends its
 * SyncStep1 with an empty state vector, answers the server's SyncStep1 with an
 * empty update) and then only reads frame headers and struct IDs. No Y.Doc:
 * with 1,000 sockets on a 2-core machine a Y.Doc per client would make the
 * load generator, not the server, the thing being measured.
 */
export class Peer {
  readonly ws: WebSocket;
  readonly client: number;
  /** Next clock this peer writes at (one character per update, so the clock advances by one). */
  clock = 0;
  /** The server asked for a resync (a SyncStep1 after the initial one): an update of ours was dropped. */
  resyncRequests = 0;
  /** Set when the socket closed before the bench closed it. */
  unexpectedClose: { code: number; reason: string } | null = null;
  #closing = false;
  #serverStep1Seen = false;

  constructor(ws: WebSocket, client: number) {
    this.ws = ws;
    this.client = client;
  }

  /** Appends one character to this peer's run of text; records the send time in the ledger just before `ws.send`. */
  write(ledger: Ledger, text: string): void {
    const message = encodeUpdateMessage(textAppendUpdate(this.client, this.clock, text));
    ledger.sent(this.client, this.clock, performance.now());
    this.clock += 1;
    this.ws.send(message);
  }

  close(): void {
    this.#closing = true;
    this.ws.terminate();
  }

  /** Connects, syncs, and from then on reports every update frame to the ledger. */
  static async connect(url: string, client: number, ledger: Ledger, timeoutMs: number): Promise<Peer> {
    const ws = await withTimeout(openSocket(url), timeoutMs, `connecting to ${url.replace(/token=[^&]*/, 'token=…')}`);
    const peer = new Peer(ws, client);
    const synced = new Promise<void>((resolve, reject) => {
      ws.on('message', (data: WebSocket.RawData) => {
        const now = performance.now();
        for (const message of splitMessages(frameBytes(data))) {
          if (message.kind === 'update') {
            const id = firstStructId(message.update);
            // Our own update coming back (both servers echo to the sender) is not a delivery.
            if (id && id.client !== client) ledger.delivered(id.client, id.clock, now);
          } else if (message.kind === 'sync-step1') {
            if (peer.#serverStep1Seen) peer.resyncRequests += 1;
            peer.#serverStep1Seen = true;
            ws.send(encodeSyncStep2(EMPTY_UPDATE));
          } else if (message.kind === 'sync-step2') {
            resolve();
          }
        }
      });
      ws.on('close', (code: number, reason: Buffer) => {
        if (!peer.#closing) peer.unexpectedClose = { code, reason: reason.toString() };
        reject(new Error(`socket closed before sync: ${code} ${reason.toString()}`));
      });
      ws.on('error', () => {});
    });
    ws.send(encodeSyncStep1(EMPTY_STATE_VECTOR));
    await withTimeout(synced, timeoutMs, 'waiting for SyncStep2');
    return peer;
  }
}

/**
 * Every document's peers. `receivers` of an update are all other peers of its
 * document; each peer is registered in the ledger as a writer.
 */
export class Swarm {
  readonly documents: Peer[][];
  constructor(documents: Peer[][]) {
    this.documents = documents;
  }

  get peers(): Peer[] {
    return this.documents.flat();
  }

  unexpectedCloses(): { code: number; reason: string }[] {
    return this.peers.flatMap((peer) => (peer.unexpectedClose ? [peer.unexpectedClose] : []));
  }

  resyncRequests(): number {
    return this.peers.reduce((sum, peer) => sum + peer.resyncRequests, 0);
  }

  close(): void {
    for (const peer of this.peers) peer.close();
  }

  /**
   * Opens `perDocument` peers on each URL, at most `concurrency` handshakes at
   * a time (1,000 upgrades at once would measure the accept queue, not sync).
   */
  static async open(urls: readonly string[], perDocument: number, ledger: Ledger, random: SeededRandom, options: { concurrency: number; timeoutMs: number }): Promise<Swarm> {
    const jobs: { documentIndex: number; client: number; url: string }[] = [];
    urls.forEach((url, documentIndex) => {
      for (let i = 0; i < perDocument; i++) {
        const client = random.clientId();
        ledger.register(client, perDocument - 1);
        jobs.push({ documentIndex, client, url });
      }
    });
    const documents: Peer[][] = urls.map(() => []);
    const opened: Peer[] = [];
    try {
      await forEachLimited(jobs, options.concurrency, async (job) => {
        const peer = await Peer.connect(job.url, job.client, ledger, options.timeoutMs);
        opened.push(peer);
        documents[job.documentIndex]!.push(peer);
      });
    } catch (error) {
      for (const peer of opened) peer.close();
      throw error;
    }
    return new Swarm(documents);
  }
}

export async function forEachLimited<T>(items: readonly T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

