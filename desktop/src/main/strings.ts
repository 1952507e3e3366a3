import type { Language } from '@govdesk/shared';

/**
 * Everything Electron main shows in words: menus, tray, dialogs. Chinese
 * first, like the renderer. Once core runs, main follows the language core
 * keeps (the one the user chose in the app, main.ts); before that — the
 * keyring and cache-key dialogs, a failed start — nobody has chosen yet, and
 * main goes by the system locale.
 */

/** app.getLocale() is e.g. zh-CN, zh-TW, en-US, en-GB, de. */
export function languageOf(locale: string): Language {
  return locale.toLowerCase().startsWith('en') ? 'en' : 'zh-CN';
}

export interface DialogText {
  title: string;
  message: string;
  detail: string;
}

export interface MainStrings {
  appName: string;
  menu: {
    app: string;
    about: string;
    hide: string;
    hideOthers: string;
    showAll: string;
    quit: string;
    file: string;
    closeWindow: string;
    edit: string;
    undo: string;
    redo: string;
    cut: string;
    copy: string;
    paste: string;
    selectAll: string;
    view: string;
    reload: string;
    toggleDevTools: string;
    resetZoom: string;
    zoomIn: string;
    zoomOut: string;
    fullScreen: string;
    window: string;
    minimize: string;
    zoom: string;
    front: string;
    help: string;
  };
  tray: {
    show: string;
    quit: string;
    tooltip(unread: number): string;
  };
  buttons: { quit: string; continueInsecurely: string; retry: string; ok: string };
  dialogs: {
    basicTextConsent: DialogText;
    noEncryption: DialogText;
    keyUnreadable(file: string): DialogText;
    wrongKey(dataDir: string): DialogText;
    startFailed(reason: string): DialogText;
    coreRestarted: DialogText;
    coreGaveUp: DialogText;
    about(version: string): DialogText;
  };
}

const zhCN: MainStrings = {
  appName: '政务协同桌面',
  menu: {
    app: '政务协同桌面',
    about: '关于政务协同桌面',
    hide: '隐藏政务协同桌面',
    hideOthers: '隐藏其他',
    showAll: '全部显示',
    quit: '退出政务协同桌面',
    file: '文件',
    closeWindow: '关闭窗口',
    edit: '编辑',
    undo: '撤销',
    redo: '重做',
    cut: '剪切',
    copy: '复制',
    paste: '粘贴',
    selectAll: '全选',
    view: '视图',
    reload: '重新加载',
    toggleDevTools: '开发者工具',
    resetZoom: '实际大小',
    zoomIn: '放大',
    zoomOut: '缩小',
    fullScreen: '全屏',
    window: '窗口',
    minimize: '最小化',
    zoom: '缩放',
    front: '前置全部窗口',
    help: '帮助',
  },
  tray: {
    show: '显示窗口',
    quit: '退出',
    tooltip: (unread) => (unread > 0 ? `政务协同桌面 — ${unread} 条未读` : '政务协同桌面'),
  },
  buttons: { quit: '退出', continueInsecurely: '仍然继续（不安全）', retry: '重试', ok: '确定' },
  dialogs: {
    basicTextConsent: {
      title: '未找到系统密钥环',
      message: '本机没有可用的系统密钥环，登录凭据和本地缓存密钥将只受弱保护。',
      detail:
        '没有 GNOME 密钥环或 KWallet 时，Electron 只能用一个公开的固定口令加密这些数据：任何能读取您用户目录的程序都能解开它们。建议安装并解锁 gnome-keyring 或 KWallet 后重新启动。选择“仍然继续”后，本机将记住这一选择。',
    },
    noEncryption: {
      title: '无法保护本地数据',
      message: '系统不提供加密存储，政务协同桌面无法安全保存登录凭据，将退出。',
      detail: 'Windows 与 macOS 应始终提供加密存储；在 Linux 上请安装并解锁 gnome-keyring 或 KWallet。',
    },
    keyUnreadable: (file) => ({
      title: '无法解锁本地缓存',
      message: '无法用本机的系统密钥环解开本地缓存的密钥。',
      detail: `密钥文件：${file}\n系统密钥环可能已被更换或重置。您的数据没有被删除。请恢复原来的密钥环后重新启动；如确需重建缓存，请联系管理员。`,
    }),
    wrongKey: (dataDir) => ({
      title: '本地缓存无法打开',
      message: '本地缓存的密钥与缓存文件不匹配。',
      detail: `缓存目录：${dataDir}\n您的数据没有被删除。请恢复原来的密钥文件后重新启动；如确需重建缓存，请联系管理员。`,
    }),
    startFailed: (reason) => ({ title: '无法启动', message: '政务协同桌面的核心服务无法启动。', detail: reason }),
    coreRestarted: {
      title: '核心服务已重启',
      message: '政务协同桌面的核心服务意外退出，已自动重启。',
      detail: '正在进行的操作可能没有完成，请重试。离线缓存中已保存的内容不受影响。',
    },
    coreGaveUp: {
      title: '核心服务反复退出',
      message: '政务协同桌面的核心服务在短时间内多次意外退出。',
      detail: '可以重试，或退出后联系管理员（日志见标准错误输出）。',
    },
    about: (version) => ({ title: '关于政务协同桌面', message: `政务协同桌面 GovDesk ${version}`, detail: '开放、可自行部署的政务协同桌面。涉密信息不得在本系统处理。' }),
  },
};

