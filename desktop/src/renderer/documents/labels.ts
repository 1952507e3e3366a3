import { RpcError, type Classification, type DocumentRole, type DocumentStatus } from '@govdesk/shared';
import type { Translate } from '../i18n/i18n.tsx';
import type { MessageKey } from '../i18n/messages.ts';

export const classificationLabel = (t: Translate, classification: Classification) => t(`documents.classification.${classification}` as MessageKey);
export const roleLabel = (t: Translate, role: DocumentRole) => t(`documents.role.${role}` as MessageKey);

/** The save state in words a civil servant can trust: "saved" only when the server really holds everything. */
export function statusText(t: Translate, status: DocumentStatus): { text: string; tone: 'success' | 'processing' | 'warning' | 'error' } {
  if (status.connection === 'no_access') return { text: t('editor.status.noAccess'), tone: 'error' };
  if (status.connection === 'online') return status.savedToServer ? { text: t('editor.status.saved'), tone: 'success' } : { text: t('editor.status.saving'), tone: 'processing' };
  if (status.connection === 'connecting' && !status.savedToServer) return { text: t('editor.status.connecting'), tone: 'processing' };
  return status.savedToServer ? { text: t('editor.status.offlineSaved'), tone: 'success' } : { text: t('editor.status.offlineUnsaved'), tone: 'warning' };
}

export function errorText(t: Translate, error: unknown): string {
  if (error instanceof RpcError) {
    if (error.code === 'sync_server_unreachable') return t('documents.error.offline');
    if (error.code === 'classified_refused') return t('documents.error.classified');
    if (error.code === 'internal_to_external') return t('share.error.internal_to_external');
    if (error.code === 'core_unavailable') return t('error.core_unavailable');
    return t('documents.error.other', { message: error.message });
  }
  return t('documents.error.other', { message: String(error) });
}
