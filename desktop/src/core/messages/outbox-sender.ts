import { CLASSIFIED_REFUSAL, messageMarking } from '@govdesk/shared';
import type { MatrixCache } from '../store/matrix-cache.ts';
import type { Outbox, OutboxEntry } from '../store/outbox.ts';
import { MatrixRequestError, matrixPath, type MatrixHttp } from './matrix-http.ts';

/**
 * Sends the outbox, one entry at a time in the order written, with plain
 * PUTs under each entry's own transaction ID (so an attempt whose answer was
 * lost cannot post twice). An entry never overtakes an earlier pending one.
 * A network failure keeps the entry first in line and waits (jittered
 * backoff, cut short by `kick`); a refusal marks it failed, worded for the
 * user. Read receipts given offline go after the messages.
 */

const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/** Why the homeserver refused a message, in the user's words. */
export function refusalText(error: MatrixRequestError): string {
  switch (error.errcode) {
    case 'M_FORBIDDEN':
      return '没有在此会话中发言的权限';
    case 'M_NOT_FOUND':
      return '会话不存在或已被删除';
    case 'M_TOO_LARGE':
      return '消息过大，服务器拒收';
    default:
      if (error.status === 413) return '消息过大，服务器拒收';
      return `服务器拒绝了此消息（${error.errcode ?? error.status ?? '未知原因'}）`;
  }
}

/** 涉密不上网, checked once more on the way out: whatever put it in the outbox, a marked text never leaves. */
export function classifiedOutboxText(entry: Pick<OutboxEntry, 'content'>): boolean {
  const texts: unknown[] = [entry.content.body, entry.content.filename];
  const newContent = entry.content['m.new_content'];
  if (typeof newContent === 'object' && newContent !== null) texts.push((newContent as Record<string, unknown>).body, (newContent as Record<string, unknown>).filename);
  return texts.some((text) => typeof text === 'string' && messageMarking(text) !== null);
}

export interface OutboxSenderOptions {
  outbox: Outbox;
  cache: MatrixCache;
  http: MatrixHttp;
  /** An entry changed state (sent, failed). */
  onEntry(entry: OutboxEntry): void;
  log?: ((message: string, details?: Record<string, unknown>) => void) | undefined;
}

export class OutboxSender {
  readonly #options: OutboxSenderOptions;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #kicked = false;
  #failures = 0;

  constructor(options: OutboxSenderOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run().catch((error: unknown) => this.#options.log?.('the outbox stopped', { level: 'error', error: String(error) }));
  }

  /** Something to send, or the network is back: go now, not after the backoff. */
  kick(): void {
    this.#kicked = true;
    this.#failures = 0;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      this.#kicked = false;
      const entry = this.#options.outbox.next();
      const sent = entry ? await this.#send(entry) : await this.#sendReads();
      if (!this.#running) return;
      if (sent === 'retry') await this.#wait(this.#backoff());
      else if (sent === 'idle') await this.#wait(null);
    }
  }

  /** 'done': on to the next; 'retry': the network failed, wait; 'idle': nothing left. */
  async #send(entry: OutboxEntry): Promise<'done' | 'retry'> {
    const { outbox, http } = this.#options;
    if (classifiedOutboxText(entry)) {
      if (outbox.markFailed(entry.id, CLASSIFIED_REFUSAL['zh-CN'])) this.#changed(entry);
      return 'done';
    }
    try {
      const path =
        entry.eventType === 'm.room.redaction'
          ? matrixPath`/_matrix/client/v3/rooms/${entry.roomId}/redact/${String(entry.content.redacts)}/${entry.txnId}`
          : matrixPath`/_matrix/client/v3/rooms/${entry.roomId}/send/${entry.eventType}/${entry.txnId}`;
      const body = entry.eventType === 'm.room.redaction' ? {} : entry.content;
      const answer = await http.json<{ event_id?: unknown }>('PUT', path, { body });
      if (typeof answer.event_id !== 'string') throw new MatrixRequestError('busy', 'the homeserver answered without an event ID');
      this.#failures = 0;
      // false: its echo came through sync first and finished the entry.
      if (outbox.markSent(entry.id, answer.event_id)) this.#changed(entry);
      return 'done';
    } catch (error) {
      if (!(error instanceof MatrixRequestError)) throw error;
      // An ended session is not the message's fault: it waits for the next login.
      if (error.transient || error.errcode === 'M_UNKNOWN_TOKEN') {
        outbox.recordAttempt(entry.id, error.message);
        this.#failures++;
        return 'retry';
      }
      this.#options.log?.('the homeserver refused a message', { level: 'warn', roomId: entry.roomId, error: error.message });
      if (outbox.markFailed(entry.id, refusalText(error))) this.#changed(entry);
      return 'done';
    }
  }

  async #sendReads(): Promise<'done' | 'retry' | 'idle'> {
    const { cache, http } = this.#options;
    const read = cache.pendingReads()[0];
    if (!read) return 'idle';
    try {
      await http.json('POST', matrixPath`/_matrix/client/v3/rooms/${read.roomId}/read_markers`, { body: { 'm.fully_read': read.eventId, 'm.read': read.eventId } });
    } catch (error) {
      if (!(error instanceof MatrixRequestError)) throw error;
      if (error.transient || error.errcode === 'M_UNKNOWN_TOKEN') {
        this.#failures++;
        return 'retry';
      }
      // A receipt the homeserver will never take (the room is gone): nothing to tell the user.
      this.#options.log?.('the homeserver refused a read receipt', { level: 'warn', roomId: read.roomId, error: error.message });
    }
    this.#failures = 0;
    cache.readSent(read.roomId, read.eventId);
    return 'done';
  }

  #changed(entry: OutboxEntry): void {
    const now = this.#options.outbox.byTxn(entry.txnId);
    if (now) this.#options.onEntry(now);
  }

  #backoff(): number {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, this.#failures - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /** Until kicked, or `ms` passed (null: only a kick). */
  #wait(ms: number | null): Promise<void> {
    if (this.#kicked || !this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(done, ms);
      function done(): void {
        if (timer) clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }
}
