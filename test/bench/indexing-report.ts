/**
 * @file The indexing part of the report (plain Node, bench time only): whole-process
 * `lantern index` against the transformers.js script, steady state, the honest CPU
 * bound, start-up and peak memory, each against issue 12's target.
 */
import type { BaselineResult } from './baseline.js';
import { warmSteadyState, type BoundResult } from './pipeline.js';
import type { IndexingRun, ProcessRun } from './whole-process.js';

export /** The engine's default batch size (DEFAULT_INDEXER_SETTINGS.batchSize). */
const PIPELINE_BATCH = 16;

export const TARGETS = {
  wholeProcessRatio: 2.4,
  int8WholeProcessRatio: 4,
  efficiency: 0.85,
  indexPeakMB: 1000,
  searchPeakMB: 300,
  firstDecodeSeconds: 1,
  coldSearchSeconds: 0.5,
};

/** A model's first `lantern index` after install ([Note: each model ready before the timed runs]). */
export interface FirstRun {
  modelId: string;
  /** Its files were marked verified before: the run did not hash them. */
  verifiedBefore: boolean;
  run: IndexingRun;
}

export interface IndexingFigures {
  photos: {
    count: number;
    totalMiB: number;
    minMegapixels: number;
    maxMegapixels: number;
    packages: readonly string[];
  };
  lantern: IndexingRun[];
  baseline: BaselineResult[];
  /** The int8 image model's runs, when `--int8-model` names one (test/bench/vit-int8.ts). */
  int8: {
    modelId: string;
    runs: IndexingRun[];
    /** A cold search with the int8 model (median of 3, after a first that made its copy). */
    coldSearch: ProcessRun;
  } | null;
  /** Each model's first run, before the timed rounds (absent from runs before it). */
  firstRuns?: FirstRun[];
  bound: BoundResult;
  emptyIndex: ProcessRun;
  status: ProcessRun;
  /** [Note: this machine's floor] in whole-process.ts (absent from runs before it). */
  bareNode?: { asIs: ProcessRun; withoutExtraCaCerts: ProcessRun | null };
  /** The first search on the model: it also makes the text encoder's in-place header. */
  firstSearch: ProcessRun;
  /** A later cold search (a fresh process; median of 3), loading from that copy. */
  coldSearch: ProcessRun;
  /** The same with --all, which lists every photo ([Note: a cold search that lists results]). */
  coldListing?: ProcessRun;
}

const f = (value: number | null, digits = 2) =>
  value !== null && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
/** The median run of a set, by the figure asked for (several alternated runs damp bursts of other work). */
const med = <T>(runs: readonly T[], pick: (run: T) => number) => median(runs.map(pick));

/**
 * [Note: the ceiling of a whole process here]
 * The most a whole `lantern index` of these photos could reach on this machine, in
 * photos/s: the start-up every run pays (`lantern index` of an empty folder: Node, the
 * bundle, the library opened and closed) plus every photo at the CPU bound, as if both
 * cores were busy from the first photo to the last and the model loaded for free. No
 * schedule of the same work beats it, so a whole-process target above it is out of
 * reach of pipeline work on this machine: only less CPU per photo can get there.
 */
export function ceilingPhotosPerSecond(
  photos: number,
  startupSeconds: number,
  boundPhotosPerSecond: number,
): number {
  return photos / (startupSeconds + photos / boundPhotosPerSecond);
}

/** The reported warm run's steady state against the bound (warmSteadyState in pipeline.ts). */
export function steadyEfficiency(bound: BoundResult): {
  busy: number;
  cpuShare: number;
  efficiency: number;
} | null {
  return warmSteadyState(
    bound.warmPipeline,
    bound.cores,
    bound.decodeCpuPerPhoto + bound.inferenceCpuPerPhoto,
  );
}

