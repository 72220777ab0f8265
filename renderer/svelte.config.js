// @file Svelte compiler options for the renderer (read by vite-plugin-svelte, svelte-check
// and eslint-plugin-svelte). Runes everywhere: no legacy reactive syntax can creep in.
export default {
  compilerOptions: { runes: true },
};
