import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { appFiles, readShellConfig } from '../../src/main/config.ts';
import { applicationMenuTemplate } from '../../src/main/menu-template.ts';
import { languageOf, STRINGS, type MainStrings } from '../../src/main/strings.ts';
import { crc32, encodePng, TRAY_ICON_SIZE, trayIconPng } from '../../src/main/tray-icon.ts';

/** Menus, words, the tray icon and the shell's configuration: pure parts of main. */

// Electron's own type, taken from main's module: tests may not name 'electron', not even for types.
type MenuItemConstructorOptions = ReturnType<typeof applicationMenuTemplate>[number];

function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}

function leaves(value: unknown, prefix = ''): [string, unknown][] {
  if (typeof value === 'function') return [[prefix, (value as (argument: unknown) => unknown)('7')]];
  if (typeof value !== 'object' || value === null) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key));
}

function menu(strings: MainStrings, platform: NodeJS.Platform, packaged: boolean) {
  return applicationMenuTemplate({ strings, platform, packaged, showAbout: () => {} });
}

describe('languages', () => {
  it('follow app.getLocale(): English for English locales, Chinese otherwise', () => {
    expect(languageOf('zh-CN')).toBe('zh-CN');
    expect(languageOf('zh-TW')).toBe('zh-CN');
    expect(languageOf('en-US')).toBe('en');
    expect(languageOf('en')).toBe('en');
    expect(languageOf('de-DE')).toBe('zh-CN');
  });

  it('have the same entries in both catalogues, none empty', () => {
    const zh = leaves(STRINGS['zh-CN']);
    const en = leaves(STRINGS.en);
    expect(zh.map(([key]) => key)).toEqual(en.map(([key]) => key));
    for (const [key, value] of [...zh, ...en]) {
      if (typeof value === 'string') expect(value.length, key).toBeGreaterThan(0);
      else expect(Object.values(value as object).every((text) => typeof text === 'string' && text.length > 0), key).toBe(true);
    }
    expect(STRINGS['zh-CN'].tray.tooltip(3)).toBe('政务协同桌面 — 3 条未读');
    expect(STRINGS.en.tray.tooltip(0)).toBe('GovDesk');
  });
});

describe('the application menu', () => {
  it('labels every item in the chosen language (Electron would label roles in English)', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const zh = items(menu(STRINGS['zh-CN'], platform, true));
      const en = items(menu(STRINGS.en, platform, true));
      for (const item of zh) if (item.type !== 'separator') expect(item.label, JSON.stringify(item.role)).toMatch(/[\u4e00-\u9fff]/);
      for (const item of en) if (item.type !== 'separator') expect(item.label, JSON.stringify(item.role)).toMatch(/^[\x20-\x7e—]+$/);
      expect(zh.map((item) => item.role ?? item.type ?? 'item')).toEqual(en.map((item) => item.role ?? item.type ?? 'item'));
    }
  });

  it('offers developer tools only in an unpackaged app', () => {
    expect(items(menu(STRINGS.en, 'linux', true)).some((item) => item.role === 'toggleDevTools')).toBe(false);
    expect(items(menu(STRINGS.en, 'linux', false)).some((item) => item.role === 'toggleDevTools')).toBe(true);
  });

  it('has the macOS app menu on macOS only', () => {
    expect(menu(STRINGS['zh-CN'], 'darwin', true)[0]?.label).toBe('政务协同桌面');
    expect(menu(STRINGS['zh-CN'], 'win32', true)[0]?.label).toBe('文件');
  });
});

describe('the tray icon', () => {
  function chunks(png: Buffer) {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const found: { type: string; data: Buffer }[] = [];
    for (let offset = 8; offset < png.length; ) {
      const length = png.readUInt32BE(offset);
      const type = png.toString('latin1', offset + 4, offset + 8);
      const data = png.subarray(offset + 8, offset + 8 + length);
      expect(png.readUInt32BE(offset + 8 + length), `${type} CRC`).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
      found.push({ type, data });
      offset += 12 + length;
    }
    return found;
  }

  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('is a valid 32×32 RGBA PNG, with a different picture when something is unread', () => {
    const plain = trayIconPng(0);
    const unread = trayIconPng(5);
    for (const png of [plain, unread]) {
      const parsed = chunks(png);
      expect(parsed.map(({ type }) => type)).toEqual(['IHDR', 'IDAT', 'IEND']);
      const header = parsed[0]?.data as Buffer;
      expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([TRAY_ICON_SIZE, TRAY_ICON_SIZE, 8, 6]);
      expect(inflateSync(parsed[1]?.data as Buffer)).toHaveLength(TRAY_ICON_SIZE * (TRAY_ICON_SIZE * 4 + 1));
    }
    expect(plain.equals(unread)).toBe(false);
    expect(trayIconPng(9).equals(unread)).toBe(true);
  });

  it('refuses pixel data of the wrong size', () => {
    expect(() => encodePng(2, 2, new Uint8Array(3))).toThrow(RangeError);
  });
});

describe('the shell configuration', () => {
  it('reads the same variables as browser mode, and only http(s) server URLs', () => {
    expect(readShellConfig({ GOVDESK_DATA_DIR: 'rel/dir', GOVDESK_DEFAULT_HOMESERVER_URL: 'https://matrix.gd.gov.cn', GOVDESK_SYNC_SERVER_URL: 'http://127.0.0.1:8090' })).toEqual({
      dataDir: expect.stringMatching(/rel\/dir$/) as unknown as string,
      defaultHomeserverUrl: 'https://matrix.gd.gov.cn',
      syncServerUrl: 'http://127.0.0.1:8090',
    });
    expect(readShellConfig({ GOVDESK_DEFAULT_HOMESERVER_URL: 'file:///etc/passwd', GOVDESK_SYNC_SERVER_URL: 'nonsense' })).toEqual({ dataDir: null, defaultHomeserverUrl: null, syncServerUrl: null });
  });

  it('finds the bundles where build/lib/desktop-build.ts writes them', () => {
    expect(appFiles('/opt/GovDesk/resources/app.asar')).toEqual({
      rendererDir: '/opt/GovDesk/resources/app.asar/dist/renderer',
      preload: '/opt/GovDesk/resources/app.asar/dist/preload/preload.cjs',
      coreHost: '/opt/GovDesk/resources/app.asar/dist/core/core-host.cjs',
    });
  });
});
