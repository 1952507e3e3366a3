import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../build/lib/paths.ts';

/**
 * The layering rule is only worth something if a violation really fails lint.
 * Each case lints a fixture as if it were a file of the layer it names: the
 * repository's own eslint.config.js, with the fixture's text under a path in that
 * layer. Nothing is written into the tree, so other work in it is not disturbed.
 *
 * The one difference from `npm run lint` is that type information is off: the
 * TypeScript project service only knows files on disk, and the layering rule and
 * the globals rules need no types.
 */

const fixtures = path.join(repoRoot, 'test/fixtures/layering');
const eslint = new ESLint({ cwd: repoRoot, overrideConfig: tseslint.configs.disableTypeChecked as Linter.Config });

async function lintAs(fixture: string, layerDir: string): Promise<string[]> {
  const filePath = path.join(repoRoot, layerDir, `__layering_fixture__${path.extname(fixture)}`);
  const [result] = await eslint.lintText(readFileSync(path.join(fixtures, fixture), 'utf8'), { filePath });
  return result!.messages.map((message) => `${message.ruleId ?? 'parser'}: ${message.message}`);
}

describe('lint enforces the layering of docs/architecture.md', () => {
  it('package.json lint runs eslint with this configuration', async () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.lint).toBe('sh build/run.sh eslint --max-warnings=0 .');
    const config = (await eslint.calculateConfigForFile(path.join(repoRoot, 'desktop/src/core/core.ts'))) as Linter.Config;
    expect(config.rules?.['govdesk/layering']).toBeDefined();
  });

  it.each([
    // core: never the renderer, main, preload or electron, never sync-server sources
    ['core-imports-renderer.ts', 'desktop/src/core', /core may not import renderer \(desktop\/src\/renderer\/app\/App\.tsx\)/],
    ['core-imports-main.ts', 'desktop/src/core', /core may not import main \(desktop\/src\/main\/windows\.ts\)/],
    ['core-imports-preload.ts', 'desktop/src/core', /core may not import preload \(desktop\/src\/preload\/bridge\.ts\)/],
    ['core-imports-electron.ts', 'desktop/src/core', /core may not import electron \(only main and preload may\)/],
    ['core-imports-sync-server.ts', 'desktop/src/core', /core may not import sync-server \(sync-server\/src\/config\.ts\)/],
    // the rest of desktop never imports sync-server sources either, also not by package name
    ['browser-mode-imports-sync-server-package.ts', 'desktop/src/web', /browser mode may not import sync-server \(sync-server\/src\/index\.ts\)/],
    ['desktop-test-imports-sync-server.ts', 'desktop/test/integration', /desktop tests may not import sync-server \(sync-server\/src\/server\.ts\)/],
    // sync-server and its tests never import desktop
    ['sync-server-imports-desktop.ts', 'sync-server/src', /sync-server may not import core \(desktop\/src\/core\/core\.ts\)/],
    ['sync-server-test-imports-desktop.ts', 'sync-server/test/integration', /sync-server tests may not import core \(desktop\/src\/core\/core\.ts\)/],
    // shared: zod, yjs, lib0, y-protocols and itself, nothing else
    ['shared-imports-node.ts', 'shared/src', /shared may not import the Node builtin 'node:path'/],
    ['shared-imports-builtin.ts', 'shared/src/documents', /shared may not import the Node builtin 'events'/],
    ['shared-imports-package.ts', 'shared/src', /shared may not import the package 'ws'/],
    ['shared-imports-electron.ts', 'shared/src', /shared may not import electron/],
    ['shared-imports-desktop.ts', 'shared/src', /shared may not import core \(desktop\/src\/core\/core\.ts\)/],
    ['shared-uses-node-global.ts', 'shared/src', /no-restricted-globals: .*shared may use neither DOM nor Node globals/],
    // renderer: shared and UI packages only
    ['renderer-imports-core.ts', 'desktop/src/renderer', /renderer may not import core \(desktop\/src\/core\/core\.ts\)/],
    ['renderer-imports-core-type.ts', 'desktop/src/renderer', /renderer may not import core \(desktop\/src\/core\/core\.ts\)/],
    ['renderer-imports-node.ts', 'desktop/src/renderer', /renderer may not import the Node builtin 'node:fs'/],
    ['renderer-imports-electron.ts', 'desktop/src/renderer', /renderer may not import electron/],
    // preload: electron and shared only
    ['preload-imports-core.ts', 'desktop/src/preload', /preload may not import core \(desktop\/src\/core\/core\.ts\)/],
    ['preload-imports-node.ts', 'desktop/src/preload', /preload may not import the Node builtin 'node:fs'/],
    // main loads the renderer as a page, not as a module
    ['main-imports-renderer.ts', 'desktop/src/main', /main may not import renderer \(desktop\/src\/renderer\/app\/App\.tsx\)/],
    // tests never import benches
    ['test-imports-bench.ts', 'sync-server/test/integration', /sync-server tests may not import sync-server benches \(sync-server\/bench\/sync\/targets\.ts\)/],
    ['desktop-test-imports-bench.ts', 'desktop/test/unit', /desktop tests may not import desktop benches \(desktop\/bench\/lib\/messages\.ts\)/],
    ['support-imports-bench.ts', 'test/support', /tests may not import sync-server benches \(sync-server\/bench\/sync\/targets\.ts\)/],
    // a folder nobody placed in the table is refused, not waved through
    ['in-no-layer.ts', 'docs', /docs\/__layering_fixture__\.ts is in no layer/],
  ])('%s placed in %s fails lint', async (fixture, layerDir, reason) => {
    const messages = await lintAs(fixture, layerDir);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/GovDesk layering \(docs\/architecture\.md\)/);
    expect(messages[0]).toMatch(reason);
  });

  it.each([
    ['shared-clean.ts', 'shared/src/documents'],
    ['core-clean.ts', 'desktop/src/core/documents'],
    ['main-clean.ts', 'desktop/src/main'],
    ['preload-clean.ts', 'desktop/src/preload'],
    ['renderer-clean.ts', 'desktop/src/renderer'],
    ['browser-bridge-clean.ts', 'desktop/src/web/client'],
    ['browser-mode-clean.ts', 'desktop/src/web'],
    ['sync-server-clean.ts', 'sync-server/src/sync'],
    ['shared-test-clean.ts', 'shared/test/unit'],
    ['sync-server-test-clean.ts', 'sync-server/test/integration'],
    ['sync-server-bench-clean.ts', 'sync-server/bench'],
    ['desktop-test-clean.ts', 'desktop/test/unit'],
    ['desktop-bench-clean.ts', 'desktop/bench'],
    ['tests-clean.ts', 'test/support'],
    ['build-clean.ts', 'build/scripts'],
  ])('%s placed in %s passes lint', async (fixture, layerDir) => {
    expect(await lintAs(fixture, layerDir)).toEqual([]);
  });
});