const en: MainStrings = {
  appName: 'GovDesk',
  menu: {
    app: 'GovDesk',
    about: 'About GovDesk',
    hide: 'Hide GovDesk',
    hideOthers: 'Hide Others',
    showAll: 'Show All',
    quit: 'Quit GovDesk',
    file: 'File',
    closeWindow: 'Close Window',
    edit: 'Edit',
    undo: 'Undo',
    redo: 'Redo',
    cut: 'Cut',
    copy: 'Copy',
    paste: 'Paste',
    selectAll: 'Select All',
    view: 'View',
    reload: 'Reload',
    toggleDevTools: 'Developer Tools',
    resetZoom: 'Actual Size',
    zoomIn: 'Zoom In',
    zoomOut: 'Zoom Out',
    fullScreen: 'Full Screen',
    window: 'Window',
    minimize: 'Minimize',
    zoom: 'Zoom',
    front: 'Bring All to Front',
    help: 'Help',
  },
  tray: {
    show: 'Show Window',
    quit: 'Quit',
    tooltip: (unread) => (unread > 0 ? `GovDesk — ${unread} unread` : 'GovDesk'),
  },
  buttons: { quit: 'Quit', continueInsecurely: 'Continue anyway (insecure)', retry: 'Retry', ok: 'OK' },
  dialogs: {
    basicTextConsent: {
      title: 'No system keyring',
      message: 'No system keyring is available: your login and the key of the local cache would only be weakly protected.',
      detail:
        'Without GNOME Keyring or KWallet, Electron encrypts this data with a fixed, public password, so any program that can read your home folder can decrypt it. Install and unlock gnome-keyring or KWallet and restart GovDesk. If you continue, this computer remembers your choice.',
    },
    noEncryption: {
      title: 'Cannot protect local data',
      message: 'The system offers no encrypted storage, so GovDesk cannot keep your login safe and will quit.',
      detail: 'Windows and macOS always provide it; on Linux, install and unlock gnome-keyring or KWallet.',
    },
    keyUnreadable: (file) => ({
      title: 'Cannot unlock the local cache',
      message: "The system keyring cannot decrypt the local cache's key.",
      detail: `Key file: ${file}\nThe keyring may have been replaced or reset. Nothing was deleted. Restore the previous keyring and restart; to rebuild the cache, contact your administrator.`,
    }),
    wrongKey: (dataDir) => ({
      title: 'Cannot open the local cache',
      message: "The local cache's key does not match the cache.",
      detail: `Cache folder: ${dataDir}\nNothing was deleted. Restore the previous key file and restart; to rebuild the cache, contact your administrator.`,
    }),
    startFailed: (reason) => ({ title: 'Cannot start', message: "GovDesk's core service could not start.", detail: reason }),
    coreRestarted: {
      title: 'Core service restarted',
      message: "GovDesk's core service stopped unexpectedly and was restarted.",
      detail: 'An operation in progress may not have finished; please try it again. What is saved in the offline cache is safe.',
    },
    coreGaveUp: {
      title: 'Core service keeps stopping',
      message: "GovDesk's core service stopped unexpectedly several times in a short while.",
      detail: 'You can retry, or quit and contact your administrator (the log is on standard error).',
    },
    about: (version) => ({ title: 'About GovDesk', message: `GovDesk ${version}`, detail: 'The open, self-hostable collaboration desktop for government. Classified material must never be handled here.' }),
  },
};

export const STRINGS: Record<Language, MainStrings> = { 'zh-CN': zhCN, en };
