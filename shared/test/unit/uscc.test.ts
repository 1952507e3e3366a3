import { describe, expect, it } from 'vitest';
import { isValidUscc, usccCheckCharacter, usccProblem } from '@govdesk/shared';

describe('统一社会信用代码 (GB 32100-2015)', () => {
  it.each([
    ['9144030071526726XG', 'a published enterprise code'],
    ['91110000802100433B', 'a published enterprise code'],
    ['11440000MB2C90001G', 'the demo government organ'],
    ['91440101MA5D8KQR2M', 'the demo enterprise'],
  ])('accepts %s (%s)', (code) => {
    expect(usccProblem(code)).toBeNull();
    expect(isValidUscc(code)).toBe(true);
  });

  it('computes the check character from the first 17 characters', () => {
    expect(usccCheckCharacter('9144030071526726X')).toBe('G');
    // A sum that is a multiple of 31 gives 0, not 31.
    const zeroCheck = Array.from({ length: 31 }, (_, i) => `9144010100000000${'0123456789ABCDEFGHJKLMNPQRTUWXY'.charAt(i)}`).find((first17) => usccCheckCharacter(first17) === '0');
    expect(zeroCheck).toBeDefined();
  });

  it('reports a wrong check character, a typo anywhere, a wrong length and forbidden letters', () => {
    expect(usccProblem('9144030071526726XA')).toBe('checksum');
    expect(usccProblem('9144030071526727XG')).toBe('checksum');
    expect(usccProblem('9144030071526726X')).toBe('length');
    expect(usccProblem('9144030071526726XGG')).toBe('length');
    expect(usccProblem('9144030071526726IG')).toBe('characters'); // I is not in the alphabet
    expect(usccProblem('91440300715267260o')).toBe('characters'); // lower case
    expect(usccProblem('91A40300715267260G')).toBe('characters'); // the division code is digits
  });

  it('detects every single-character substitution of a valid code', () => {
    const code = '91440101MA5D8KQR2M';
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    for (let position = 0; position < 18; position++) {
      for (const replacement of alphabet) {
        if (replacement === code.charAt(position)) continue;
        const typo = code.slice(0, position) + replacement + code.slice(position + 1);
        expect(isValidUscc(typo), typo).toBe(false);
      }
    }
  });
});
