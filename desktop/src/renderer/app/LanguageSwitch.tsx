import { Button } from 'antd';
import { useI18n } from '../i18n/i18n.tsx';

export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <Button type="link" size="small" onClick={() => setLanguage(language === 'zh-CN' ? 'en' : 'zh-CN')}>
      {t('language.switch')}
    </Button>
  );
}
