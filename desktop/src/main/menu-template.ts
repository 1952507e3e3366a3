import type { MenuItemConstructorOptions } from 'electron';
import type { MainStrings } from './strings.ts';

/**
 * The application menu, in the user's language. Electron labels role items
 * in English, so every item carries its own label. Developer tools appear
 * only in an unpackaged (development) app.
 */

export interface MenuContext {
  strings: MainStrings;
  platform: NodeJS.Platform;
  packaged: boolean;
  showAbout(): void;
}

export function applicationMenuTemplate({ strings, platform, packaged, showAbout }: MenuContext): MenuItemConstructorOptions[] {
  const m = strings.menu;
  const mac = platform === 'darwin';
  const about: MenuItemConstructorOptions = { label: m.about, click: () => showAbout() };
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: m.app,
      submenu: [about, { type: 'separator' }, { role: 'hide', label: m.hide }, { role: 'hideOthers', label: m.hideOthers }, { role: 'unhide', label: m.showAll }, { type: 'separator' }, { role: 'quit', label: m.quit }],
    });
  }
  template.push(
    { label: m.file, submenu: mac ? [{ role: 'close', label: m.closeWindow }] : [{ role: 'close', label: m.closeWindow }, { type: 'separator' }, { role: 'quit', label: m.quit }] },
    {
      label: m.edit,
      submenu: [
        { role: 'undo', label: m.undo },
        { role: 'redo', label: m.redo },
        { type: 'separator' },
        { role: 'cut', label: m.cut },
        { role: 'copy', label: m.copy },
        { role: 'paste', label: m.paste },
        { role: 'selectAll', label: m.selectAll },
      ],
    },
    {
      label: m.view,
      submenu: [
        { role: 'reload', label: m.reload },
        ...(packaged ? [] : [{ role: 'toggleDevTools', label: m.toggleDevTools } satisfies MenuItemConstructorOptions]),
        { type: 'separator' },
        { role: 'resetZoom', label: m.resetZoom },
        { role: 'zoomIn', label: m.zoomIn },
        { role: 'zoomOut', label: m.zoomOut },
        { type: 'separator' },
        { role: 'togglefullscreen', label: m.fullScreen },
      ],
    },
    {
      label: m.window,
      submenu: mac
        ? [{ role: 'minimize', label: m.minimize }, { role: 'zoom', label: m.zoom }, { type: 'separator' }, { role: 'front', label: m.front }]
        : [{ role: 'minimize', label: m.minimize }, { role: 'close', label: m.closeWindow }],
    },
  );
  // On macOS "About" lives in the app menu.
  if (!mac) template.push({ role: 'help', label: m.help, submenu: [about] });
  return template;
}
