import { defineMessages } from './i18n.tsx';

/** The app's own text: the shell around the features, and the channel's errors. Features keep theirs in `<feature>/labels.ts`. */
export const appMessages = defineMessages(
  {
    'app.name': '政务协同桌面',
    'app.tagline': '办文 · 办事 · 办会，一个桌面',
    'app.classifiedNotice': '本系统严禁处理涉密信息（涉密不上网，上网不涉密）',
    'language.switch': 'English',
    'workspace.logout': '退出登录',
    'notFound.title': '页面不存在',
    'notFound.back': '返回首页',
    'state.retry': '重试',
    'error.core_unavailable': '本地服务不可用，请重新启动应用',
    'error.other': '操作失败：{message}',
  },
  {
    'app.name': 'GovDesk',
    'app.tagline': 'Documents, services and meetings on one desktop',
    'app.classifiedNotice': 'Classified information must never be handled in this system',
    'language.switch': '中文',
    'workspace.logout': 'Sign out',
    'notFound.title': 'This page does not exist',
    'notFound.back': 'Back to the start page',
    'state.retry': 'Try again',
    'error.core_unavailable': 'The local service is unavailable; restart the app',
    'error.other': 'Failed: {message}',
  },
);
