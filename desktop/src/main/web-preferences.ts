import type { WebPreferences } from 'electron';

/**
 * The webPreferences of every GovDesk window, in one place so that no window
 * can be created with weaker ones. Most values are Electron's defaults today;
 * they are written out so that a changed default or a careless edit cannot
 * weaken them silently (desktop/test/unit/electron-security.test.ts checks
 * each value and that every `new BrowserWindow(` uses this function).
 */
export function secureWebPreferences(preload: string): WebPreferences {
  // A fresh object per window (not a frozen shared one): Electron may normalise the object it is given.
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    // Chromium's spellchecker downloads its dictionaries from Google, which a government network blocks.
    spellcheck: false,
  };
}
