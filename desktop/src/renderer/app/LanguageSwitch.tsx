import { Button } from 'antd';
import { useI18n, useMessages } from '../i18n/i18n.tsx';
import { appMessages } from '../i18n/messages.ts';

export function LanguageSwitch() {
  const { language, setLanguage } = useI18n();
  const t = useMessages(appMessages);
  return (
    <Button type="link" size="small" onClick={() => setLanguage(language === 'zh-CN' ? 'en' : 'zh-CN')}>
      {t('language.switch')}
    </Button>
  );
}
