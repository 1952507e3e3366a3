import { Badge } from 'antd';
import type { DocumentStatus } from '@govdesk/shared';
import { useI18n } from '../i18n/i18n.tsx';
import { statusText } from './labels.ts';

export function DocumentStatusBadge({ status }: { status: DocumentStatus }) {
  const { t } = useI18n();
  const { text, tone } = statusText(t, status);
  return <Badge status={tone} text={<span data-testid="document-status">{text}</span>} />;
}
