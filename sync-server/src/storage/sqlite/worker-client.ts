import { Worker } from 'node:worker_threads';

/**
 * Request/response with a worker thread: each request gets an id, the worker
 * answers `{ id, ok, ... }`. The worker starts on the first request; if it
 * dies, every waiting request fails and the next request starts a new one.
 */
export class WorkerClient<Request extends object, Answer> {
  readonly #file: URL;
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();

  constructor(file: URL) {
    this.#file = file;
  }

  request(message: Request): Promise<Answer> {
    const worker = this.#ensure();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#file);
    worker.on('message', (message: { id: number; ok: boolean; error?: string } & Answer) => {
      const waiting = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      if (!waiting) return;
      if (message.ok) waiting.resolve(message);
      else waiting.reject(new Error(message.error ?? 'the worker failed'));
    });
    const failAll = (error: Error) => {
      if (this.#worker === worker) this.#worker = null;
      for (const waiting of this.#waiting.values()) waiting.reject(error);
      this.#waiting.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the worker exited (${code})`)));
    // The worker never keeps the process alive on its own.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  /** Waits for the requests under way, then stops the worker. */
  async close(): Promise<void> {
    while (this.#waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
  }
}
