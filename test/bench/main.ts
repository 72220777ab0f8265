/**
 * @file `npm run bench`: Lantern's benchmark (plain Node; bundled to out/bench.js by
 * scripts/build.mjs). The parent prepares the cached fixtures, runs each measurement
 * in a fresh child process of this same bundle (`--child <part> …`), prints the
 * markdown report and writes it to docs/benchmarks.md. `--quick` uses small fixtures
 * for development and writes its report to .cache/bench/ instead, so quick figures
 * never land in the docs. Benchmarks produce figures, never pass/fail.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ORT_TELEMETRY_OFF } from '../../native/onnx/ort-module.js';
import { useOwnScratch } from '../../native/store/scratch.js';
import { commandsAtScale } from './at-scale.js';
import { runBaseline, type BaselineResult } from './baseline.js';
import { benchModel, benchPhotos, CACHE_DIR, clearModelCopies } from './fixtures.js';
import type { FirstRun, IndexingFigures } from './indexing-report.js';
import { childOutput, log, runChild } from './measure.js';
import { boundChild, type BoundResult } from './pipeline.js';
import { BENCH_MODEL_ID } from './vit-model.js';
import {
  lanternCommand,
  medianOf3,
  lanternIndex,
  type IndexingRun,
  bareNodeStart,
} from './whole-process.js';
import { renderReport, type BenchReport, type PartInfo } from './report.js';
import { searchChild, type SearchResult } from './search.js';
import { renderTypingSection, searchTypingChild, type TypingResult } from './search-typing.js';
import { throughputChild, type ThroughputResult } from './throughput.js';
import {
  formatInt8,
  int8Child,
  int8TextMemoryChild,
  type Int8Result,
  type Int8TextMemoryResult,
} from './vit-int8.js';
import {
  benchVideoFile,
  measureVideoSampling,
  renderVideoSection,
  videoIndexChild,
  type VideoIndexResult,
} from './video.js';

interface RunConfig {
  /** At most this many real photos (issue 12 asks for 120; the packages hold fewer). */
  photos: number;
  decodePhotos: number;
  inferenceBatches: number;
  reps: number;
  /** Runs of the end-to-end index and of the baseline each; the report keeps the best. */
  endToEndRuns: number;
  searchRows: number[];
  queries: number;
}

const FULL: RunConfig = {
  photos: 120,
  decodePhotos: 48,
  inferenceBatches: 6,
  reps: 5,
  endToEndRuns: 6,
  searchRows: [100_000, 1_000_000],
  queries: 50,
};

const QUICK: RunConfig = {
  photos: 120,
  decodePhotos: 16,
  inferenceBatches: 2,
  reps: 2,
  endToEndRuns: 1,
  searchRows: [10_000, 50_000],
  queries: 20,
};

const number = (value: string | undefined) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`expected a number, got ${value}`);
  return parsed;
};

/** A child's part: compute, then print the result as the last line of stdout. */
async function child(part: string | undefined, args: string[]): Promise<void> {
  const [a, b, c] = args;
  let result: object;
  if (part === 'throughput') result = await throughputChild(a!, number(b));
  else if (part === 'int8')
    result = await int8Child(a!, b!, c!, args[3]!, args[4]!, number(args[5]));
  else if (part === 'int8-text-memory') result = await int8TextMemoryChild(a!);
  else if (part === 'bound')
    result = await boundChild(
      a!,
      number(b),
      number(c),
      args[3] === '-' ? null : args[3]!,
      args.slice(4),
    );
  else if (part === 'search') result = await searchChild(number(a), number(b), c === '1');
  else if (part === 'search-typing') result = await searchTypingChild(number(a), number(b));
  else if (part === 'video-index')
    result = await videoIndexChild(a!, b!, c!, args[3] === 'photo-threads');
  else throw new Error(`unknown benchmark part ${part}`);
  // Exit once the line is out: a handle the engine leaves open (an idle worker thread,
  // a native runtime) must not keep the child, and so the whole benchmark, waiting.
  process.stdout.write(`${JSON.stringify(childOutput(result))}\n`, () => process.exit(0));
}

