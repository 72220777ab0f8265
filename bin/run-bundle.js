// @file Runs the command line's CommonJS bundle through V8's code cache.
//
// [Note: the command line's code cache] Node compiles the 1.5 MB bundle at every start of
// `lantern` (~40-50 ms of a 0.5 s cold search on a 2-core machine), and Node 20 has no
// compile cache of its own (module.enableCompileCache arrived in Node 22.1). So the bundle
// is compiled here as a vm.Script with V8's cached data: the first run after a build
// compiles it and, as the process exits, saves what V8 compiled by then (the top level and
// every function the command ran); later runs start from that. The file is named by the
// bundle's SHA-256 and the Node version, so a rebuilt bundle or another Node never meets
// a stale cache (V8 would also reject one made by another V8), and it is written under a
// temporary name then renamed, so a concurrent run reads a whole file or none. Anything
// that goes wrong with the cache (an unwritable folder, a damaged file) only costs the
// compile: the bundle runs all the same.
//
// [Note: a code cache for each command] V8 compiles a function only when it first runs, and
// the cache holds what the run that made it compiled. One cache for every command was made
// by whichever command ran first after a build, most often `lantern index`, and every later
// `lantern search` compiled its own functions from source again: a cold search of 38 photos
// (bench model) took a median 0.46 s (0.43-0.69) with the cache an index run of those
// photos made and 0.38 s (0.36-0.54) with one a search made, 15 alternated runs each. So
// each command has its own cache (the variant in its name: bin/lantern.js passes the
// command's name), made by its first run; a build's caches take ~1.5 MB a command, and
// those of earlier builds are removed when a new one is saved.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * Run `bundle` (a CommonJS file) as Node would require it, with its code cache kept in
 * `cacheDir`, one cache for each `variant` ([Note: a code cache for each command]).
 * Returns what happened to the cache: 'used', 'made' (none or a rejected one: written at
 * exit) or 'off' (cacheDir null).
 */
export function runBundle(bundle, cacheDir, variant = 'default') {
  return loadBundle(bundle, cacheDir, variant).state;
}

/**
 * As runBundle, and also answer what the bundle exported (its `module.exports`): the
 * command line loads its second bundle, LanceDB and apache-arrow ([Note: the store's
 * packages as one bundle] in native/store/arrow.ts), through this.
 */
export function loadBundle(bundle, cacheDir, variant = 'default') {
  const bytes = readFileSync(bundle);
  // [Note: reading the bundle as Latin-1] Node 20 read the 1.7 MB bundle as UTF-8 in ~20
  // ms even in ASCII ([Note: bundles in ASCII] in scripts/ascii-output.mjs); its bytes and
  // a Latin-1 decode of them take ~10, and ASCII is the same text in both. Hashing the
  // bytes rather than the string also spares encoding it back to UTF-8 (~5 ms).
  const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  // A shebang line is valid only at the very start of a file, not inside the wrapper.
  const source = text.replace(/^#!.*/, '');
  // The build's tag, hashed only when there is a cache to name.
  const build =
    cacheDir === null
      ? null
      : createHash('sha256')
          .update(`${process.version}|${process.arch}|`)
          .update(bytes)
          .digest('hex')
          .slice(0, 16);
  const cacheFile =
    cacheDir === null
      ? null
      : path.join(cacheDir, `${path.basename(bundle)}.${variant}.${build}.v8cache`);
  let cachedData;
  if (cacheFile !== null) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const state =
    cacheFile === null ? 'off' : cachedData && !script.cachedDataRejected ? 'used' : 'made';
  if (state === 'made') process.once('exit', () => saveCache(script, cacheFile, bundle, build));
  const module = { exports: {}, filename: bundle, id: bundle, loaded: false };
  const wrapper = script.runInThisContext();
  wrapper.call(
    module.exports,
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    path.dirname(bundle),
  );
  return { state, exports: module.exports };
}

function saveCache(script, cacheFile, bundle, build) {
  const dir = path.dirname(cacheFile);
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
    // Caches of earlier builds of the same bundle, whatever their command; this build's stay.
    const prefix = `${path.basename(bundle)}.`;
    for (const name of readdirSync(dir))
      if (
        name.startsWith(prefix) &&
        name.endsWith('.v8cache') &&
        !name.endsWith(`.${build}.v8cache`)
      )
        rmSync(path.join(dir, name), { force: true });
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // No folder to write in: there is no temporary file either.
    }
  }
}
