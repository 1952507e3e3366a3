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

/** A field of a request that carries a 密级, as the refusal names it. */
interface ClassifiedField {
  path: string;
  code: typeof CLASSIFIED_REFUSAL.code;
  message: string;
}

/**
 * The 涉密不上网 rule for a document's metadata: the fields of a request (its
 * title, its classification) that carry a 密级. It reads the request as it
 * came, before its shape is checked: the refusal is what the user must learn,
 * whatever else is wrong with the request. Empty when nothing is classified.
 */
export function classifiedFields(request: unknown): ClassifiedField[] {
  if (request === null || typeof request !== 'object') return [];
  const { title, classification } = request as { title?: unknown; classification?: unknown };
  const fields: ClassifiedField[] = [];
  const refuse = (path: string) => fields.push({ path, code: CLASSIFIED_REFUSAL.code, message: CLASSIFIED_REFUSAL['zh-CN'] });
  if (typeof title === 'string' && classifiedMarking(title) !== null) refuse('title');
  if (typeof classification === 'string' && isClassifiedLevel(classification)) refuse('classification');
  return fields;
}
