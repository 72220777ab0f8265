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
 *
 * [Note: the store's packages as one bundle]
 * Required from node_modules, LanceDB's JavaScript and apache-arrow are ~280 CommonJS
 * files that Node finds, reads and compiles one by one: ~120 ms of every `lantern search`,
 * `status` or `index` on this project's 2-core machine, before the store can open. The
 * build also makes them one bundle, out/store-modules.cjs (its LanceDB's native binding
 * stays a package of its own), and the command line (bin/lantern.js) hands this module a
 * loader that runs it through V8's code cache, as it runs out/cli.cjs ([Note: the
 * command line's code cache] in bin/run-bundle.js): ~70 ms instead of ~120. Both packages
 * come from that one bundle, so LanceDB and Lantern share one Arrow instance there too.
 * Where there is no such loader or bundle (the tests, the desktop engine, the benchmark's
 * own process) they are required from node_modules as before.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as ArrowModule from 'apache-arrow';
import type * as LanceModule from '@lancedb/lancedb';

const require = createRequire(import.meta.url);

interface StoreModules {
  arrow: typeof ArrowModule;
  lancedb: typeof LanceModule;
}

/** The key under which bin/lantern.js leaves its bundle loader (file → module.exports). */
export const BUNDLE_LOADER = Symbol.for('lantern.loadBundle');
/** The bundle's name, beside the bundle this module is part of (scripts/build.mjs). */
export const STORE_BUNDLE = 'store-modules.cjs';

/** Both packages from out/store-modules.cjs when the command line can load it; else null. */
let bundled: StoreModules | null | undefined;
function fromBundle(): StoreModules | null {
  if (bundled !== undefined) return bundled;
  const load = (globalThis as Record<symbol, unknown>)[BUNDLE_LOADER];
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), STORE_BUNDLE);
  bundled =
    typeof load === 'function' && existsSync(file)
      ? (load as (bundle: string) => StoreModules)(file)
      : null;
  return bundled;
}

let loaded: typeof ArrowModule | null = null;

/** apache-arrow's CommonJS build; its first property read loads it. */
export const arrow: typeof ArrowModule = new Proxy({} as typeof ArrowModule, {
  get(_target, key) {
    loaded ??= fromBundle()?.arrow ?? (require('apache-arrow') as typeof ArrowModule);
    return Reflect.get(loaded, key) as unknown;
  },
});

/**
 * LanceDB, loaded by the first call. Through require(), not import(): the desktop build is
 * CommonJS, and Electron's ESM loader does not read packages inside app.asar reliably
 * (docs/packaging.md).
 */
export function lancedb(): typeof LanceModule {
  return fromBundle()?.lancedb ?? (require('@lancedb/lancedb') as typeof LanceModule);
}
