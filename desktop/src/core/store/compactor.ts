import { Worker } from 'node:worker_threads';
import type { LocalCompactionRequest, LocalCompactionResponse } from './compaction-worker.ts';

/**
 * Where the worker's code is. From source it sits beside this file; the
 * Electron core process is a bundle and names its bundled worker instead.
 */
export type WorkerLocation = string | URL;

const workerBesideSource = (): URL => new URL('./compaction-worker.ts', import.meta.url);

/** Compaction requests to the worker thread; one worker per store, started on first use. */
export class Compactor {
  readonly #dataDir: string;
  readonly #key: Uint8Array;
  readonly #workerLocation: WorkerLocation | undefined;
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #waiting = new Map<number, { resolve: (merged: number) => void; reject: (error: Error) => void }>();

  constructor(dataDir: string, key: Uint8Array, workerLocation?: WorkerLocation) {
    this.#dataDir = dataDir;
    this.#key = key;
    this.#workerLocation = workerLocation;
  }

  /** Merges the log up to `upToSeq` into the snapshot; resolves with how many updates were merged. */
  compact(docId: string, upToSeq: number): Promise<number> {
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, dataDir: this.#dataDir, key: this.#key, docId, upToSeq } satisfies LocalCompactionRequest);
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#workerLocation ?? workerBesideSource());
    worker.on('message', (message: LocalCompactionResponse) => {
      const waiting = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      if (message.ok) waiting?.resolve(message.merged);
      else waiting?.reject(new Error(`compaction failed: ${message.error}`));
    });
    const failAll = (error: Error) => {
      for (const waiting of this.#waiting.values()) waiting.reject(error);
      this.#waiting.clear();
      this.#worker = null;
    };
    worker.on('error', failAll);
    worker.on('exit', () => failAll(new Error('the compaction worker exited')));
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
  }
}
