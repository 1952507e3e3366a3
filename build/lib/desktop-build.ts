import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.ts';

/**
 * Builds what the desktop app serves or loads: the renderer (Vite), browser
 * mode's bridge, and Electron's main and preload bundles (esbuild). Skipped
 * when no input changed since the last build.
 */

export const desktopDir = path.join(repoRoot, 'desktop');
export const desktopDist = path.join(desktopDir, 'dist');
export const rendererDist = path.join(desktopDist, 'renderer');
export const bridgeBundle = path.join(desktopDist, 'web', 'bridge.js');
export const mainBundle = path.join(desktopDist, 'main', 'main.cjs');
export const preloadBundle = path.join(desktopDist, 'preload', 'preload.cjs');

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
  const outputs = [path.join(rendererDist, 'index.html'), bridgeBundle];
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === current && outputs.every((file) => existsSync(file))) return 'up to date';

  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(desktopDir, 'vite.config.ts'), root: path.join(desktopDir, 'src/renderer'), logLevel: 'warn' });

  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(desktopDir, 'src/web/client/bridge.ts')],
    outfile: bridgeBundle,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome130',
    sourcemap: true,
    logLevel: 'warning',
  });
  // Electron's main process, and the preload, which a sandboxed renderer can only load as one CommonJS file.
  const electronCommon = { bundle: true, format: 'cjs' as const, target: 'node22', sourcemap: true, logLevel: 'warning' as const, external: ['electron', 'better-sqlite3-multiple-ciphers'] };
  for (const [entry, outfile] of [['src/main/main.ts', mainBundle], ['src/preload/preload.ts', preloadBundle]] as const) {
    if (existsSync(path.join(desktopDir, entry))) await esbuild.build({ ...electronCommon, entryPoints: [path.join(desktopDir, entry)], outfile, platform: 'node' });
  }

  mkdirSync(desktopDist, { recursive: true });
  writeFileSync(stamp, current);
  return 'built';
}
