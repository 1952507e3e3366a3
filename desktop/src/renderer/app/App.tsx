import { App as AntApp, ConfigProvider, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useEffect, useState } from 'react';
import type { SessionInfo } from '@govdesk/shared';
import { api } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { LoginPage } from '../session/LoginPage.tsx';
import { Workspace, type Route } from '../workspace/Workspace.tsx';
import { theme } from './theme.ts';

type SessionState = { status: 'loading' } | { status: 'ready'; session: SessionInfo | null };

/** An in-app route as deep links and notifications name it (/home, /documents, /documents/d_…). */
function routeFrom(path: string): Route {
  const match = /^\/documents\/(d_[A-Za-z0-9_-]{22})$/.exec(path);
  if (match) return { page: 'document', documentId: match[1] as string };
  return path === '/documents' ? { page: 'documents' } : { page: 'home' };
}

export function App() {
  const { language } = useI18n();
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [route, setRoute] = useState<Route>({ page: 'home' });

  useEffect(() => {
    const stop = api.on('app.navigate', ({ route: path }) => setRoute(routeFrom(path)));
    // The network is back: core reconnects now instead of at its next backoff.
    const online = () => void api.call('app.reconnect');
    window.addEventListener('online', online);
    return () => {
      stop();
      window.removeEventListener('online', online);
    };
  }, []);

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
          <Workspace session={state.session} route={route} navigate={setRoute} />
        ) : (
          <LoginPage />
        )}
      </AntApp>
    </ConfigProvider>
  );
}
