import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Configuration } from 'electron-builder';
import { repoRoot } from '../../../build/lib/paths.ts';
import { APP_ID, DEEP_LINK_SCHEME } from '../../src/main/identity.ts';

/**
 * Packaging cannot run here (it downloads the Electron zip), so this loads
 * build/electron-builder.config.ts the way `npm run package` does, with
 * electron-builder 26's own loader and schema, and checks what the installers
 * must get right: no native rebuild, the fuses, the app id that Windows
 * notifications depend on, the govdesk:// scheme, and the targets.
 */

const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null): Promise<Configuration>;
  validateConfiguration(config: Configuration, debugLogger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

const projectDir = path.join(repoRoot, 'desktop');
const rootPackage = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const desktopPackage = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as { main: string; productName: string };

/** The config as `npm run package` makes electron-builder load it. */
async function packagingConfig(): Promise<Configuration> {
  const script = rootPackage.scripts.package ?? '';
  const configPath = /--config (\S+)/.exec(script)?.[1];
  expect(configPath, 'npm run package names a config').toBeDefined();
  return getConfig(projectDir, configPath as string);
}

function targets(platform: Configuration['linux'] | Configuration['win'] | Configuration['mac']): Record<string, string[]> {
  const list = (platform?.target ?? []) as { target: string; arch?: string[] }[];
  return Object.fromEntries(list.map(({ target, arch }) => [target, [...(arch ?? [])].sort()]));
}

describe('the electron-builder configuration', () => {
  it('is what npm run package uses, on the desktop package', () => {
    expect(rootPackage.scripts.package).toMatch(/^sh build\/run\.sh node build\/scripts\/build-desktop\.ts && sh build\/run\.sh electron-builder --projectDir desktop --config \.\.\/build\/electron-builder\.config\.ts$/);
  });

  it("loads with electron-builder's loader and passes its schema", async () => {
    const config = await packagingConfig();
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('never rebuilds native modules (that downloads Electron headers; the SQLite binding is N-API)', async () => {
    const config = await packagingConfig();
    expect(config.npmRebuild).toBe(false);
    expect(config.buildDependenciesFromSource).toBe(false);
  });

  it('flips the fuses of docs/security.md', async () => {
    const config = await packagingConfig();
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
      enableNodeCliInspectArguments: false,
    });
  });

  it("uses main's app id (Windows notifications) and registers the govdesk:// scheme", async () => {
    const config = await packagingConfig();
    expect(config.appId).toBe(APP_ID);
    expect(config.productName).toBe(desktopPackage.productName);
    const schemes = (config.protocols as { schemes: string[] }[] | undefined)?.flatMap((protocol) => protocol.schemes);
    expect(schemes).toEqual([DEEP_LINK_SCHEME]);
  });

  it('builds deb and AppImage, NSIS and dmg, each for x64 and arm64', async () => {
    const config = await packagingConfig();
    expect(targets(config.linux)).toEqual({ deb: ['arm64', 'x64'], AppImage: ['arm64', 'x64'] });
    expect(targets(config.win)).toEqual({ nsis: ['arm64', 'x64'] });
    expect(targets(config.mac)).toEqual({ dmg: ['arm64', 'x64'] });
  });

  it('ships the bundles and the production node_modules, with native modules outside the asar', async () => {
    const config = await packagingConfig();
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
    // electron-builder normalises `files` into file sets with a filter list.
    const files = ([config.files ?? []].flat() as (string | { filter?: string | string[] })[]).flatMap((entry) => (typeof entry === 'string' ? [entry] : [entry.filter ?? []].flat()));
    for (const pattern of ['package.json', 'dist/**/*', 'node_modules/**/*']) expect(files).toContain(pattern);
    expect(desktopPackage.main).toBe('dist/main/main.cjs');
  });

  it('packages the Electron version the app is developed with', async () => {
    const config = await packagingConfig();
    const electron = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/electron/package.json'), 'utf8')) as { version: string };
    expect(config.electronVersion).toBe(electron.version);
  });

  it('documents the loong64 (龙芯) route in the config and in docs/security.md', () => {
    expect(readFileSync(path.join(repoRoot, 'build/electron-builder.config.ts'), 'utf8')).toMatch(/loong64/);
    expect(readFileSync(path.join(repoRoot, 'docs/security.md'), 'utf8')).toMatch(/loong64/);
  });
});
