/**
 * @file Vite build of the Svelte renderer (build time, Node). Output goes to out/renderer
 * with relative asset URLs, so the same files load from file:// in Electron and from /
 * in the browser shell.
 */
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const rendererRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: rendererRoot,
  // Relative URLs: Electron loads index.html from file://, the browser shell from /.
  base: './',
  plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) })],
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    // out/renderer sits outside the Vite root, so Vite only empties it when told to.
    emptyOutDir: true,
    // Electron 38 ships Chromium 140; the browser shell targets a current Chromium too.
    target: 'chrome120',
    sourcemap: true,
    // The polyfill is for old browsers and would be one more script for the CSP to allow.
    modulePreload: { polyfill: false },
    // Keep every asset a file: the CSP allows data: images, but not data: scripts or fonts.
    assetsInlineLimit: 0,
  },
});