export function indexingSummaryRows(x: IndexingFigures): string[] {
  const rate = med(x.lantern, (r) => r.photosPerSecond);
  const steady = med(x.lantern, (r) => r.steadyPhotosPerSecond);
  const base = med(x.baseline, (r) => r.photosPerSecond);
  const baseSteady = med(x.baseline, (r) => r.steadyPhotosPerSecond);
  const ratio = rate / base;
  const efficiency = steady / x.bound.boundPhotosPerSecond;
  const warm = x.bound.warmPipeline;
  const warmEfficiency = warm.photosPerSecond / x.bound.boundPhotosPerSecond;
  // The pipeline decodes up to three batches ahead (embed-pipeline.ts) while the image
  // encoder loads: with few photos, everything after the first batch was decoded before
  // inference began, and the "steady" rate is inference alone, not the pipeline's.
  const backlogCovers = x.photos.count <= 4 * PIPELINE_BATCH;
  const steadyNote = backlogCovers
    ? ` (not a pipeline rate: the ${x.photos.count - PIPELINE_BATCH} photos after the first batch were decoded while the model loaded)`
    : '';
  const peak = Math.max(...x.lantern.map((r) => r.peakRssMiB));
  const firstDecode = med(x.lantern, (r) => r.firstDecodeSeconds ?? Number.NaN);
  const rows = [
    `| \`lantern index\`, whole process | ${f(rate)} photos/s | — | |`,
    `| transformers.js script, whole process | ${f(base)} photos/s | — | |`,
    `| Lantern ÷ baseline, whole process | ${f(ratio)}× | ≥ ${TARGETS.wholeProcessRatio}× | ${met(ratio >= TARGETS.wholeProcessRatio)} |`,
    `| Lantern ÷ baseline, steady state | ${f(steady)} ÷ ${f(baseSteady)} = ${f(steady / baseSteady)}×${steadyNote} | — | |`,
  ];
  const ceiling = (bound: number) =>
    ceilingPhotosPerSecond(x.photos.count, x.emptyIndex.wallSeconds, bound) / base;
  const fp32Ceiling = ceiling(x.bound.boundPhotosPerSecond);
  const int8Ceiling = x.bound.int8 ? ceiling(x.bound.int8.boundPhotosPerSecond) : null;
  rows.push(
    `| most a whole process could reach here ÷ baseline ([Note: the ceiling of a whole process here]) | ${f(fp32Ceiling)}×${int8Ceiling !== null ? `; int8 ${f(int8Ceiling)}×` : ''} (${f(x.emptyIndex.wallSeconds)} s of start-up, then ${x.photos.count} photos at the CPU bound) | — | |`,
  );
  if (x.int8) {
    const int8Ratio = med(x.int8.runs, (r) => r.photosPerSecond) / base;
    const beyond =
      int8Ceiling !== null && int8Ceiling < TARGETS.int8WholeProcessRatio
        ? ` (${f(int8Ratio / int8Ceiling)} of this machine's ceiling, ${f(int8Ceiling)}×: the target is above it)`
        : '';
    rows.push(
      `| Lantern int8 (${x.int8.modelId}) ÷ baseline, whole process | ${f(int8Ratio)}×${beyond} | ≥ ${TARGETS.int8WholeProcessRatio}× | ${met(int8Ratio >= TARGETS.int8WholeProcessRatio)} |`,
    );
  } else {
    rows.push(
      `| Lantern int8 ÷ baseline, whole process | not measured (no \`--int8-model\`) | ≥ ${TARGETS.int8WholeProcessRatio}× | **not measured** |`,
    );
  }
  const steadyWarm = steadyEfficiency(x.bound);
  rows.push(
    backlogCovers && steadyWarm
      ? `| steady state ÷ CPU bound (spinning off), warm pipeline | ${f(steadyWarm.efficiency)}: cores ${f(100 * steadyWarm.busy, 0)} % busy while both stages ran × ${f(steadyWarm.cpuShare)} of the run's CPU per photo in the bound ([Note: the pipeline's steady state]; the whole-process steady state is not a pipeline rate on ${x.photos.count} photos). The whole warm run, fill and drain included: ${f(warm.photosPerSecond)} ÷ ${f(x.bound.boundPhotosPerSecond)} = ${f(warmEfficiency)} | ≥ ${TARGETS.efficiency} | ${met(steadyWarm.efficiency >= TARGETS.efficiency)} |`
      : backlogCovers
        ? `| warm pipeline ÷ CPU bound (spinning off) | ${f(warm.photosPerSecond)} ÷ ${f(x.bound.boundPhotosPerSecond)} = ${f(warmEfficiency)} (\`Library.index\` of the ${warm.photos} photos with the image encoder loaded first: the whole-process steady state is not a pipeline rate on ${x.photos.count} photos; ${f(warm.photosPerSecond / x.bound.copiedBoundPhotosPerSecond)} of the ${f(x.bound.copiedBoundPhotosPerSecond)} photos/s a session with copied weights would bound) | ≥ ${TARGETS.efficiency} | ${met(warmEfficiency >= TARGETS.efficiency)} |`
        : `| steady state ÷ CPU bound (spinning off) | ${f(steady)} ÷ ${f(x.bound.boundPhotosPerSecond)} = ${f(efficiency)} | ≥ ${TARGETS.efficiency} | ${met(efficiency >= TARGETS.efficiency)} |`,
    `| peak RSS, \`lantern index\` of ${x.photos.count} photos | ${f(peak, 0)} MiB | ≤ ${TARGETS.indexPeakMB} MB | ${met(peak * 1.048576 <= TARGETS.indexPeakMB)} |`,
    `| first photo decoded, from spawn | ${f(firstDecode)} s | ≤ ${TARGETS.firstDecodeSeconds} s | ${met(firstDecode <= TARGETS.firstDecodeSeconds)} |`,
    `| cold \`lantern search\`, whole process | ${f(x.coldSearch.wallSeconds)} s, ${f(x.coldSearch.peakRssMiB, 0)} MiB | ≤ ${TARGETS.coldSearchSeconds} s, ≤ ${TARGETS.searchPeakMB} MB | ${met(x.coldSearch.wallSeconds <= TARGETS.coldSearchSeconds)} time, ${met(x.coldSearch.peakRssMiB * 1.048576 <= TARGETS.searchPeakMB)} memory |`,
    ...(x.coldListing
      ? [
          `| cold \`lantern search --all\` (all ${x.photos.count} photos listed, with their facets) | ${f(x.coldListing.wallSeconds)} s, ${f(x.coldListing.peakRssMiB, 0)} MiB | ≤ ${TARGETS.coldSearchSeconds} s, ≤ ${TARGETS.searchPeakMB} MB | ${met(x.coldListing.wallSeconds <= TARGETS.coldSearchSeconds)} time, ${met(x.coldListing.peakRssMiB * 1.048576 <= TARGETS.searchPeakMB)} memory |`,
        ]
      : []),
    ...(x.int8
      ? [
          `| cold \`lantern search\`, int8 model (${x.int8.modelId}) | ${f(x.int8.coldSearch.wallSeconds)} s, ${f(x.int8.coldSearch.peakRssMiB, 0)} MiB | ≤ ${TARGETS.coldSearchSeconds} s, ≤ ${TARGETS.searchPeakMB} MB | ${met(x.int8.coldSearch.wallSeconds <= TARGETS.coldSearchSeconds)} time, ${met(x.int8.coldSearch.peakRssMiB * 1.048576 <= TARGETS.searchPeakMB)} memory |`,
        ]
      : []),
    `| first \`lantern search\` (also makes the text encoder's in-place header) | ${f(x.firstSearch.wallSeconds)} s, ${f(x.firstSearch.peakRssMiB, 0)} MiB | once per model | |`,
    `| \`lantern index\` of an empty folder | ${f(x.emptyIndex.wallSeconds)} s, ${f(x.emptyIndex.peakRssMiB, 0)} MiB | — | |`,
    `| \`lantern status\` | ${f(x.status.wallSeconds)} s, ${f(x.status.peakRssMiB, 0)} MiB | — | |`,
    ...(x.bareNode ? [floorRow(x.bareNode)] : []),
  );
  return rows;
}

