#!/usr/bin/env -S MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=16777216 MALLOC_TRIM_THRESHOLD_=67108864 GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node
// @file The `lantern` executable: runs the bundled command line (`npm run build` makes it).
//
// [Note: two malloc arenas] The first line sets MALLOC_ARENA_MAX for the node it starts
// (two arenas for the desktop app's engine, one here: [Note: the command line's one malloc
// arena] below), through `env -S` (GNU coreutils, macOS and the BSDs; npm's Windows shims
// read it too): glibc gives each thread that allocates its own arena, and onnxruntime's and libvips'
// threads left ~260 MB of freed memory stranded in theirs while indexing (peak 1.12-1.20
// GB for 38 real photos without it, docs/benchmarks.md). glibc reads the variable once,
// when the process starts, so it cannot be set from here; `env` execs node in place (same
// process, no wrapper left to orphan the indexer). The desktop app sets it for its engine
// process (electron/main/app.ts).
//
// The same line keeps glibc from handing freed memory back to the kernel at once: blocks
// under 16 MiB come from the heap instead of their own mmap, and the heap is trimmed only
// past 64 MiB free. Each photo's decode buffers and tensors were otherwise fresh pages the
// kernel had to fault in and zero again (~250 000 minor faults, 2.4 of 9.9 CPU-s in the
// kernel for 38 real photos); with it ~220 000 and a median 5.48 instead of 5.90 s wall,
// peak RSS unchanged (4 alternated runs each). Larger values saved more time but raised the
// peak by ~40 MB (32 MiB / 128 MiB: 5.33 s, 903 MiB at most).
//
// [Note: the command line's one malloc arena] The command line runs with one arena where the
// desktop app's engine has two (electron/shared/malloc.ts): every thread then allocates from
// glibc's main heap, which keeps freed memory up to the trim threshold above. A second arena
// is made of heaps of at most 64 MiB that glibc unmaps once empty and trims with
// MADV_DONTNEED, so the decode buffers of each photo (libjpeg zeroes all of a progressive
// JPEG's coefficients, 2 bytes a sample: the 8 progressive ones of the bench's 38 photos
// take half the decode time of all 38) kept coming back as fresh pages to fault in and
// zero. 38 real photos, alternated runs, medians: `lantern index` int8 3.14 -> 3.00 s (8 runs each; 5.1 -> 4.9
// CPU-s, 34 000 -> 20 000 minor faults, peak 569 -> 545 MiB), float32 4.28 -> 4.03 s (6
// each; 6.8 -> 6.4 CPU-s, peak 817 -> 793 MiB); a cold `lantern search` alike (0.60 / 0.58
// s). Measured on 2 cores only: with many more threads allocating at once, one arena could
// make them wait on its lock. The engine keeps two: it answers warm searches, whose tail
// was not measured with one ([Note: serve runs with the engine's malloc settings]).
//
// [Note: malloc asks for huge pages] The same line lets malloc ask for transparent huge
// pages (GLIBC_TUNABLES glibc.malloc.hugetlb=1: glibc madvises its heap and mappings, which
// kernels whose THP mode is "madvise", the usual default, then back with 2 MiB pages). The
// first batch through onnxruntime, libvips' decode buffers and V8's heap otherwise fault in
// 4 KiB at a time (~12 000 faults in an int8 image encoder's first run alone). 38 real
// photos, 5 alternated runs each: `lantern index` with the int8 model 3.84 -> 3.31 s (6.2 ->
// 5.3 CPU-s), with the float32 one 4.75 -> 4.20 s (8.0 -> 6.9 CPU-s), peak RSS alike; a cold
// `lantern search` 0.675 -> 0.635 s (+1 MiB), `--version` 0.23 -> 0.20 s. Warm searches of a
// large library, though, have a longer tail with them (the benchmark at 1M rows, store
// defaults: p95 38 -> 60 ms, past issue 12's 50), so `lantern serve` runs its server in a
// child without them and the desktop app starts its engine without them ([Note: serve runs
// with the engine's malloc settings] in electron/cli/serve-process.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle, runBundle } from './run-bundle.js';

const bundle = fileURLToPath(new URL('../out/cli.cjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('lantern: the command line is not built yet; run "npm run build" first.\n');
  process.exit(1);
}
// [Note: the command line's code cache] in run-bundle.js; LANTERN_CODE_CACHE=0 turns it off.
const cacheDir =
  process.env.LANTERN_CODE_CACHE === '0' ? null : path.join(path.dirname(bundle), '.code-cache');
// [Note: the store's packages as one bundle] (native/store/arrow.ts): the bundle asks for
// its second bundle, out/store-modules.cjs, through this, with the same code cache.
// [Note: a code cache for each command] (run-bundle.js): the command's name, or the first
// word that looks like one (options may come first); anything else shares one cache.
const command = process.argv.slice(2).find((arg) => /^[a-z][a-z-]{1,23}$/.test(arg)) ?? 'default';
globalThis[Symbol.for('lantern.loadBundle')] = (file) =>
  loadBundle(file, cacheDir, command).exports;
runBundle(bundle, cacheDir, command);
