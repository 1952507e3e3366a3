/**
 * A token bucket: `ratePerSecond` tokens accrue up to `burst`; each event
 * takes one. Used per connection (frames) and per client address (logins).
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #updatedAt: number;

  constructor(ratePerSecond: number, burst: number, now = performance.now()) {
    this.#rate = ratePerSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#updatedAt = now;
  }

  take(now = performance.now()): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#updatedAt) * this.#rate);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** One bucket per key (a client address), forgetting keys that have been idle for a while. */
export class KeyedRateLimiter {
  readonly #buckets = new Map<string, { bucket: TokenBucket; usedAt: number }>();
  readonly #rate: number;
  readonly #burst: number;

  constructor(ratePerSecond: number, burst: number) {
    this.#rate = ratePerSecond;
    this.#burst = burst;
  }

  take(key: string, now = performance.now()): boolean {
    let entry = this.#buckets.get(key);
    if (!entry) {
      if (this.#buckets.size > 10_000) this.#forgetIdle(now);
      entry = { bucket: new TokenBucket(this.#rate, this.#burst, now), usedAt: now };
      this.#buckets.set(key, entry);
    }
    entry.usedAt = now;
    return entry.bucket.take(now);
  }

  #forgetIdle(now: number): void {
    const idleFor = (this.#burst / this.#rate) * 1000;
    for (const [key, entry] of this.#buckets) if (now - entry.usedAt > idleFor) this.#buckets.delete(key);
  }
}
