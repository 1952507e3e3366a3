import { App as AntApp, ConfigProvider, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { Suspense, useEffect, useState } from 'react';
import { useCore, useCoreEvent } from '../data/core.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session/session.tsx';
import { Workspace } from '../workspace/Workspace.tsx';
import { lazyPage } from './lazy.ts';
import type { Registry } from './registry.ts';
import { theme } from './theme.ts';

// A signed-in start, the common one, does not load the login form's code.
const LoginPage = lazyPage(() => import('../session/LoginPage.tsx').then((module) => module.LoginPage));

const waiting = (
  <div className="govdesk-center">
    <Spin size="large" />
  </div>
);

export function App({ registry }: { registry: Registry }) {
  const api = useCore();
  const { language } = useI18n();
  const session = useSession();
  // A path, as deep links and notifications name it; the registry says which page it shows.
  const [path, setPath] = useState<string>(registry.start);
  useCoreEvent('app.navigate', ({ route }) => setPath(route));

  useEffect(() => {
    // The network is back: core reconnects now instead of at its next backoff.
    const online = () => void api.call('app.reconnect').catch((error: unknown) => console.error('GovDesk: core did not reconnect', error));
    window.addEventListener('online', online);
    return () => window.removeEventListener('online', online);
  }, [api]);

  return (
    <ConfigProvider locale={language === 'zh-CN' ? zhCN : enUS} theme={theme}>
      <AntApp>
        {session.status === 'loading' ? (
          waiting
        ) : session.status === 'ready' && session.data ? (
          <Workspace registry={registry} session={session.data} path={path} navigate={setPath} />
        ) : (
          // Signed out, or core cannot say (then logging in reports why).
          <Suspense fallback={waiting}>
            <LoginPage />
          </Suspense>
        )}
      </AntApp>
    </ConfigProvider>
  );
}
