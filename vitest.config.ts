import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Component tests run under their own config (jsdom, Svelte): renderer/vitest.config.ts.
    exclude: [...configDefaults.exclude, 'test/renderer/**'],
    // Integration tests run real sharp, onnxruntime-node and LanceDB on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The temp folder first: the toy models are written into it too.
    globalSetup: ['test/setup/temp-folder.ts', 'test/setup/toy-models.ts'],
  },
});
