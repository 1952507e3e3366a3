import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter } from '../../src/http/rate-limit.ts';

/** The keyed limiter's state is bounded: a flood of addresses cannot make it grow, nor make one call scan it. */
describe('keyed rate limiter state', () => {
  it('never remembers more than its capacity (10,000 keys by default), even when every key is in use at once', () => {
    const limiter = new KeyedRateLimiter(1, 2);
    // All at the same instant: none of them is idle, so none can be forgotten for free.
    for (let i = 0; i < 30_000; i++) {
      limiter.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 0);
      if (i % 100 === 0) expect(limiter.size).toBeLessThanOrEqual(10_000);
    }
    expect(limiter.size).toBe(10_000);
  });

  it('forgets the key used longest ago: a key that keeps trying stays limited, whatever else comes', () => {
    const limiter = new KeyedRateLimiter(1, 2, 1_000);
    expect(limiter.take('attacker', 0)).toBe(true);
    expect(limiter.take('attacker', 0)).toBe(true);
    for (let i = 0; i < 10_000; i++) {
      limiter.take(`key-${i}`, 100);
      if (i % 500 === 0) expect(limiter.take('attacker', 100)).toBe(false);
    }
    expect(limiter.take('attacker', 100)).toBe(false);
    // A key silent while 1,000 others came is forgotten and starts again with a full bucket, as a new one does.
    expect(limiter.take('key-0', 100)).toBe(true);
    expect(limiter.size).toBe(1_000);
  });
});
