import { describe, expect, it } from 'vitest';
import { initialsOf, termsOf } from '../../src/directory/search-index.ts';

/** Pinyin initials as people type them to find a colleague: `zw` for 张伟. Pure. */
describe('pinyin initials of names', () => {
  it('reads a surname as a surname, not as the word it also is', () => {
    const usual = (name: string) => initialsOf(name)[0];
    expect(usual('张伟')).toBe('zw');
    expect(usual('曾伟')).toBe('zw'); // not céng
    expect(usual('单雪')).toBe('sx'); // shàn, not dān
    expect(usual('解放')).toBe('xf'); // xiè, not jiě
    expect(usual('仇静')).toBe('qj'); // qiú, not chóu
    expect(usual('区华')).toBe('oh'); // ōu, not qū
    expect(usual('朴敏')).toBe('pm'); // piáo, not pǔ
    expect(usual('查明')).toBe('zm'); // zhā, not chá
    expect(usual('乐乐')?.[0]).toBe('y'); // yuè as a surname
    expect(usual('欧阳娜')).toBe('oyn');
  });

  it('keeps the other readings of polyphonic characters, so that a search by initials never misses', () => {
    const readings = initialsOf('王朝阳');
    // 朝 is zhāo in 朝阳 and cháo elsewhere: both initials strings are kept, the usual one first.
    expect(readings).toContain('wzy');
    expect(readings).toContain('wcy');
    expect(new Set(readings).size).toBe(readings.length);
    expect(initialsOf('曾曾曾曾曾曾曾曾曾曾').length).toBeLessThanOrEqual(16);
  });

  it('ranks an exact name above a name it begins, above a name it is inside, above initials', () => {
    const terms = termsOf('张伟明', initialsOf('张伟明'));
    expect(terms.get('张伟明')).toBe(0);
    expect(terms.get('张伟')).toBe(1);
    expect(terms.get('伟明')).toBe(2);
    expect(terms.get('伟')).toBe(2);
    expect(terms.get('zwm')).toBe(3);
    expect(terms.get('zw')).toBe(4);
    expect(terms.has('wm')).toBe(false); // initials match from the start only
  });
});
