import type { ThemeConfig } from 'antd';

/** Government blue; system CJK fonts first so Chinese renders with the platform's typeface. */
export const theme: ThemeConfig = {
  token: {
    colorPrimary: '#1a5fb4',
    borderRadius: 6,
    fontFamily:
      "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei', sans-serif",
  },
};
