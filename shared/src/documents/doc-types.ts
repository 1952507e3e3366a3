import { z } from 'zod';

/** The 15 法定文种 of 《党政机关公文处理工作条例》 第八条, in its order. */
export const DOC_TYPES = [
  { id: 'resolution', name: '决议' },
  { id: 'decision', name: '决定' },
  { id: 'order', name: '命令（令）' },
  { id: 'communique', name: '公报' },
  { id: 'announcement', name: '公告' },
  { id: 'public_notice', name: '通告' },
  { id: 'opinion', name: '意见' },
  { id: 'notice', name: '通知' },
  { id: 'circular', name: '通报' },
  { id: 'report', name: '报告' },
  { id: 'request', name: '请示' },
  { id: 'reply', name: '批复' },
  { id: 'motion', name: '议案' },
  { id: 'letter', name: '函' },
  { id: 'minutes', name: '纪要' },
] as const;

export type DocTypeId = (typeof DOC_TYPES)[number]['id'];
export const DocType = z.enum(DOC_TYPES.map((type) => type.id) as [DocTypeId, ...DocTypeId[]]);

export function docTypeName(id: DocTypeId): string {
  return DOC_TYPES.find((type) => type.id === id)?.name ?? id;
}
