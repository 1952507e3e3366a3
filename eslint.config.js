// ESLint flat config. Besides code quality it enforces GovDesk's layering
// (docs/architecture.md), as VS Code enforces its layers with lint rules:
//   shared            pure: no Node builtins, no DOM, no electron, no UI or server libraries
//   desktop renderer  no Node builtins, no electron, no core/main/preload: it reaches core only through window.govdesk
//   desktop preload   electron's renderer modules and shared only (a sandboxed preload cannot load Node modules)
//   desktop main      the only folder besides preload that may import electron
//   everything else   never imports electron (in plain Node, require('electron') tries to download a binary)
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const LAYERING = 'GovDesk layering (docs/architecture.md)';
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));

function restrictImports({ node = false, electron = false, packages = [], patterns = [], why }) {
  const paths = [];
  if (!electron) paths.push({ name: 'electron', message: `${LAYERING}: only desktop/src/main and desktop/src/preload may import electron. ${why}` });
  if (!node) for (const name of nodeBuiltins) paths.push({ name, message: `${LAYERING}: Node builtins are not allowed here. ${why}` });
  for (const name of packages) paths.push({ name, message: `${LAYERING}: ${name} is not allowed here. ${why}` });
  const groups = [...patterns];
  if (!node) groups.push({ group: ['node:*'], message: `${LAYERING}: Node builtins are not allowed here. ${why}` });
  return ['error', { paths, patterns: groups }];
}

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
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['shared/src/**', 'desktop/src/renderer/**', 'desktop/src/web/client/**', 'desktop/src/preload/**', 'desktop/src/main/**'],
    languageOptions: { globals: globals.node },
    rules: { 'no-restricted-imports': restrictImports({ node: true, why: 'Node code must run without Electron.' }) },
  },
  {
    files: ['shared/src/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports({
        packages: ['react', 'react-dom', 'antd', 'better-sqlite3', 'better-sqlite3-multiple-ciphers', 'ws', 'pino', 'matrix-js-sdk'],
        why: 'shared is pure TypeScript used by every layer.',
      }),
      'no-restricted-globals': ['error', ...['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'process', 'Buffer', 'require', '__dirname', '__filename', 'global'].map((name) => ({ name, message: `${LAYERING}: shared may use neither DOM nor Node globals.` }))],
    },
  },
  {
    files: ['desktop/src/renderer/**/*.{ts,tsx}', 'desktop/src/web/client/**/*.ts'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': restrictImports({
        packages: ['better-sqlite3', 'better-sqlite3-multiple-ciphers', 'ws', 'pino'],
        patterns: [{ group: ['**/core/**', '**/main/**', '**/preload/**', '**/web/server*', '**/web/main*'], message: `${LAYERING}: the renderer reaches core only through window.govdesk.` }],
        why: 'The renderer runs in a sandboxed Chromium page.',
      }),
      'no-restricted-globals': ['error', ...['process', 'Buffer', 'require', '__dirname', '__filename', 'global'].map((name) => ({ name, message: `${LAYERING}: the renderer has no Node globals.` }))],
    },
  },
  {
    files: ['desktop/src/preload/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': restrictImports({
        electron: true,
        patterns: [{ group: ['**/core/**', '**/main/**', '**/renderer/**'], message: `${LAYERING}: the preload only bridges; it holds no logic of core or the renderer.` }],
        why: 'A sandboxed preload can load only electron renderer modules.',
      }),
    },
  },
  {
    files: ['desktop/src/main/**/*.ts'],
    languageOptions: { globals: globals.node },
    rules: {
      'no-restricted-imports': restrictImports({ node: true, electron: true, patterns: [{ group: ['**/renderer/**'], message: `${LAYERING}: main does not import the renderer.` }], why: '' }),
    },
  },
);