/** The commit, plus the engine files that differ from it: the code the figures belong to. */
function codeState(): string {
  try {
    const git = (...gitArgs: string[]) =>
      execFileSync('git', gitArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const changed = git('status', '--porcelain', '--', 'electron/engine', 'native', 'scripts')
      .split('\n')
      .map((line) => line.slice(3).trim())
      .filter((file) => file !== '');
    return changed.length === 0
      ? `commit ${commit}`
      : `commit ${commit} plus uncommitted changes to ${changed.map((file) => `\`${file}\``).join(', ')}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function commandLine(args: readonly string[]): string {
  const extra = args.length > 0 ? ` -- ${args.join(' ')}` : '';
  return process.env['npm_lifecycle_event'] === 'bench'
    ? `npm run bench${extra}`
    : `node --expose-gc out/bench.js ${args.join(' ')}`.trim();
}

/** Put a section (`## heading`) into a report, replacing an older one, before the contention table. */
function withSection(markdown: string, heading: string, section: string): string {
  const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const old = new RegExp(`## ${escaped}\\n[\\s\\S]*?(?=\\n## |$)`);
  const withoutOld = markdown.replace(old, '').trimEnd() + '\n';
  const anchor = withoutOld.indexOf('\n## Contention');
  return anchor < 0
    ? `${withoutOld}\n${section}`
    : `${withoutOld.slice(0, anchor)}\n${section}${withoutOld.slice(anchor)}`;
}

const withVideoSection = (markdown: string, section: string) =>
  withSection(markdown, 'Video', section);

/** Libraries the search-as-you-type part measures: the index's threshold and the issue's 50 000. */
const TYPING_ROWS = { quick: [10_000], full: [10_000, 50_000] };
const TYPING_QUERIES = 60;

async function searchTypingPart(
  quick: boolean,
  measure: <T>(name: string, childArgs: string[]) => Promise<T>,
  command: string,
): Promise<string> {
  const load = `load average ${(os.loadavg()[0] ?? Number.NaN).toFixed(1)} when it started`;
  const results: TypingResult[] = [];
  for (const rows of quick ? TYPING_ROWS.quick : TYPING_ROWS.full)
    results.push(
      await measure<TypingResult>(`search as you type ${rows.toLocaleString('en')}`, [
        'search-typing',
        String(rows),
        String(TYPING_QUERIES),
      ]),
    );
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return renderTypingSection(results, { command, code: codeState(), date, load });
}

async function videoPart(
  quick: boolean,
  measure: <T>(name: string, childArgs: string[]) => Promise<T>,
  modelsDir: string,
): Promise<string> {
  log('video fixture …');
  const file = await benchVideoFile(CACHE_DIR);
  log('video sampling against a full decode …');
  const sampling = await measureVideoSampling(CACHE_DIR, quick ? 1 : 2);
  const videoIndex = (name: string, extra: string[]) =>
    measure<VideoIndexResult>(name, [
      'video-index',
      file,
      path.join(CACHE_DIR, 'run', 'video-db'),
      modelsDir,
      ...extra,
    ]);
  const photoThreads = await videoIndex("video index, the photos' thread count", ['photo-threads']);
  const index = await videoIndex('video index', []);
  log(
    `video: sampling ${sampling.ratio.toFixed(3)} × full decode, indexing ${index.realtime.toFixed(1)} × real time (${photoThreads.realtime.toFixed(1)} × on the photos' threads), cores ${(index.cpuUtilisation * 100).toFixed(0)} % busy (${(photoThreads.cpuUtilisation * 100).toFixed(0)} %)`,
  );
  return renderVideoSection({ sampling, index, photoThreads, file });
}

/** /proc/loadavg's three averages ("n/a" without /proc). */
function readLoad(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

/**
 * The processor's vector extensions that decide onnxruntime's kernels (AVX2, AVX-512, the
 * 8-bit dot products of VNNI: [Note: int8 products that saturate]), as Linux lists them;
 * two VMs with the same model name differed in these and ran the model at half the speed.
 */
function cpuFeatures(): string {
  let flags: string[];
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    flags = line?.split(':')[1]?.trim().split(/\s+/) ?? [];
  } catch {
    return '';
  }
  const shown = ['avx2', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_int8'].filter((flag) =>
    flags.includes(flag),
  );
  const vnni = shown.some((flag) => flag.includes('vnni'));
  return ` (${[...shown, ...(vnni ? [] : ['no VNNI'])].join(', ')})`;
}

/**
 * The int8 model indexed beside the fp32 one: `bench-vit-b32-int8`, which the bench model's
 * generator writes beside it (test/bench/vit-model.ts); `--int8-model <id>` names another,
 * `--no-int8` leaves it out.
 */
function int8Model(args: readonly string[]): string | null {
  if (args.includes('--no-int8')) return null;
  const at = args.indexOf('--int8-model');
  return at >= 0 ? (args[at + 1] ?? null) : `${BENCH_MODEL_ID}-int8`;
}

/**
 * Whole-process indexing: `lantern index` and the transformers.js script alternated
 * (and the int8 model's index, when named), then the honest bound and the commands
 * that index nothing. Every process here is spawned from the parent, one at a time.
 */
async function indexingPart(
  config: RunConfig,
  photos: Awaited<ReturnType<typeof benchPhotos>>,
  modelsDir: string,
  measure: <T>(name: string, childArgs: string[]) => Promise<T>,
  int8: string | null,
): Promise<IndexingFigures> {
  const dbDir = path.join(CACHE_DIR, 'run', 'index-db');
  const lantern: IndexingRun[] = [];
  const baseline: BaselineResult[] = [];
  const int8Runs: IndexingRun[] = [];
  const model = { modelsDir, modelId: BENCH_MODEL_ID };
  const int8Db = path.join(CACHE_DIR, 'run', 'index-db-int8');
  const fp32Run = async (run: number) => {
    log(`lantern index ${run} …`);
    const ours = await lanternIndex(photos.dir, photos.files.length, dbDir, model);
    lantern.push(ours);
    log(
      `  ${ours.photosPerSecond.toFixed(2)} photos/s whole, ${ours.steadyPhotosPerSecond.toFixed(2)} steady, ${ours.peakRssMiB.toFixed(0)} MiB`,
    );
  };
  const int8Run = async (run: number, id: string) => {
    log(`lantern index int8 (${id}) ${run} …`);
    await rm(int8Db, { recursive: true, force: true });
    // The last run's library stays for the int8 model's cold search below.
    const ours = await lanternIndex(photos.dir, photos.files.length, int8Db, {
      modelsDir,
      modelId: id,
    });
    int8Runs.push(ours);
    log(`  ${ours.photosPerSecond.toFixed(2)} photos/s whole, ${ours.peakRssMiB.toFixed(0)} MiB`);
  };
  // [Note: each model ready before the timed runs] The first run of a model on a machine
  // does more than index: it makes the in-place header of each of its files ([Note: weights
  // read in place]), for an int8 model the signed-int8 copy (native/onnx/signed-weights.ts),
  // and hashes any file not yet marked verified (a download marks its files as it writes
  // them; the bench writes its own, so here the first run hashes them). Timed among the
  // rounds, that work fell on whichever model had not been used on the machine yet: in one
  // run the int8 model's first round also verified its files and made its copy. So each
  // model runs once before the rounds, its copies cleared first so the figure means the
  // same on every run, and that run is reported apart as the first after install.
  const firstRuns: FirstRun[] = [];
  for (const modelId of int8 === null ? [BENCH_MODEL_ID] : [BENCH_MODEL_ID, int8]) {
    log(`lantern index ${modelId}, first run after install …`);
    const verifiedBefore = await clearModelCopies(modelsDir, modelId);
    const db = path.join(CACHE_DIR, 'run', 'index-db-first');
    const run = await lanternIndex(photos.dir, photos.files.length, db, { modelsDir, modelId });
    await rm(db, { recursive: true, force: true });
    firstRuns.push({ modelId, verifiedBefore, run });
    log(`  ${run.wallSeconds.toFixed(2)} s`);
  }
  // [Note: what ran just before] Alternating, so a burst of other work on the machine does
  // not hit only one side; the baseline opens each round and the two Lantern runs swap
  // places from one round to the next, so each follows the baseline in half the rounds and
  // the other Lantern run in the other half. On this project's VMs a process's first touch
  // of memory costs what the process before it left behind: 500 MB touched in 2 MiB pages
  // took 0.06-0.11 s of system time right after a process that had used 2 MiB pages,
  // 1.2-1.5 s right after one that had used 4 KiB pages and 0.74-0.81 s after 5 s idle
  // (4 KiB pages: 0.73-1.04 s whatever came before). Lantern asks for huge pages ([Note:
  // malloc asks for huge pages] in bin/lantern.js) and the transformers.js script, a plain
  // node, does not, so a Lantern run right after the script took longer than one right after
  // a Lantern run: int8 4.01 against 3.57 s (medians of 10 runs each, system time 0.98-1.59
  // against 0.57-1.21 s), float32 5.12 against 4.72 s (3 and 8 runs), while the script
  // itself took the same whatever ran before it (13.6-17.7 s). The order used until then
  // (Lantern, script, Lantern int8) put every float32 run after an int8 one and every int8
  // run after the script: the first flattered, the second penalised.
  for (let run = 1; run <= config.endToEndRuns; run++) {
    log(`transformers.js ${run} …`);
    const peer = await runBaseline(modelsDir, BENCH_MODEL_ID, photos.files);
    baseline.push(peer);
    log(
      `  ${peer.photosPerSecond.toFixed(2)} photos/s whole, ${peer.steadyPhotosPerSecond.toFixed(2)} steady, ${peer.peakRssMiB.toFixed(0)} MiB`,
    );
    if (int8 === null) await fp32Run(run);
    else if (run % 2 === 1) {
      await fp32Run(run);
      await int8Run(run, int8);
    } else {
      await int8Run(run, int8);
      await fp32Run(run);
    }
  }
  const bound = await measure<BoundResult>('bound', [
    'bound',
    modelsDir,
    String(config.decodePhotos),
    String(config.inferenceBatches),
    int8 ?? '-',
    ...photos.files,
  ]);
  const empty = path.join(CACHE_DIR, 'run', 'empty');
  const emptyDb = path.join(CACHE_DIR, 'run', 'empty-db');
  await rm(emptyDb, { recursive: true, force: true });
  await mkdir(empty, { recursive: true });
  const on = ['--db', dbDir, '--models', modelsDir, '--model', BENCH_MODEL_ID];
  log('lantern index of an empty folder, status, cold search …');
  const emptyIndex = await lanternCommand(['index', empty, '--db', emptyDb, ...on.slice(2)]);
  await rm(emptyDb, { recursive: true, force: true });
  const status = await lanternCommand(['status', ...on]);
  const bareNode = await bareNodeStart();
  // The first search makes the text encoder's in-place header ([Note: weights read in
  // place]); every later cold search loads through it, so both are measured.
  for (const name of await readdir(path.join(modelsDir, BENCH_MODEL_ID, 'onnx', '.in-place')).catch(
    () => [],
  ))
    if (name.startsWith('text_model'))
      await rm(path.join(modelsDir, BENCH_MODEL_ID, 'onnx', '.in-place', name), { force: true });
  const query = 'a photo of a dog on the beach';
  /** The first search, then the median of 3 cold ones. */
  const searches = async (args: string[]) => {
    const first = await lanternCommand(['search', query, ...args]);
    return { first, cold: await medianOf3(() => lanternCommand(['search', query, ...args])) };
  };
  const { first: firstSearch, cold: coldSearch } = await searches(on);
  // [Note: a cold search that lists results] The bench model's random weights make no
  // photo stand out, so the search above prints no result: the relevance cut-off hides all
  // of them, and what a result costs (its facets: the tags table, names) goes unmeasured.
  // The same query without the cut-off lists them all (the limit is 50), facets and all.
  const coldListing = await medianOf3(() => lanternCommand(['search', query, '--all', ...on]));
  // The int8 model's search, on the library its last index run left.
  const int8Search =
    int8 === null
      ? null
      : (await searches(['--db', int8Db, '--models', modelsDir, '--model', int8])).cold;
  await rm(int8Db, { recursive: true, force: true });
  return {
    photos: {
      count: photos.files.length,
      totalMiB: photos.totalBytes / 2 ** 20,
      minMegapixels: photos.minMegapixels,
      maxMegapixels: photos.maxMegapixels,
      packages: photos.packages,
    },
    lantern,
    baseline,
    int8: int8 === null ? null : { modelId: int8, runs: int8Runs, coldSearch: int8Search! },
    firstRuns,
    bound,
    emptyIndex,
    status,
    bareNode,
    firstSearch,
    coldSearch,
    coldListing,
  };
}

/**
 * Writes the report formatted as the project's Prettier formats Markdown, so
 * `npm run check` passes on a report just written (the tables' columns aligned).
 */
async function writeReport(target: string, markdown: string): Promise<void> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(target)) ?? {};
  await writeFile(target, await prettier.format(markdown, { ...options, filepath: target }));
}

