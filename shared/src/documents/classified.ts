/**
 * 涉密不上网，上网不涉密: GovDesk never carries classified material. A text
 * carrying a 密级 marking (秘密, 机密 or 绝密, as GB/T 9704 prints it in the
 * 版头, usually with ★ and a 保密期限) is refused wherever it enters.
 */

const MARKING = /(绝密|机密|秘密)\s*(★|☆|\*|＊)|^\s*(?:[【[（(]\s*(绝密|机密|秘密)\s*[】\]）)]|(绝密|机密|秘密)(?=\s|$|★|☆|·|：|:))/;
const LEVEL_WORDS = new Set(['秘密', '机密', '绝密', 'secret', 'confidential', 'top_secret', 'top-secret', 'topsecret']);

/** The 密级 a text is marked with, or null. Ordinary use of the word (保守国家秘密) is not a marking. */
export function classifiedMarking(text: string): string | null {
  const match = MARKING.exec(text);
  if (!match) return null;
  return match[1] ?? match[3] ?? match[4] ?? null;
}

/** Whether a value given as a classification names a 密级 rather than internal/external. */
export function isClassifiedLevel(value: string): boolean {
  return LEVEL_WORDS.has(value.trim().toLowerCase());
}

export const CLASSIFIED_REFUSAL = {
  code: 'classified_refused',
  'zh-CN': '涉密信息不得在本系统处理（涉密不上网，上网不涉密）',
  en: 'Classified material (秘密/机密/绝密) must never be handled in GovDesk',
} as const;
