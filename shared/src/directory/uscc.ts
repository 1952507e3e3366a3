/**
 * 统一社会信用代码 (Unified Social Credit Code), GB 32100-2015.
 *
 * 18 characters from a 31-character alphabet (digits and upper-case letters
 * without I, O, Z, S, V): registration authority (1), organisation category (1),
 * administrative division (6 digits), subject identifier (9), check character (1).
 * The check character makes a mistyped code detectable, which matters because an
 * enterprise liaison's account is bound to the enterprise through this code.
 */

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export type UsccProblem = 'length' | 'characters' | 'checksum';

/** The check character for the first 17 characters of a code. */
export function usccCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new RangeError('usccCheckCharacter needs exactly 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = ALPHABET.indexOf(first17.charAt(i));
    if (value < 0) throw new RangeError(`invalid USCC character ${JSON.stringify(first17.charAt(i))}`);
    sum += value * (WEIGHTS[i] ?? 0);
  }
  return ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/** Why a code is not a valid 统一社会信用代码, or null when it is. */
export function usccProblem(code: string): UsccProblem | null {
  if (code.length !== 18) return 'length';
  if (!SHAPE.test(code)) return 'characters';
  return usccCheckCharacter(code.slice(0, 17)) === code.charAt(17) ? null : 'checksum';
}

export function isValidUscc(code: string): boolean {
  return usccProblem(code) === null;
}

export const USCC_PROBLEM_MESSAGES: Record<UsccProblem, { 'zh-CN': string; en: string }> = {
  length: { 'zh-CN': '统一社会信用代码应为 18 位', en: 'A unified social credit code has 18 characters' },
  characters: {
    'zh-CN': '统一社会信用代码含有不允许的字符（第 3–8 位为行政区划数字，不使用 I、O、Z、S、V）',
    en: 'The unified social credit code contains characters that are not allowed',
  },
  checksum: { 'zh-CN': '统一社会信用代码校验位不正确，请核对', en: 'The check character of the unified social credit code is wrong' },
};
