// @file Lint configuration. The layer rules of DESIGN.md live here, so a wrong import
// fails `npm run check` instead of relying on anyone's memory.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import svelteConfig from './renderer/svelte.config.js';

/** Restrict a layer to the imports DESIGN.md allows it. */
const layer = (files, patterns, message) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: patterns.map((group) => ({ group: [group], message })) },
    ],
  },
});

export default tseslint.config(
  { ignores: ['node_modules', 'out', 'dist', 'coverage', 'test-artifacts', 'resources', '.cache'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  layer(
    ['electron/shared/**'],
    [
      'electron',
      'node:*',
      '*/engine/*',
      '*/main/*',
      '*/worker/*',
      '*/cli/*',
      '*/native/*',
      '*/renderer/*',
    ],
    'electron/shared imports nothing outside itself (DESIGN.md, Layout).',
  ),
  layer(
    ['electron/engine/**'],
    ['electron', '**/main/**', '**/worker/**', '**/cli/**', '**/preload/**', '**/renderer/**'],
    'electron/engine is plain Node: it may import shared and native only (DESIGN.md, Layout).',
  ),
  layer(
    ['electron/cli/**'],
    ['electron', '**/main/**', '**/worker/**', '**/preload/**', '**/renderer/**', '**/native/**'],
    'electron/cli uses the engine and shared only (DESIGN.md, Layout).',
  ),
  layer(
    ['native/**'],
    ['electron', '**/electron/**', '**/renderer/**'],
    'native/ holds thin adapters over node and native packages only (DESIGN.md, Layout).',
  ),
  layer(
    ['electron/worker/**'],
    ['electron', '**/main/**', '**/preload/**', '**/cli/**', '**/renderer/**', '**/native/**'],
    'electron/worker hosts the engine: shared and engine only (DESIGN.md, Layout).',
  ),
  layer(
    ['electron/main/**'],
    ['**/renderer/**'],
    'electron/main may import anything but the renderer (DESIGN.md, Layout).',
  ),
  {
    files: ['electron/preload/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/shared/**'],
              allowTypeImports: true,
              message: 'The sandboxed preload takes only types from shared (DESIGN.md, Layout).',
            },
            {
              group: [
                'node:*',
                '**/engine/**',
                '**/main/**',
                '**/worker/**',
                '**/cli/**',
                '**/native/**',
                '**/renderer/**',
              ],
              message: 'The sandboxed preload can load only electron (DESIGN.md, Layout).',
            },
          ],
        },
      ],
    },
  },
  ...svelte.configs.recommended,
  {
    files: ['renderer/**', 'test/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: tseslint.parser,
        svelteConfig,
      },
    },
  },
  {
    // svelte-check type-checks markup; typescript-eslint sees component instances and
    // inline handler parameters as any.
    files: ['**/*.svelte'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['renderer/*.config.ts'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['renderer/**'],
    ignores: ['renderer/*.config.ts', 'renderer/*.config.js'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message:
                'The renderer reaches the backend only through renderer/src/lib/api.ts (DESIGN.md, Layout).',
            },
          ],
          patterns: [
            {
              group: [
                'node:*',
                '**/electron/engine/**',
                '**/electron/main/**',
                '**/electron/worker/**',
                '**/electron/cli/**',
                '**/electron/preload/**',
                '**/native/**',
              ],
              message:
                'The renderer reaches the backend only through renderer/src/lib/api.ts (DESIGN.md, Layout).',
            },
          ],
        },
      ],
    },
  },
);