async function parent(args: string[]): Promise<void> {
  // Every child (Lantern, the transformers.js baseline, the parts) inherits it ([Note: a
  // fair baseline] in baseline.ts).
  Object.assign(process.env, ORT_TELEMETRY_OFF);
  const quick = args.includes('--quick');
  const config = { ...(quick ? QUICK : FULL) };
  // `--search-rows 50000,200000`: other library sizes for the search part (a 1M-row index
  // build and its exact ground truth take tens of minutes on 2 cores).
  const rowsAt = args.indexOf('--search-rows');
  if (rowsAt >= 0) config.searchRows = (args[rowsAt + 1] ?? '').split(',').map(number);
  // `--runs 2`: rounds of the whole-process indexing part (each side runs once a round).
  const runsAt = args.indexOf('--runs');
  if (runsAt >= 0) config.endToEndRuns = Math.max(1, number(args[runsAt + 1]));
  const started = performance.now();
  const parts: PartInfo[] = [];
  /** One measurement in a fresh child, with the contention it ran under. */
  const measure = async <T>(name: string, childArgs: string[]): Promise<T> => {
    const load1 = os.loadavg()[0] ?? Number.NaN;
    log(`${name} …`);
    const run = await runChild<T>(childArgs);
    parts.push({
      part: name,
      wallSeconds: run.wallSeconds,
      ownCores: run.ownCpuSeconds / run.wallSeconds,
      otherCores: run.otherCores,
      load1,
    });
    return run.value;
  };

  const target =
    quick || args.includes('--indexing-only')
      ? path.join(CACHE_DIR, 'benchmarks-quick.md')
      : path.resolve('docs', 'benchmarks.md');
  if (args.includes('--search-only')) {
    // Refresh only the "Search at 50 000 photos" section (no model, no photos needed).
    const section = await searchTypingPart(quick, measure, commandLine(args));
    const existing = await readFile(target, 'utf8').catch(() => '# Benchmarks\n');
    await mkdir(path.dirname(target), { recursive: true });
    await writeReport(target, withSection(existing, 'Search at 50 000 photos', section));
    process.stdout.write(`${section}\n`);
    log(`search section written to ${path.relative(process.cwd(), target)}`);
    return;
  }
  log('fixtures …');
  const model = await benchModel();
  if (args.includes('--video-only')) {
    // Refresh only the video section of the last report (the rest takes ~12 minutes).
    const section = await videoPart(quick, measure, model.hfRoot);
    const existing = await readFile(target, 'utf8').catch(() => '# Benchmarks\n');
    await writeReport(target, withVideoSection(existing, section));
    process.stdout.write(`${section}\n`);
    log(`video section written to ${path.relative(process.cwd(), target)}`);
    return;
  }
  const photos = await benchPhotos(config.photos);
  log(`${photos.files.length} photos, ${(photos.totalBytes / 2 ** 20).toFixed(0)} MiB`);

  const loadBefore = readLoad();
  log(`load average ${loadBefore}`);
  const throughput = await measure<ThroughputResult>('throughput', [
    'throughput',
    model.visionPath,
    String(config.reps),
  ]);
  const indexing = await indexingPart(config, photos, model.hfRoot, measure, int8Model(args));
  const loadAfter = readLoad();
  // The int8 encoders against fp32 on the same real photos: agreement and speed alone.
  const int8 = await measure<Int8Result>('int8 vs fp32', [
    'int8',
    model.visionPath,
    model.visionInt8Path,
    model.textPath,
    model.textInt8Path,
    photos.dir,
    String(quick ? 1 : 3),
  ]);
  const int8Memory = {
    fp32: await measure<Int8TextMemoryResult>('text encoder memory fp32', [
      'int8-text-memory',
      model.textPath,
    ]),
    int8: await measure<Int8TextMemoryResult>('text encoder memory int8', [
      'int8-text-memory',
      model.textInt8Path,
    ]),
  };
  const search: SearchResult[] = [];
  const rebuild = args.includes('--rebuild-index') ? '1' : '0';
  // `--indexing-only`: the indexing figures alone (a few minutes), for development.
  const indexingOnly = args.includes('--indexing-only');
  for (const rows of indexingOnly ? [] : config.searchRows) {
    const result = await measure<SearchResult>(`search ${rows.toLocaleString('en')}`, [
      'search',
      String(rows),
      String(config.queries),
      rebuild,
    ]);
    result.atScale = await commandsAtScale(rows, model.hfRoot);
    search.push(result);
  }

  const report: BenchReport = {
    command: commandLine(args),
    code: codeState(),
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    quick,
    machine: {
      cpu: `${os.cpus()[0]?.model ?? 'unknown'}${cpuFeatures()}`,
      cores: os.availableParallelism(),
      memoryGiB: os.totalmem() / 2 ** 30,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
    },
    parts,
    totalSeconds: (performance.now() - started) / 1000,
    model: {
      visionParameters: model.visionParameters,
      textParameters: model.textParameters,
      visionMiB: (await stat(model.visionPath)).size / 2 ** 20,
    },
    throughput,
    indexing,
    int8: formatInt8(int8, int8Memory),
    loadBefore,
    loadAfter,
    search,
  };
  const markdown = indexingOnly
    ? renderReport(report)
    : withSection(
        withVideoSection(renderReport(report), await videoPart(quick, measure, model.hfRoot)),
        'Search at 50 000 photos',
        await searchTypingPart(quick, measure, commandLine(args)),
      );
  process.stdout.write(`${markdown}\n`);
  await mkdir(path.dirname(target), { recursive: true });
  await writeReport(target, markdown);
  await writeFile(
    path.join(CACHE_DIR, quick ? 'last-quick.json' : 'last-full.json'),
    JSON.stringify(report, null, 2),
  );
  log(`report written to ${path.relative(process.cwd(), target)}`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  // The children build vector indexes (the search parts): their LanceDB scratch goes to a
  // temp folder of their own, removed at exit ([Note: LanceDB's index scratch]).
  useOwnScratch();
  await child(argv[1], argv.slice(2));
} else await parent(argv);
