import { app, dialog, Menu } from 'electron';
import { applicationMenuTemplate } from './menu-template.ts';
import type { MainStrings } from './strings.ts';

/** The application menu in the language of `strings`; installed again when the user chooses another language. */
export function installApplicationMenu(strings: MainStrings): void {
  const showAbout = () => {
    const text = strings.dialogs.about(app.getVersion());
    void dialog.showMessageBox({ type: 'info', title: text.title, message: text.message, detail: text.detail, buttons: [strings.buttons.ok], noLink: true });
  };
  Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenuTemplate({ strings, platform: process.platform, packaged: app.isPackaged, showAbout })));
}
