import type { ThemeConfig } from 'antd';

/**
 * Government blue; system CJK fonts first so Chinese renders with the platform's typeface.
 * `zeroRuntime`: components take their styles from antd's prebuilt stylesheet (imported in main.tsx), which
 * reads the tokens as CSS variables, instead of generating and injecting them on first render — that
 * generation was most of the app's start-up time.
 */
export const theme: ThemeConfig = {
  zeroRuntime: true,
  token: {
    colorPrimary: '#1a5fb4',
    borderRadius: 6,
    fontFamily:
      "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei', sans-serif",
  },
};
