import { LockOutlined, UserOutlined, CloudServerOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { RpcError } from '@govdesk/shared';
import { api } from '../api.ts';
import { useI18n, type Translate } from '../i18n/i18n.tsx';
import { LanguageSwitch } from '../app/LanguageSwitch.tsx';

interface LoginForm {
  homeserverUrl: string;
  username: string;
  password: string;
}

function loginErrorText(error: unknown, t: Translate): string {
  if (error instanceof RpcError) {
    switch (error.code) {
      case 'invalid_credentials':
        return t('login.error.invalid_credentials');
      case 'homeserver_unreachable':
        return t('login.error.homeserver_unreachable');
      case 'rate_limited':
        return t('login.error.rate_limited');
      case 'core_unavailable':
        return t('error.core_unavailable');
      default:
        return t('login.error.other', { message: error.message });
    }
  }
  return t('login.error.other', { message: String(error) });
}

export function LoginPage() {
  const { t } = useI18n();
  const [form] = Form.useForm<LoginForm>();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void api.call('app.defaults').then((defaults) => {
      if (defaults.homeserverUrl && !form.getFieldValue('homeserverUrl')) form.setFieldValue('homeserverUrl', defaults.homeserverUrl);
    });
  }, [form]);

  const submit = async (values: LoginForm) => {
    setSubmitting(true);
    setError(null);
    try {
      await api.call('session.login', values);
    } catch (caught) {
      setError(loginErrorText(caught, t));
    } finally {
      setSubmitting(false);
    }
  };

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
              {t('app.name')}
            </Typography.Title>
            <Typography.Text type="secondary">{t('app.tagline')}</Typography.Text>
          </div>
        </div>
        <Typography.Title level={5} style={{ marginTop: 0 }}>
          {t('login.title')}
        </Typography.Title>
        {error && <Alert role="alert" type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
        <Form<LoginForm> form={form} layout="vertical" requiredMark={false} onFinish={(values) => void submit(values)} disabled={submitting}>
          <Form.Item
            label={t('login.homeserver')}
            name="homeserverUrl"
            rules={[
              { required: true, message: t('login.homeserver.required') },
              { pattern: /^https?:\/\/\S+$/, message: t('login.homeserver.invalid') },
            ]}
          >
            <Input prefix={<CloudServerOutlined />} placeholder={t('login.homeserver.placeholder')} autoComplete="url" />
          </Form.Item>
          <Form.Item label={t('login.username')} name="username" rules={[{ required: true, whitespace: true, message: t('login.username.required') }]}>
            <Input prefix={<UserOutlined />} placeholder={t('login.username.placeholder')} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t('login.password')} name="password" rules={[{ required: true, message: t('login.password.required') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={submitting}>
            {t('login.submit')}
          </Button>
        </Form>
      </Card>
      <Typography.Text type="secondary" className="govdesk-login-footer">
        <SafetyCertificateOutlined /> {t('app.classifiedNotice')}
      </Typography.Text>
    </main>
  );
}
