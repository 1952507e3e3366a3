import { defineMessages } from '../i18n/i18n.tsx';

/** The login screen's text; `error.<code>` words each code session.login declares. */
export const sessionMessages = defineMessages(
  {
    title: '登录',
    homeserver: '服务器地址',
    'homeserver.placeholder': '例如 https://matrix.gd.gov.cn',
    'homeserver.required': '请输入服务器地址',
    'homeserver.invalid': '请输入以 http:// 或 https:// 开头的地址',
    username: '账号',
    'username.placeholder': '用户名或 Matrix 账号，如 zhangwei',
    'username.required': '请输入账号',
    password: '密码',
    'password.required': '请输入密码',
    submit: '登录',
    'error.invalid_credentials': '账号或密码不正确',
    'error.homeserver_unreachable': '无法连接服务器，请检查网络或服务器地址',
    'error.rate_limited': '尝试次数过多，请稍后再试',
    'error.homeserver_error': '登录失败：{message}',
  },
  {
    title: 'Sign in',
    homeserver: 'Server',
    'homeserver.placeholder': 'e.g. https://matrix.example.gov',
    'homeserver.required': 'Enter the server address',
    'homeserver.invalid': 'The address must start with http:// or https://',
    username: 'Account',
    'username.placeholder': 'User name or Matrix ID, e.g. zhangwei',
    'username.required': 'Enter your account',
    password: 'Password',
    'password.required': 'Enter your password',
    submit: 'Sign in',
    'error.invalid_credentials': 'Wrong account or password',
    'error.homeserver_unreachable': 'The server cannot be reached; check the network or the address',
    'error.rate_limited': 'Too many attempts; try again later',
    'error.homeserver_error': 'Sign-in failed: {message}',
  },
);
