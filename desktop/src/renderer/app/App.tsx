import { App as AntApp, ConfigProvider, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useEffect, useState } from 'react';
import type { SessionInfo } from '@govdesk/shared';
import { api } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { LoginPage } from '../session/LoginPage.tsx';
import { Workspace } from '../workspace/Workspace.tsx';
import { theme } from './theme.ts';

type SessionState = { status: 'loading' } | { status: 'ready'; session: SessionInfo | null };

export function App() {
  const { language } = useI18n();
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  useEffect(() => {
    let active = true;
    const unsubscribe = api.on('session.changed', (session) => setState({ status: 'ready', session }));
    api
      .call('session.current')
      .then((session) => active && setState({ status: 'ready', session }))
      .catch(() => active && setState({ status: 'ready', session: null }));
    return () => {
      active = false;
      unsubscribe();
    };
  }, []);

  return (
    <ConfigProvider locale={language === 'zh-CN' ? zhCN : enUS} theme={theme}>
      <AntApp>
        {state.status === 'loading' ? (
          <div className="govdesk-center">
            <Spin size="large" />
          </div>
        ) : state.session ? (
          <Workspace session={state.session} />
        ) : (
          <LoginPage />
        )}
      </AntApp>
    </ConfigProvider>
  );
}
