import { FileTextOutlined, HomeOutlined, LogoutOutlined } from '@ant-design/icons';
import { Avatar, Button, Card, Descriptions, Layout, Menu, Space, Typography, Watermark } from 'antd';
import type { SessionInfo } from '@govdesk/shared';
import { api } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { LanguageSwitch } from '../app/LanguageSwitch.tsx';
import { DocumentEditorPage } from '../documents/DocumentEditorPage.tsx';
import { DocumentListPage } from '../documents/DocumentListPage.tsx';

export type Route = { page: 'home' } | { page: 'documents' } | { page: 'document'; documentId: string };

/**
 * The signed-in shell. The whole screen carries a watermark with the user's
 * name and account, so a photographed or captured screen names its source.
 */
export function Workspace({ session, route, navigate }: { session: SessionInfo; route: Route; navigate(route: Route): void }) {
  const { t } = useI18n();
  const selected = route.page === 'home' ? 'home' : 'documents';
  return (
    <Watermark content={[session.displayName, session.userId]} font={{ color: 'rgba(0, 0, 0, 0.07)', fontSize: 14 }} gap={[120, 120]}>
      <Layout className="govdesk-shell">
        <Layout.Sider theme="light" width={200} style={{ borderRight: '1px solid #f0f0f0' }}>
          <div className="govdesk-brand" style={{ padding: '16px 16px 0' }}>
            <div className="govdesk-brand-mark" aria-hidden>
              政
            </div>
            <Typography.Text strong>{t('app.name')}</Typography.Text>
          </div>
          <Menu
            mode="inline"
            selectedKeys={[selected]}
            onClick={({ key }) => navigate(key === 'home' ? { page: 'home' } : { page: 'documents' })}
            items={[
              { key: 'home', icon: <HomeOutlined />, label: t('workspace.home') },
              { key: 'documents', icon: <FileTextOutlined />, label: t('workspace.documents') },
            ]}
          />
        </Layout.Sider>
        <Layout>
          <Layout.Header style={{ background: '#fff', borderBottom: '1px solid #f0f0f0', display: 'flex', justifyContent: 'flex-end', alignItems: 'center', paddingInline: 24 }}>
            <Space size="middle">
              <LanguageSwitch />
              <Space>
                <Avatar style={{ background: '#1a5fb4' }}>{session.displayName.slice(0, 1)}</Avatar>
                <Typography.Text data-testid="current-user">{session.displayName}</Typography.Text>
              </Space>
              <Button icon={<LogoutOutlined />} onClick={() => void api.call('session.logout')}>
                {t('workspace.logout')}
              </Button>
            </Space>
          </Layout.Header>
          <Layout.Content className="govdesk-content" style={route.page === 'document' ? { overflow: 'hidden' } : { padding: 24 }}>
            {route.page === 'home' && (
              <Card title={t('workspace.welcome', { name: session.displayName })}>
                <Descriptions column={1}>
                  <Descriptions.Item label={t('workspace.account')}>{session.userId}</Descriptions.Item>
                  <Descriptions.Item label={t('workspace.device')}>{session.deviceId}</Descriptions.Item>
                  <Descriptions.Item label={t('workspace.server')}>{session.homeserverUrl}</Descriptions.Item>
                </Descriptions>
              </Card>
            )}
            {route.page === 'documents' && <DocumentListPage onOpen={(documentId) => navigate({ page: 'document', documentId })} />}
            {route.page === 'document' && <DocumentEditorPage key={route.documentId} documentId={route.documentId} onBack={() => navigate({ page: 'documents' })} />}
          </Layout.Content>
        </Layout>
      </Layout>
    </Watermark>
  );
}
