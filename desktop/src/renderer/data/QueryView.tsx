import { DisconnectOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Result, Spin } from 'antd';
import { useEffect, type ReactNode } from 'react';
import type { RpcError } from '@govdesk/shared';
import { useMessages } from '../i18n/i18n.tsx';
import { appMessages } from '../i18n/messages.ts';
import type { Loadable } from './core.tsx';
import { isOffline, useErrorText, type ErrorMessages } from './errors.ts';

/**
 * Loading, failed and offline, shown the same way everywhere: a spinner; the
 * failure in the feature's words; and, offline, a retry that also happens by
 * itself when the browser says the network is back.
 */
export function QueryView<T, Code extends string>({
  query,
  messages,
  extra,
  children,
}: {
  query: Loadable<T, RpcError<Code>> & { retry(): void };
  messages: NoInfer<ErrorMessages<Code>>;
  /** Beside the retry button of a failure, e.g. a way back. */
  extra?: ReactNode;
  children(data: T): ReactNode;
}) {
  const t = useMessages(appMessages);
  const errorText = useErrorText();
  const offline = query.status === 'failed' && isOffline(query.error);
  const { retry } = query;

  useEffect(() => {
    if (!offline) return;
    window.addEventListener('online', retry);
    return () => window.removeEventListener('online', retry);
  }, [offline, retry]);

  if (query.status === 'ready') return children(query.data);
  if (query.status === 'loading') {
    return (
      <div className="govdesk-center" style={{ minHeight: 320 }}>
        <Spin size="large" />
      </div>
    );
  }
  return (
    <Result
      status="warning"
      icon={offline ? <DisconnectOutlined /> : undefined}
      title={errorText(query.error, messages)}
      extra={
        <>
          {extra}
          {offline && (
            <Button icon={<ReloadOutlined />} onClick={retry}>
              {t('state.retry')}
            </Button>
          )}
        </>
      }
    />
  );
}
