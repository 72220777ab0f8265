/**
 * @file apache-arrow and LanceDB, each loaded on first use.
 *
 * As sharp and ExifTool ([Note: native packages load on first use] in
 * native/image/sharp-module.ts): apache-arrow and LanceDB take ~100 ms to load on 2 cores,
 * paid before a command did anything else while they were imported when the bundle
 * started. Now `lantern --version`, `--help` and `cut` do not pay it (0.22 → 0.16 s), and
 * `lantern search` starts loading its text encoder before it.
 * The Arrow instance is the CommonJS build, LanceDB's own ([Note: one Arrow instance] in
 * schema.ts).
 */
import { createRequire } from 'node:module';
import type * as ArrowModule from 'apache-arrow';
import type * as LanceModule from '@lancedb/lancedb';

const require = createRequire(import.meta.url);
let loaded: typeof ArrowModule | null = null;

/** apache-arrow's CommonJS build; its first property read loads it. */
export const arrow: typeof ArrowModule = new Proxy({} as typeof ArrowModule, {
  get(_target, key) {
    loaded ??= require('apache-arrow') as typeof ArrowModule;
    return Reflect.get(loaded, key) as unknown;
  },
});

/**
 * LanceDB, loaded by the first call. Through require(), not import(): the desktop build is
 * CommonJS, and Electron's ESM loader does not read packages inside app.asar reliably
 * (docs/packaging.md).
 */
export function lancedb(): typeof LanceModule {
  return require('@lancedb/lancedb') as typeof LanceModule;
}
