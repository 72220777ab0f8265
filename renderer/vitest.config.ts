/**
 * @file Vitest configuration for the renderer's component tests (test/renderer), run in
 * jsdom with Svelte compiled for the browser. Kept apart from the root configuration,
 * whose tests run real native code in Node.
 */
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  plugins: [
    svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) }),
    svelteTesting(),
  ],
  test: {
    name: 'renderer',
    environment: 'jsdom',
    include: ['test/renderer/**/*.test.ts'],
  },
});
