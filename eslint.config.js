// ESLint flat config. Besides code quality it enforces GovDesk's layering
// (docs/architecture.md) with an allow-list per layer, as VS Code guards its
// layers with `code-import-patterns`: each layer below lists what it MAY import;
// any other import fails lint (build/lint/layering.ts is the rule). shared and
// the renderer are also kept free of Node (and, for shared, DOM) globals.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import { layeringPlugin } from './build/lint/layering.ts';

const LAYERING = 'GovDesk layering (docs/architecture.md)';

/** @type {import('./build/lint/layering.ts').Layer[]} */
const LAYERS = [
  {
    name: 'shared',
    holds: ['shared/src/'],
    may: { packages: ['zod', 'yjs', 'lib0', 'y-protocols'] },
    why: 'shared is pure TypeScript that every layer runs: no Node, no DOM, no electron, no UI or server library.',
  },
  {
    name: 'core',
    holds: ['desktop/src/core/'],
    may: { layers: ['shared'], packages: ['zod', 'yjs', 'y-protocols', 'ws', 'better-sqlite3-multiple-ciphers', 'matrix-js-sdk'], node: true },
    why: 'core runs in plain Node (Electron utility process, browser mode, tests); it serves the UI through the contract and never reaches into main, preload or the renderer.',
  },
  {
    name: 'main',
    holds: ['desktop/src/main/'],
    may: { layers: ['core', 'shared'], packages: ['zod'], node: true, electron: true },
    why: 'main owns windows and IPC; it talks to core over the host protocol and never imports the renderer.',
  },
  {
    name: 'preload',
    holds: ['desktop/src/preload/'],
    may: { layers: ['shared'], electron: true },
    why: 'a sandboxed preload can load only electron renderer modules; it bridges and holds no logic of core or main.',
  },
  {
    name: 'renderer',
    holds: ['desktop/src/renderer/'],
    may: { layers: ['shared'], packages: ['react', 'react-dom', 'antd', '@ant-design/icons', '@tiptap/*', 'yjs', '@tanstack/react-virtual'] },
    why: 'the renderer runs in a sandboxed Chromium page and reaches core only through window.govdesk.',
  },
  {
    name: 'browser-mode bridge',
    holds: ['desktop/src/web/client/'],
    may: { layers: ['shared'] },
    why: 'the bridge script runs in the page beside the renderer and only carries window.govdesk over the loopback WebSocket.',
  },
  {
    name: 'browser mode',
    holds: ['desktop/src/web/'],
    may: { layers: ['core', 'shared'], packages: ['ws'], node: true },
    why: 'browser mode is a Node shell around core, like main without Electron.',
  },
  {
    name: 'sync-server',
    holds: ['sync-server/src/'],
    may: { layers: ['shared'], packages: ['zod', 'yjs', 'lib0', 'y-protocols', 'ws', 'better-sqlite3', 'pino', 'prom-client', 'pinyin-pro'], node: true },
    why: 'the sync-server is a server of its own: it shares only shared with the desktop app.',
  },
  {
    name: 'shared tests',
    holds: ['shared/test/'],
    may: { layers: ['shared'], packages: '*', node: true },
    why: 'tests of shared test shared.',
  },
  {
    name: 'desktop tests',
    holds: ['desktop/test/'],
    may: { layers: ['core', 'main', 'preload', 'renderer', 'browser mode', 'browser-mode bridge', 'shared', 'tests', 'build'], packages: '*', node: true },
    why: 'desktop tests run the desktop app and a sync-server process, never sync-server sources; tests never import benches.',
  },
  {
    name: 'desktop benches',
    holds: ['desktop/bench/'],
    may: { layers: ['core', 'renderer', 'shared', 'desktop tests', 'tests', 'build'], packages: '*', node: true },
    why: "benches may use tests' helpers (never the reverse) and, like desktop tests, no sync-server sources.",
  },
  {
    name: 'sync-server tests',
    holds: ['sync-server/test/'],
    may: { layers: ['sync-server', 'shared', 'tests', 'build'], packages: '*', node: true },
    why: 'sync-server tests never import desktop sources, nor benches.',
  },
  {
    name: 'sync-server benches',
    holds: ['sync-server/bench/'],
    may: { layers: ['sync-server', 'shared', 'sync-server tests', 'tests', 'build'], packages: '*', node: true },
    why: "benches may use tests' helpers (never the reverse) and no desktop sources.",
  },
  {
    name: 'tests',
    holds: ['test/'],
    may: { layers: ['core', 'renderer', 'browser mode', 'shared', 'build'], packages: '*', node: true },
    why: 'end-to-end tests and the helpers every test shares drive the real processes; tests never import benches.',
  },
  {
    name: 'build',
    holds: ['build/', 'eslint.config.js', 'vitest.config.ts', 'playwright.config.ts', 'desktop/vite.config.ts'],
    may: { layers: ['shared'], packages: '*', node: true },
    why: 'build scripts drive the products as processes and bundles, not as libraries.',
  },
];

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '.cache/**', '.run/**', '**/dist/**', '**/out/**', '.tsbuild/**', 'test-results/**', 'playwright-report/**', 'test/fixtures/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      // `import { type X }` with only type specifiers still loads the module at run time; `import type` does not.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    files: ['**/*.{js,cjs,mjs,ts,tsx}'],
    plugins: { govdesk: layeringPlugin },
    rules: { 'govdesk/layering': ['error', { layers: LAYERS }] },
  },
  {
    files: ['**/*.{ts,tsx}'],
    ignores: ['shared/src/**', 'desktop/src/renderer/**', 'desktop/src/web/client/**', 'desktop/src/preload/**'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['shared/src/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'process', 'Buffer', 'require', '__dirname', '__filename', 'global'].map((name) => ({ name, message: `${LAYERING}: shared may use neither DOM nor Node globals.` }))],
    },
  },
  {
    files: ['desktop/src/renderer/**/*.{ts,tsx}', 'desktop/src/web/client/**/*.ts'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-globals': ['error', ...['process', 'Buffer', 'require', '__dirname', '__filename', 'global'].map((name) => ({ name, message: `${LAYERING}: the renderer has no Node globals.` }))],
    },
  },
  {
    files: ['desktop/src/preload/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
);
