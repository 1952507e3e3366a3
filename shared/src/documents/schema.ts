import { z } from 'zod';
import { MatrixUserId } from '../directory/ids.ts';
import { UnitId } from '../directory/schema.ts';
import { Classification, DocumentRole } from './access.ts';
import { classifiedMarking, CLASSIFIED_REFUSAL, isClassifiedLevel } from './classified.ts';
import { DocType } from './doc-types.ts';

/** Document IDs are random and URL-safe; they name the y-websocket room too. */
export const DocumentId = z.string().regex(/^d_[A-Za-z0-9_-]{22}$/, 'not a document ID');
export type DocumentId = z.infer<typeof DocumentId>;

const Title = z
  .string()
  .trim()
  .min(1, '标题不能为空')
  .max(200, '标题不能超过 200 字')
  .refine((title) => classifiedMarking(title) === null, { message: CLASSIFIED_REFUSAL['zh-CN'], params: { code: CLASSIFIED_REFUSAL.code } });

/** A 密级 given where internal/external is expected is refused with the 涉密不上网 message, not a generic enum error. */
const DocumentClassification = z.string().superRefine((value, ctx) => {
  if (isClassifiedLevel(value)) ctx.addIssue({ code: 'custom', message: CLASSIFIED_REFUSAL['zh-CN'], params: { code: CLASSIFIED_REFUSAL.code } });
  else if (!Classification.safeParse(value).success) ctx.addIssue({ code: 'custom', message: 'classification must be internal or external' });
}) as unknown as typeof Classification;

export const CreateDocumentRequest = z.object({
  title: Title,
  docType: DocType,
  owningUnitId: UnitId,
  classification: DocumentClassification,
});
export type CreateDocumentRequest = z.infer<typeof CreateDocumentRequest>;

export const DocumentSummary = z.object({
  id: DocumentId,
  title: z.string(),
  docType: DocType,
  owningUnitId: UnitId,
  classification: Classification,
  createdBy: MatrixUserId,
  createdAt: z.iso.datetime(),
  /** The caller's effective role. */
  myRole: DocumentRole,
});
export type DocumentSummary = z.infer<typeof DocumentSummary>;

export const SharePrincipal = z.discriminatedUnion('type', [z.object({ type: z.literal('user'), userId: MatrixUserId }), z.object({ type: z.literal('unit'), unitId: UnitId })]);
export type SharePrincipal = z.infer<typeof SharePrincipal>;

export const ShareRequest = z.object({ principal: SharePrincipal, role: DocumentRole });
export type ShareRequest = z.infer<typeof ShareRequest>;

export const Share = z.object({
  principal: SharePrincipal,
  role: DocumentRole,
  grantedBy: MatrixUserId,
  grantedAt: z.iso.datetime(),
});
export type Share = z.infer<typeof Share>;
