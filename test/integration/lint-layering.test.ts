import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../build/lib/paths.ts';

/**
 * The layering rule is only worth something if a violation really fails
 * `npm run lint`. Each case copies a fixture into the layer it violates, runs
 * the lint command of package.json on it, and removes it again.
 */

const FIXTURE_NAME = '__layering_fixture__.ts';
const fixtures = path.join(repoRoot, 'test/fixtures/layering');
const placed: string[] = [];

function lintAs(fixture: string, layerDir: string): { status: number | null; output: string } {
  const target = path.join(repoRoot, layerDir, FIXTURE_NAME);
  if (existsSync(target)) throw new Error(`${target} exists already; a previous run did not clean up`);
  const layer = path.dirname(target);
  if (!existsSync(layer)) {
    mkdirSync(layer, { recursive: true });
    placed.push(layer);
  }
  copyFileSync(path.join(fixtures, fixture), target);
  placed.push(target);
  // The command `npm run lint` runs (package.json), on the one file.
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/eslint/bin/eslint.js'), '--max-warnings=0', target], { cwd: repoRoot, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

afterEach(() => {
  // Files first, then any layer folder this test had to create.
  for (const file of placed.splice(0).reverse()) rmSync(file, { force: true, recursive: true });
});

describe('npm run lint enforces the layering of docs/architecture.md', () => {
  it('package.json lint is the command this test runs', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.lint).toBe('sh build/run.sh eslint --max-warnings=0 .');
  });

  it.each([
    ['renderer-imports-electron.ts', 'desktop/src/renderer', /'electron' import is restricted.*only desktop\/src\/main and desktop\/src\/preload may import electron/],
    ['renderer-imports-node.ts', 'desktop/src/renderer', /'node:fs' import is restricted.*Node builtins are not allowed here/],
    ['renderer-imports-core.ts', 'desktop/src/renderer', /the renderer reaches core only through window\.govdesk/],
    ['shared-imports-node.ts', 'shared/src', /'node:path' import is restricted.*shared is pure/],
    ['core-imports-electron.ts', 'desktop/src/core', /'electron' import is restricted.*only desktop\/src\/main and desktop\/src\/preload/],
  ])('%s placed in %s fails lint', (fixture, layerDir, reason) => {
    const { status, output } = lintAs(fixture, layerDir);
    expect(output).toMatch(/GovDesk layering/);
    expect(output).toMatch(reason);
    expect(status).toBe(1);
  });

  it.each([
    ['renderer-clean.ts', 'desktop/src/renderer'],
    ['main-imports-electron.ts', 'desktop/src/main'],
  ])('%s placed in %s passes lint', (fixture, layerDir) => {
    const { status, output } = lintAs(fixture, layerDir);
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
