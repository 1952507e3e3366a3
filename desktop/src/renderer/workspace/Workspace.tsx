import { LogoutOutlined } from '@ant-design/icons';
import { App, Badge, Button, Layout, Menu, Result, Space, Spin, Typography, Watermark } from 'antd';
import { Fragment, memo, Suspense, useEffect } from 'react';
import type { AppPath, SessionInfo } from '@govdesk/shared';
import { LanguageSwitch } from '../app/LanguageSwitch.tsx';
import { preloadPages } from '../app/lazy.ts';
import { pageKey, type Feature, type MenuEntry, type Registry } from '../app/registry.ts';
import { useCoreAction } from '../data/core.tsx';
import { useErrorText } from '../data/errors.ts';
import { useI18n, useMessages } from '../i18n/i18n.tsx';
import { appMessages } from '../i18n/messages.ts';

/**
 * The signed-in shell: the sidebar and the page of the current path, both
 * from the feature registry. The whole screen carries a watermark with the
 * user's name and account, so a photographed or captured screen names its
 * source.
 */
export function Workspace({ registry, session, path, navigate }: { registry: Registry; session: SessionInfo; path: string; navigate(path: AppPath): void }) {
  const t = useMessages(appMessages);
  const shown = registry.resolve(path);
  // The shell is on screen: the other pages' code loads now, so that opening one waits for nothing.
  useEffect(() => void preloadPages(), []);
  return (
    <Watermark content={[session.displayName, session.userId]} font={{ color: 'rgba(0, 0, 0, 0.07)', fontSize: 14 }} gap={[120, 120]}>
      <Layout className="govdesk-shell">
        <Sidebar registry={registry} selected={shown.found ? shown.feature.id : null} navigate={navigate} />
        <Layout>
          <Banner session={session} />
          <Layout.Content className="govdesk-content" style={shown.found && shown.page.layout === 'full' ? { overflow: 'hidden' } : { padding: 24 }}>
            {shown.found ? (
              <Fragment key={pageKey(shown, path)}>
                {/* Pages may be chunks of their own (app/lazy.ts): one not loaded yet shows a spinner until it is. */}
                <Suspense
                  fallback={
                    <div className="govdesk-center">
                      <Spin />
                    </div>
                  }
                >
                  {shown.page.render({ params: shown.params, session, navigate })}
                </Suspense>
              </Fragment>
            ) : (
              <Result
                status="404"
                title={t('notFound.title')}
                extra={
                  <Button type="primary" onClick={() => navigate(registry.start)}>
                    {t('notFound.back')}
                  </Button>
                }
              />
            )}
          </Layout.Content>
        </Layout>
      </Layout>
    </Watermark>
  );
}

/** Memoised, as the banner is: a move from one room or document to another re-renders the page, not the shell around it. */
const Sidebar = memo(function Sidebar({ registry, selected, navigate }: { registry: Registry; selected: string | null; navigate(path: AppPath): void }) {
  const t = useMessages(appMessages);
  const { translate } = useI18n();
  return (
    <Layout.Sider theme="light" width={200} style={{ borderRight: '1px solid #f0f0f0' }}>
      <div className="govdesk-brand" style={{ padding: '16px 16px 0' }}>
        <div className="govdesk-brand-mark" aria-hidden>
          政
        </div>
        <Typography.Text strong>{t('app.name')}</Typography.Text>
      </div>
      <Menu
        mode="inline"
        selectedKeys={selected === null ? [] : [selected]}
        onClick={({ key }) => {
          const feature = registry.menu.find((candidate) => candidate.id === key);
          if (feature) navigate(feature.menu.to);
        }}
        items={registry.menu.map((feature) => ({
          key: feature.id,
          icon: feature.menu.icon,
          label: <MenuLabel feature={feature} entry={feature.menu} text={translate(feature.messages, feature.menu.label)} />,
        }))}
      />
    </Layout.Sider>
  );
});

const Banner = memo(function Banner({ session }: { session: SessionInfo }) {
  const t = useMessages(appMessages);
  const { message } = App.useApp();
  const errorText = useErrorText();
  const logout = useCoreAction('session.logout');
  const signOut = async () => {
    const outcome = await logout.run({});
    // Logging out has no failures of its own to word, only the channel's (core gone, an internal error).
    if (!outcome.ok) void message.error(errorText(outcome.error, appMessages));
  };
  return (
    <Layout.Header style={{ background: '#fff', borderBottom: '1px solid #f0f0f0', display: 'flex', justifyContent: 'flex-end', alignItems: 'center', paddingInline: 24 }}>
      <Space size="middle">
        <LanguageSwitch />
        <Space>
          {/* Not antd's Avatar: it measures its letter after mounting, a forced layout of the whole first screen. */}
          <span className="govdesk-avatar" style={{ width: 32, height: 32, fontSize: 16, background: '#1a5fb4' }} aria-hidden>
            {Array.from(session.displayName)[0] ?? '?'}
          </span>
          <Typography.Text data-testid="current-user">{session.displayName}</Typography.Text>
        </Space>
        <Button icon={<LogoutOutlined />} loading={logout.pending} onClick={() => void signOut()}>
          {t('workspace.logout')}
        </Button>
      </Space>
    </Layout.Header>
  );
});

function MenuLabel({ feature, entry, text }: { feature: Feature; entry: MenuEntry<string>; text: string }) {
  return entry.useBadge ? <BadgedLabel useBadge={entry.useBadge} text={text} testId={`menu-badge-${feature.id}`} /> : text;
}

/** A component of its own, so that the badge's hook is called on every render of it (the rules of hooks). */
function BadgedLabel({ useBadge, text, testId }: { useBadge: () => number; text: string; testId: string }) {
  const count = useBadge();
  return (
    <>
      {text}
      <Badge count={count} size="small" style={{ marginInlineStart: 6 }} data-testid={testId} />
    </>
  );
}
