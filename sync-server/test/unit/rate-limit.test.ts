import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter, TokenBucket } from '../../src/http/rate-limit.ts';

/** Takes tokens at one instant until the bucket refuses; returns how many it gave. */
function drain(take: () => boolean, max = 100_000): number {
  let taken = 0;
  while (taken < max && take()) taken += 1;
  return taken;
}

describe('token bucket', () => {
  it('starts full: gives exactly the burst at once, then refuses', () => {
    const bucket = new TokenBucket(10, 25, 0);
    expect(drain(() => bucket.take(0))).toBe(25);
    expect(bucket.take(0)).toBe(false);
  });

  it('refills at the sustained rate', () => {
    const bucket = new TokenBucket(10, 25, 0);
    drain(() => bucket.take(0));
    // 10 per second: one token every 100 ms, none before.
    expect(bucket.take(99)).toBe(false);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
    // Half a second later, five more.
    expect(drain(() => bucket.take(600))).toBe(5);
  });

  it('keeps fractions of a token between calls', () => {
    // One a minute, as POST /api/session is configured per minute.
    const bucket = new TokenBucket(1 / 60, 1, 0);
    expect(bucket.take(0)).toBe(true);
    expect(bucket.take(30_000)).toBe(false);
    // The half token accrued by the refused call is not lost.
    expect(bucket.take(59_999)).toBe(false);
    expect(bucket.take(60_000)).toBe(true);
  });

  it('never holds more than the burst, however long it stayed idle', () => {
    const bucket = new TokenBucket(100, 5, 0);
    drain(() => bucket.take(0));
    expect(drain(() => bucket.take(3_600_000))).toBe(5);
  });

  it('sustains the rate over a long run: refused calls do not earn extra tokens', () => {
    const bucket = new TokenBucket(50, 10, 0);
    let taken = 0;
    // A client hammering every millisecond for 10 s gets the burst plus 50 per second, not more.
    for (let now = 0; now <= 10_000; now += 1) if (bucket.take(now)) taken += 1;
    expect(taken).toBe(10 + 500);
  });
});

describe('keyed rate limiter', () => {
  it('gives each key its own bucket', () => {
    const limiter = new KeyedRateLimiter(1, 3);
    expect(drain(() => limiter.take('127.0.0.1', 0))).toBe(3);
    expect(limiter.take('127.0.0.1', 0)).toBe(false);
    // Another address is not punished for the first one's attempts.
    expect(drain(() => limiter.take('::1', 0))).toBe(3);
    expect(limiter.take('127.0.0.1', 1_000)).toBe(true);
    expect(limiter.take('127.0.0.1', 1_000)).toBe(false);
  });

  it('still limits a key that keeps trying while many other keys come and go', () => {
    const limiter = new KeyedRateLimiter(1, 2);
    drain(() => limiter.take('attacker', 0));
    // More distinct keys than the limiter remembers; the attacker, trying all along, must not be forgotten.
    for (let i = 0; i < 10_050; i++) {
      limiter.take(`10.0.${i >> 8}.${i & 255}`, 100);
      if (i % 1_000 === 0) expect(limiter.take('attacker', 100)).toBe(false);
    }
    expect(limiter.take('attacker', 100)).toBe(false);
  });
});
