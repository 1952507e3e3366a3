import { Card, Descriptions } from 'antd';
import type { SessionInfo } from '@govdesk/shared';
import { useMessages } from '../i18n/i18n.tsx';
import { homeMessages } from './labels.ts';

export function HomePage({ session }: { session: SessionInfo }) {
  const t = useMessages(homeMessages);
  return (
    <Card title={t('welcome', { name: session.displayName })}>
      <Descriptions column={1}>
        <Descriptions.Item label={t('account')}>{session.userId}</Descriptions.Item>
        <Descriptions.Item label={t('device')}>{session.deviceId}</Descriptions.Item>
        <Descriptions.Item label={t('server')}>{session.homeserverUrl}</Descriptions.Item>
      </Descriptions>
    </Card>
  );
}
