import { Badge } from 'antd';
import type { DocumentStatus } from '@govdesk/shared';
import { useMessages } from '../i18n/i18n.tsx';
import { documentMessages, statusText } from './labels.ts';

export function DocumentStatusBadge({ status }: { status: DocumentStatus }) {
  const t = useMessages(documentMessages);
  const { text, tone } = statusText(t, status);
  return <Badge status={tone} text={<span data-testid="document-status">{text}</span>} />;
}