/** [Note: this machine's floor] in whole-process.ts. */
function floorRow(floor: NonNullable<IndexingFigures['bareNode']>): string {
  const without = floor.withoutExtraCaCerts
    ? ` (${f(floor.withoutExtraCaCerts.wallSeconds)} s without the NODE_EXTRA_CA_CERTS this machine sets)`
    : '';
  return `| a bare Node process (\`node -e 0\`), this machine's floor for any command ([Note: this machine's floor]) | ${f(floor.asIs.wallSeconds)} s${without} | — | |`;
}

const runRow = (name: string, r: IndexingRun) =>
  `| ${name} | ${f(r.wallSeconds)} | ${f(r.photosPerSecond)} | ${f(r.steadyPhotosPerSecond)} | ${f(r.firstBatchSeconds)} | ${f(r.firstDecodeSeconds)} | ${f(r.cpuSeconds / r.photos, 3)} | ${f(r.peakRssMiB, 0)} |`;

export function renderIndexing(x: IndexingFigures): string[] {
  const b = x.bound;
  const steady = steadyEfficiency(b);
  const base = x.baseline[0];
  const runs = x.lantern.flatMap((r, i) => [
    runRow(`lantern index, run ${i + 1}`, r),
    ...(x.baseline[i] ? [runRow(`transformers.js, run ${i + 1}`, x.baseline[i])] : []),
    ...(x.int8?.runs[i] ? [runRow(`lantern index int8, run ${i + 1}`, x.int8.runs[i])] : []),
  ]);
  return [
    '## Indexing, whole process',
    '',
    `Photos: ${x.photos.count} distinct real JPEGs (${f(x.photos.minMegapixels, 1)}–${f(x.photos.maxMegapixels, 1)} MP, ${f(x.photos.totalMiB, 0)} MiB), every JPEG of 2–16 MP that the Debian packages ${x.photos.packages.map((p) => `\`${p}\``).join(', ')} install, used as they are (camera photos with their EXIF, and some digital art); fewer than issue 12's 120 because these packages hold no more, and not padded (see [Note: real photos, not synthetic ones] in \`test/bench/fixtures.ts\`). They are read from the OS file cache, so disk speed is not measured.`,
    '',
    `**Whole process** means spawn to exit, measured from outside under \`/usr/bin/time\` (wall clock, user + system CPU of every thread, peak RSS = maxRSS): \`lantern index <photos> --db <fresh folder> --models <bench models> --model <id>\` (bin/lantern.js run as a shell runs it, so with the glibc malloc settings of its first line: Node start-up, imports, model load, scan, hash, decode, thumbnails, inference, store writes, close), and \`node test/bench/baseline-script.mjs\` (Node start-up, importing transformers.js, model load, \`RawImage.read\`, processor and model per batch of 16, nothing stored). They alternate in rounds, ${x.lantern.length} run(s) each: the script opens each round and, with the int8 model, the two Lantern runs swap places from one round to the next, so each follows the script in half the rounds (on this VM a process's first touch of memory costs more right after the script than right after a Lantern run: [Note: what ran just before] in test/bench/main.ts); the summary takes the median. **Steady state** excludes start-up and the first batch: photos after the first batch ÷ time from the first batch done to the last (Lantern: its progress events, stamped by the CLI under \`LANTERN_TRACE_PROGRESS=1\`; the script: its own stamps), so it also excludes Lantern's final store writes. **First photo decoded**: when the first thumbnail appears in the database folder (polled every 10 ms from outside; Lantern writes it from the decode that feeds the model).`,
    '',
    '| run | wall s | photos/s | steady photos/s | first batch s | first decode s | CPU-s per photo | peak RSS MiB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs,
    ...(x.firstRuns ?? []).map((first) =>
      runRow(`${first.modelId}, first run after install (not in the medians)`, first.run),
    ),
    '',
    ...(x.firstRuns && x.firstRuns.length > 0
      ? [
          `Before the rounds each model indexed the photos once, its copies cleared first ([Note: each model ready before the timed runs] in \`test/bench/main.ts\`): that first run after install also makes the in-place header of each model file and, for a quantised image encoder, its signed-int8 copy${
            x.firstRuns.some((first) => !first.verifiedBefore)
              ? `, and it hashed the files of ${x.firstRuns
                  .filter((first) => !first.verifiedBefore)
                  .map((first) => first.modelId)
                  .join(
                    ' and ',
                  )} (the bench writes its models itself; a download hashes its files as it writes them)`
              : ''
          }. The rounds above then time each model as it runs every later time.`,
        ]
      : []),
    '',
    base
      ? `The baseline ran ${base.transformersVersion} through ${base.ortPackage} (${base.ortHandler}), device \`${base.sessionDevice}\`, dtype \`${base.sessionDtype}\`: the same runtime, provider and file as Lantern (see [Note: a fair baseline] in \`test/bench/baseline.ts\`); transformers.js imported ${f(base.importSeconds)} s and model loaded ${f(base.loadSeconds)} s after spawn (first run).`
      : '',
    '',
    '## CPU bound, with spin-waiting off',
    '',
    `Each half of Lantern's pipeline alone, in one fresh child (with the command line's glibc malloc settings, one arena and huge pages, as every bench child but the warm searches', which run as the desktop engine and \`lantern serve\` do, with two arenas and no huge pages: [Note: serve runs with the engine's malloc settings] in electron/cli/serve-process.ts), CPU-seconds from \`process.cpuUsage()\` (every thread of the process). Inference uses the engine's own session options (\`ortOptions\` in \`native/onnx/session.ts\`; the engine sets spinning: ${b.engineSpinning}) with \`session.intra_op.allow_spinning\` forced to "0", so idle pool threads do not spin and count as inference cost (onnxruntime.ai, "Thread management"); options: \`${b.sessionOptions}\`.`,
    '',
    `- Decode: ${b.decodePhotos} photos through the pipeline's decode step (read, SHA-256, \`decodeImage\` with thumbnail), ${b.decodeConcurrency} at a time, running on across batches of ${b.batchSize} as the pipeline does, once before the inference and once after the warm pipeline below ([Note: the decode measured on both sides] in \`test/bench/pipeline.ts\`: ${f(b.decodeCpuPerPhotoRuns[0], 3)} and ${f(b.decodeCpuPerPhotoRuns[1], 3)}): **${f(b.decodeCpuPerPhoto, 3)} CPU-s per photo**, ${f(b.decodePhotosPerSecond)} photos/s wall.`,
    `- Inference: ${b.inferencePhotos} images in batches of ${b.batchSize} on ready tensors after a warm-up batch, the weights read in place as the engine reads them ([Note: weights read in place] in \`native/onnx/in-place-weights.ts\`): **${f(b.inferenceCpuPerPhoto, 3)} CPU-s per photo**, ${f(b.inferencePhotosPerSecond)} photos/s wall, so ${f(b.inferenceCpuPerPhoto * b.inferencePhotosPerSecond)} cores busy (onnxruntime's own thread count: [Note: onnxruntime's own thread count] in \`native/onnx/session.ts\`). The same session loaded from the file, its weights copied into memory: ${f(b.copiedInferenceCpuPerPhoto, 3)} CPU-s per photo, ${f(b.copiedInferencePhotosPerSecond)} photos/s (why the engine still maps them: [Note: what reading weights in place costs per batch] there).`,
    `- Bound = ${b.cores} cores ÷ (${f(b.decodeCpuPerPhoto, 3)} + ${f(b.inferenceCpuPerPhoto, 3)}) = **${f(b.boundPhotosPerSecond)} photos/s**; with the weights copied ${b.cores} ÷ (${f(b.decodeCpuPerPhoto, 3)} + ${f(b.copiedInferenceCpuPerPhoto, 3)}) = ${f(b.copiedBoundPhotosPerSecond)} photos/s. Steady-state efficiency = median steady rate ÷ bound (summary). Start-up and the first batch are excluded from the efficiency because the bound has neither.`,
    ...(b.int8
      ? [
          `- int8 (${b.int8.modelId}): its image encoder loaded as the engine loads it (the signed-int8 copy, weights read in place), the same batches: ${f(b.int8.inferenceCpuPerPhoto, 3)} CPU-s per photo, ${f(b.int8.inferencePhotosPerSecond)} photos/s; bound ${b.cores} ÷ (${f(b.decodeCpuPerPhoto, 3)} + ${f(b.int8.inferenceCpuPerPhoto, 3)}) = **${f(b.int8.boundPhotosPerSecond)} photos/s**: decoding is ${f((100 * b.decodeCpuPerPhoto) / (b.decodeCpuPerPhoto + b.int8.inferenceCpuPerPhoto), 0)} % of an int8 photo's CPU.`,
        ]
      : []),
    `- Ceiling of a whole process ([Note: the ceiling of a whole process here] in \`test/bench/indexing-report.ts\`): photos ÷ (start-up + photos ÷ bound), the start-up being \`lantern index\` of an empty folder (${f(x.emptyIndex.wallSeconds)} s): ${f(ceilingPhotosPerSecond(x.photos.count, x.emptyIndex.wallSeconds, b.boundPhotosPerSecond))} photos/s${b.int8 ? `, int8 ${f(ceilingPhotosPerSecond(x.photos.count, x.emptyIndex.wallSeconds, b.int8.boundPhotosPerSecond))} photos/s` : ''}, against the baseline's ${f(med(x.baseline, (r) => r.photosPerSecond))}.`,
    `- Warm pipeline: \`Library.index\` of the ${b.warmPipeline.photos} photos into a fresh library in the same child, the image encoder loaded and run once before (so decode and inference overlap from the first photo, with nothing of start-up in it): ${f(b.warmPipeline.seconds)} s wall, ${f(b.warmPipeline.cpuSeconds)} CPU-s, **${f(b.warmPipeline.photosPerSecond)} photos/s** = ${f(b.warmPipeline.photosPerSecond / b.boundPhotosPerSecond)} of the bound (${f(b.warmPipeline.photosPerSecond / b.copiedBoundPhotosPerSecond)} of the bound with copied weights). A lower bound of the efficiency: it still fills the first batch with nothing to overlap, and scans, hashes, writes thumbnails and rows and closes the store.`,
    ...(b.warmPipeline.steady && steady
      ? [
          `- Its steady state ([Note: the pipeline's steady state] in \`test/bench/pipeline.ts\`): from the first batch's encode to the last photo's decode (${f(b.warmPipeline.steady.seconds)} s), when decodes and inference both run, the process used ${f(b.warmPipeline.steady.cpuSeconds)} CPU-s, so the ${b.cores} cores were ${f(100 * steady.busy, 0)} % busy; the run spent ${f(b.warmPipeline.cpuSeconds / b.warmPipeline.photos, 3)} CPU-s per photo against the bound's ${f(b.decodeCpuPerPhoto + b.inferenceCpuPerPhoto, 3)}. Steady rate ÷ bound = busy × bound CPU ÷ run CPU = **${f(steady.efficiency)}** (the whole run's CPU per photo includes its fill and close, so this leans low); the median of ${b.warmEfficiencies.length} warm runs by this figure (${b.warmEfficiencies.map((e) => (e === null ? 'n/a' : f(e))).join(', ')}, in run order: [Note: three warm runs] in \`test/bench/pipeline.ts\`).`,
        ]
      : []),
    '',
    '## Start-up and commands without photos',
    '',
    `Whole process, as above, one run each after the indexing runs: \`lantern index\` of an empty folder into a fresh database ${f(x.emptyIndex.wallSeconds)} s, ${f(x.emptyIndex.peakRssMiB, 0)} MiB peak; \`lantern status\` on the indexed database ${f(x.status.wallSeconds)} s, ${f(x.status.peakRssMiB, 0)} MiB; a cold \`lantern search\` (a fresh process: loads the text encoder, searches the ${x.photos.count}-photo index) ${f(x.coldSearch.wallSeconds)} s, ${f(x.coldSearch.peakRssMiB, 0)} MiB${x.coldListing ? ` (the bench model's random weights let no photo pass the relevance cut-off, so it prints no result; the same query with \`--all\` lists all ${x.photos.count} with their facets: ${f(x.coldListing.wallSeconds)} s, ${f(x.coldListing.peakRssMiB, 0)} MiB, each the median of 3 runs back to back)` : ''}.`,
    '',
  ];
}
