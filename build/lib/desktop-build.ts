import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.ts';

/**
 * Builds what the desktop app serves or loads: the renderer (Vite), browser
 * mode's bridge, and Electron's main, preload and core-process bundles
 * (esbuild). Skipped when no input changed since the last build.
 */

export const desktopDir = path.join(repoRoot, 'desktop');
export const desktopDist = path.join(desktopDir, 'dist');
export const rendererDist = path.join(desktopDist, 'renderer');
export const bridgeBundle = path.join(desktopDist, 'web', 'bridge.js');
export const mainBundle = path.join(desktopDist, 'main', 'main.cjs');
export const preloadBundle = path.join(desktopDist, 'preload', 'preload.cjs');
export const coreHostBundle = path.join(desktopDist, 'core', 'core-host.cjs');
/** The core process's compaction worker: a worker thread needs a file of its own. */
export const compactionWorkerBundle = path.join(desktopDist, 'core', 'compaction-worker.cjs');

/**
 * Electron's main process; the core process main starts with utilityProcess.fork; and the preload, which a
 * sandboxed renderer can only load as one CommonJS file requiring nothing but electron. The native SQLite
 * module stays outside the bundles (electron-builder unpacks it from the asar). Only entries that exist are built.
 */
function electronBundles(): { entry: string; outfile: string; platform: 'node' | 'browser'; target: string }[] {
  const bundles: ReturnType<typeof electronBundles> = [
    { entry: 'src/main/main.ts', outfile: mainBundle, platform: 'node', target: 'node22' },
    { entry: 'src/core/host/core-host-main.ts', outfile: coreHostBundle, platform: 'node', target: 'node22' },
    { entry: 'src/core/store/compaction-worker.ts', outfile: compactionWorkerBundle, platform: 'node', target: 'node22' },
    { entry: 'src/preload/preload.ts', outfile: preloadBundle, platform: 'browser', target: 'chrome130' },
  ];
  return bundles.filter(({ entry }) => existsSync(path.join(desktopDir, entry)));
}

const INPUTS = ['desktop/src', 'shared/src', 'desktop/vite.config.ts', 'package-lock.json'];

function fingerprint(): string {
  const hash = createHash('sha256');
  const walk = (entry: string) => {
    const stats = statSync(entry);
    if (stats.isDirectory()) {
      for (const child of readdirSync(entry).sort()) walk(path.join(entry, child));
    } else {
      hash.update(entry).update(readFileSync(entry));
    }
  };
  for (const input of INPUTS) walk(path.join(repoRoot, input));
  return hash.digest('hex');
}

export async function buildDesktop({ force = false }: { force?: boolean } = {}): Promise<'built' | 'up to date'> {
  const stamp = path.join(desktopDist, '.fingerprint');
  const current = fingerprint();
  const outputs = [path.join(rendererDist, 'index.html'), bridgeBundle, ...electronBundles().map(({ outfile }) => outfile)];
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === current && outputs.every((file) => existsSync(file))) return 'up to date';

  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(desktopDir, 'vite.config.ts'), root: path.join(desktopDir, 'src/renderer'), logLevel: 'warn' });

  // Vite too (not esbuild), whose bundler drops the parts of zod the bridge does not use (its locales alone are
  // 300 KB): the page parses this script before the app's at every start.
  await viteBuild({
    configFile: false,
    logLevel: 'warn',
    build: {
      lib: { entry: path.join(desktopDir, 'src/web/client/bridge.ts'), formats: ['es'], fileName: () => path.basename(bridgeBundle) },
      outDir: path.dirname(bridgeBundle),
      emptyOutDir: true,
      target: 'chrome130',
      // Library builds are not minified by default.
      minify: true,
      sourcemap: true,
    },
  });
  const esbuild = await import('esbuild');
  const electronCommon = {
    bundle: true,
    format: 'cjs' as const,
    sourcemap: true,
    logLevel: 'warning' as const,
    external: ['electron', 'better-sqlite3-multiple-ciphers'],
    // Core finds files beside its source with import.meta.url only when run from source; the bundles pass paths explicitly.
    logOverride: { 'empty-import-meta': 'silent' as const },
  };
  for (const { entry, outfile, platform, target } of electronBundles()) {
    await esbuild.build({ ...electronCommon, entryPoints: [path.join(desktopDir, entry)], outfile, platform, target });
  }

  mkdirSync(desktopDist, { recursive: true });
  writeFileSync(stamp, current);
  return 'built';
}
