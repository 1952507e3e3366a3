import { defineMessages } from '../i18n/i18n.tsx';

export const homeMessages = defineMessages(
  {
    menu: '工作台',
    welcome: '{name}，您好',
    account: '账号',
    device: '设备',
    server: '服务器',
  },
  {
    menu: 'Home',
    welcome: 'Hello, {name}',
    account: 'Account',
    device: 'Device',
    server: 'Server',
  },
);
