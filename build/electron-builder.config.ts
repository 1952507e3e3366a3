/**
 * electron-builder 26 configuration of the GovDesk installers:
 *
 *   npm run package                       # installers for this machine's platform
 *   npm run package -- --linux deb --arm64
 *
 * electron-builder runs with --projectDir desktop, so paths here are relative
 * to desktop/. It downloads the Electron zip (and, for some targets, its
 * toolsets) unless they are provided: set GOVDESK_ELECTRON_DIST to a folder
 * of electron-v<version>-<platform>-<arch>.zip files or an unpacked Electron
 * for offline builds (docs/security.md, "Packaging").
 *
 * 信创 machines: Loongson (龙芯, LoongArch64) needs an Electron built for
 * loong64, which electron/electron does not publish and electron-builder 26
 * cannot target (its Arch has no loong64). Build with a distributor's
 * loong64 Electron (e.g. the UOS or Kylin Electron packages) via
 * GOVDESK_ELECTRON_DIST and a `dir` target, then package natively.
 * Kunpeng and Phytium machines are arm64, covered below.
 *
 * desktop/test/unit/packaging-config.test.ts loads this file with
 * electron-builder's own loader and validates it with its schema.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Configuration } from 'electron-builder';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The Electron the app is developed and tested with, read from its package.json without evaluating the package (that would download the binary). */
const electronVersion = (JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;

/** Must equal APP_ID of desktop/src/main/identity.ts: Windows matches notifications to the shortcut by it. */
export const APP_ID = 'org.govdesk.desktop';

const bothArchitectures = ['x64', 'arm64'] as const;

const config: Configuration = {
  appId: APP_ID,
  productName: 'GovDesk',
  copyright: 'Apache-2.0',
  electronVersion,
  ...(process.env.GOVDESK_ELECTRON_DIST ? { electronDist: process.env.GOVDESK_ELECTRON_DIST } : {}),
  directories: {
    output: 'out/packages',
  },
  // Everything that runs is bundled by build/lib/desktop-build.ts; the only native module, the SQLite
  // binding (better-sqlite3-multiple-ciphers), ships N-API prebuilds that work in Electron as they are.
  // Rebuilding would download Electron's headers for nothing.
  npmRebuild: false,
  buildDependenciesFromSource: false,
  files: [
    'package.json',
    'dist/**/*',
    '!dist/.fingerprint',
    '!dist/**/*.map',
    // Browser mode's bridge is not part of the desktop app.
    '!dist/web/**',
    // The production dependencies of @govdesk/desktop (electron-builder collects them from the workspace).
    'node_modules/**/*',
  ],
  asar: true,
  // Native modules cannot be loaded from inside an asar archive.
  asarUnpack: ['**/*.node'],
  protocols: [{ name: 'GovDesk', schemes: ['govdesk'] }],
  // Flipped in the Electron binary at package time (docs/security.md, "Fuses").
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableCookieEncryption: true,
    onlyLoadAppFromAsar: true,
    enableEmbeddedAsarIntegrityValidation: true,
    grantFileProtocolExtraPrivileges: false,
    loadBrowserProcessSpecificV8Snapshot: false,
  },
  linux: {
    target: [
      { target: 'deb', arch: [...bothArchitectures] },
      { target: 'AppImage', arch: [...bothArchitectures] },
    ],
    category: 'Office',
    executableName: 'govdesk',
    synopsis: '政务协同桌面',
    description: 'GovDesk 政务协同桌面 — open, self-hostable collaboration desktop for government',
    maintainer: 'GovDesk',
  },
  deb: {
    // libsecret is how safeStorage reaches GNOME Keyring; without a keyring GovDesk asks before storing secrets weakly.
    depends: ['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0'],
  },
  win: {
    target: [{ target: 'nsis', arch: [...bothArchitectures] }],
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    createDesktopShortcut: true,
    shortcutName: '政务协同桌面',
  },
  mac: {
    target: [{ target: 'dmg', arch: [...bothArchitectures] }],
    category: 'public.app-category.productivity',
    hardenedRuntime: true,
  },
};

export default config;
