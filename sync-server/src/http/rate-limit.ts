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

/**
 * One bucket per key (a client address), for at most `capacity` keys. The map
 * keeps its keys in order of last use (a key used is moved to the end), so the
 * one to forget is always the first: every call is O(1) amortised, and the
 * state never passes `capacity`. An idle key goes first, which changes nothing
 * (its bucket had filled up again, as a new one starts). A key still refilling
 * is forgotten only after `capacity` other keys were used since its last try:
 * whoever commands that many addresses gets a fresh burst from each anyway.
 */
export class KeyedRateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #capacity: number;

  constructor(ratePerSecond: number, burst: number, capacity = 10_000) {
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#capacity = capacity;
  }

  /** Keys remembered now. */
  get size(): number {
    return this.#buckets.size;
  }

  take(key: string, now = performance.now()): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key);
    } else {
      bucket = new TokenBucket(this.#rate, this.#burst, now);
      if (this.#buckets.size >= this.#capacity) this.#buckets.delete(this.#buckets.keys().next().value as string);
    }
    this.#buckets.set(key, bucket);
    return bucket.take(now);
  }
}
