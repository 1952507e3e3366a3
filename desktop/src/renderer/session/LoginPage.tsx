import { LockOutlined, UserOutlined, CloudServerOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useEffect } from 'react';
import { useCoreAction, useCoreQuery } from '../data/core.tsx';
import { useErrorText } from '../data/errors.ts';
import { useMessages } from '../i18n/i18n.tsx';
import { appMessages } from '../i18n/messages.ts';
import { LanguageSwitch } from '../app/LanguageSwitch.tsx';
import { sessionMessages } from './labels.ts';

interface LoginForm {
  homeserverUrl: string;
  username: string;
  password: string;
}

export function LoginPage() {
  const app = useMessages(appMessages);
  const t = useMessages(sessionMessages);
  const errorText = useErrorText();
  const [form] = Form.useForm<LoginForm>();
  // Without them the form simply starts empty: a failure here has nothing to tell the user that logging in will not.
  const defaults = useCoreQuery('app.defaults', {});
  const login = useCoreAction('session.login');
  const defaultHomeserver = defaults.status === 'ready' ? defaults.data.homeserverUrl : null;

  useEffect(() => {
    if (defaultHomeserver && !form.getFieldValue('homeserverUrl')) form.setFieldValue('homeserverUrl', defaultHomeserver);
  }, [form, defaultHomeserver]);

  return (
    <main className="govdesk-login">
      <div className="govdesk-login-language">
        <LanguageSwitch />
      </div>
      <Card className="govdesk-login-card">
        <div className="govdesk-brand">
          <div className="govdesk-brand-mark" aria-hidden>
            政
          </div>
          <div>
            <Typography.Title level={3} style={{ margin: 0 }}>
              {app('app.name')}
            </Typography.Title>
            <Typography.Text type="secondary">{app('app.tagline')}</Typography.Text>
          </div>
        </div>
        <Typography.Title level={5} style={{ marginTop: 0 }}>
          {t('title')}
        </Typography.Title>
        {login.error && <Alert role="alert" type="error" showIcon title={errorText(login.error, sessionMessages)} style={{ marginBottom: 16 }} />}
        <Form<LoginForm> form={form} layout="vertical" requiredMark={false} onFinish={(values) => void login.run(values)} disabled={login.pending}>
          <Form.Item
            label={t('homeserver')}
            name="homeserverUrl"
            rules={[
              { required: true, message: t('homeserver.required') },
              { pattern: /^https?:\/\/\S+$/, message: t('homeserver.invalid') },
            ]}
          >
            <Input prefix={<CloudServerOutlined />} placeholder={t('homeserver.placeholder')} autoComplete="url" />
          </Form.Item>
          <Form.Item label={t('username')} name="username" rules={[{ required: true, whitespace: true, message: t('username.required') }]}>
            <Input prefix={<UserOutlined />} placeholder={t('username.placeholder')} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t('password')} name="password" rules={[{ required: true, message: t('password.required') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={login.pending}>
            {t('submit')}
          </Button>
        </Form>
      </Card>
      <Typography.Text type="secondary" className="govdesk-login-footer">
        <SafetyCertificateOutlined /> {app('app.classifiedNotice')}
      </Typography.Text>
    </main>
  );
}
