// @file Lint configuration. The layer rules of DESIGN.md live here, so a wrong import
// fails `npm run check` instead of relying on anyone's memory.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import svelteConfig from './renderer/svelte.config.js';

/**
 * Each native package has one door, the adapter that wraps it (DESIGN.md, Layout): it
 * is imported there and in test/, nowhere else. Type-only imports count too: a type of
 * sharp in the engine ties the engine to sharp all the same.
 */
const PACKAGE_DOORS = [
  ['sharp', 'native/image'],
  ['onnxruntime-node', 'native/onnx'],
  ['@lancedb/lancedb', 'native/store'],
  ['apache-arrow', 'native/store'],
];

/**
 * The no-restricted-imports options for some files: their own `paths` and `patterns`
 * plus every native package they are not the door of. One config object's options
 * replace an earlier one's for the same file, so every object that sets this rule
 * must carry the package doors; build them all here.
 */
function restrictedImports({ paths = [], patterns = [], doorOf = [] }) {
  const closed = PACKAGE_DOORS.filter(([name]) => !doorOf.includes(name));
  const message = (name, door) =>
    `${name} is reached only through ${door}, its adapter (DESIGN.md, Layout).`;
  return [
    'error',
    {
      paths: [...paths, ...closed.map(([name, door]) => ({ name, message: message(name, door) }))],
      patterns: [
        ...patterns,
        ...closed.map(([name, door]) => ({ group: [`${name}/*`], message: message(name, door) })),
      ],
    },
  ];
}

/** Restrict a layer to the imports DESIGN.md allows it (`doorOf`: its native packages). */
const layer = (files, groups, message, doorOf = []) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': restrictedImports({
      patterns: groups.map((group) => ({ group: Array.isArray(group) ? group : [group], message })),
      doorOf,
    }),
  },
});

const NATIVE_RULE = ['electron', '**/electron/**', '**/renderer/**'];
const NATIVE_MESSAGE =
  'native/ holds thin adapters over node and native packages only (DESIGN.md, Layout).';

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
  // Everywhere not named below (scripts, configs): the package doors alone.
  layer(['**/*.{js,mjs,ts,svelte}'], [], ''),
  layer(
    ['test/**'],
    [],
    '',
    PACKAGE_DOORS.map(([name]) => name),
  ),
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
    [
      'electron',
      '**/main/**',
      '**/worker/**',
      '**/cli/**',
      '**/preload/**',
      '**/renderer/**',
      // sharp's door is native/image/index.ts; its other files are the adapter's own.
      ['**/native/image/**', '!**/native/image/index.js'],
    ],
    'electron/engine is plain Node: it may import shared and native only, an adapter through its index (DESIGN.md, Layout).',
  ),
  layer(
    ['electron/cli/**'],
    ['electron', '**/main/**', '**/worker/**', '**/preload/**', '**/renderer/**', '**/native/**'],
    'electron/cli uses the engine and shared only (DESIGN.md, Layout).',
  ),
  layer(['native/**'], NATIVE_RULE, NATIVE_MESSAGE),
  layer(['native/image/**'], NATIVE_RULE, NATIVE_MESSAGE, ['sharp']),
  layer(['native/onnx/**'], NATIVE_RULE, NATIVE_MESSAGE, ['onnxruntime-node']),
  layer(['native/store/**'], NATIVE_RULE, NATIVE_MESSAGE, ['@lancedb/lancedb', 'apache-arrow']),
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
      '@typescript-eslint/no-restricted-imports': restrictedImports({
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
      }),
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
      '@typescript-eslint/no-restricted-imports': restrictedImports({
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
      }),
    },
  },
);
