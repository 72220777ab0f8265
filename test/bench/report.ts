/**
 * @file Turns the benchmark's measurements into the markdown report that is printed
 * and written to docs/benchmarks.md (plain Node, bench time only): the figures, the
 * targets they are held to, and a sentence on how each was measured.
 */
import {
  indexingSummaryRows,
  renderIndexing,
  TARGETS,
  type IndexingFigures,
} from './indexing-report.js';
import type { ProcessRun } from './whole-process.js';
import type { SearchResult, SearchSeries } from './search.js';
import { FIRST_PASS_LABEL, P95_TARGET_MS, RECALL_TARGET } from './search.js';
import type { ThroughputResult } from './throughput.js';

/** One measured part (one child process) and the contention it ran under. */
export interface PartInfo {
  part: string;
  wallSeconds: number;
  /** The child's own CPU use, in cores. */
  ownCores: number;
  /** Everything else on the machine, in cores (null where /proc/stat is missing). */
  otherCores: number | null;
  /** 1-minute load average when the part started. */
  load1: number;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
}

export interface BenchReport {
  command: string;
  date: string;
  quick: boolean;
  /** The commit measured, and which engine files differed from it (others work in this checkout). */
  code: string;
  machine: MachineInfo;
  parts: PartInfo[];
  totalSeconds: number;
  model: { visionParameters: number; textParameters: number; visionMiB: number };
  throughput: ThroughputResult;
  /** Whole-process indexing, the CPU bound, start-up (indexing-report.ts). */
  indexing: IndexingFigures;
  /** The int8 encoders against fp32 (test/bench/vit-int8.ts formatInt8). */
  int8: string[];
  /** Load average (1, 5, 15 min) right before and after the indexing measurements. */
  loadBefore: string;
  loadAfter: string;
  search: SearchResult[];
}

const f = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const yes = (met: boolean) => (met ? '**met**' : '**missed**');

function partsTable(r: BenchReport): string[] {
  return [
    '| part | wall s | its CPU, cores | other processes, cores | load avg at start |',
    '| --- | --- | --- | --- | --- |',
    ...r.parts.map(
      (p) =>
        `| ${p.part} | ${f(p.wallSeconds)} | ${f(p.ownCores, 2)} | ${p.otherCores === null ? 'n/a' : f(p.otherCores, 2)} | ${f(p.load1, 2)} |`,
    ),
  ];
}

/** The warm series of the store's defaults (a query that sets nothing). */
function storeDefaults(result: SearchResult): SearchSeries | undefined {
  return result.indexed.find((s) => s.label === "index, the store's defaults");
}

/** The cheapest index setting that meets both search targets, if any. */
export function bestSetting(result: SearchResult): SearchSeries | undefined {
  return result.indexed
    .filter((s) => s.label !== FIRST_PASS_LABEL)
    .filter((s) => s.recall >= RECALL_TARGET && s.p95Ms <= P95_TARGET_MS)
    .sort((a, b) => a.medianMs - b.medianMs)[0];
}

function summary(r: BenchReport): string[] {
  const rows = [
    '| figure | value | target | |',
    '| --- | --- | --- | --- |',
    ...indexingSummaryRows(r.indexing),
  ];
  // Every library size measured, smallest first (the targets hold at each).
  for (const result of r.search) {
    const defaults = storeDefaults(result);
    const first = result.indexed.find((s) => s.label === FIRST_PASS_LABEL);
    if (!defaults) continue;
    const best = bestSetting(result);
    const n = result.rows.toLocaleString('en');
    rows.push(
      `| search at ${n}, index with the store's defaults | recall ${f(defaults.recall, 3)}, p95 ${f(defaults.p95Ms, 1)} ms, ${f(defaults.speedup)}× faster than exact | recall ≥ ${RECALL_TARGET}, p95 ≤ ${P95_TARGET_MS} ms | ${yes(defaults.recall >= RECALL_TARGET && defaults.p95Ms <= P95_TARGET_MS)} |`,
      best
        ? `| search at ${n}, best setting (${best.label}) | recall ${f(best.recall, 3)}, p95 ${f(best.p95Ms, 1)} ms | same | **met** |`
        : `| search at ${n}, any tried setting | — | same | **missed** |`,
    );
    const scale = result.atScale;
    if (scale) {
      const run = (x: ProcessRun) => `${f(x.wallSeconds, 2)} s, ${f(x.peakRssMiB, 0)} MiB`;
      const underIndexPeak = (x: ProcessRun) => x.peakRssMiB * 1.048576 <= TARGETS.indexPeakMB;
      rows.push(
        `| cold \`lantern search\` of ${n} photos, whole process ([Note: a cold search at scale]) | ${run(scale.coldSearch)} | ≤ 0.5 s, ≤ 300 MB | ${yes(scale.coldSearch.wallSeconds <= 0.5 && scale.coldSearch.peakRssMiB * 1.048576 <= 300)} |`,
        `| \`lantern status\` of ${n} photos ([Note: an index run at scale]) | ${run(scale.status)} | — | |`,
        `| \`lantern index\` of ${n} photos, folder offline: the run's own work over every row | ${run(scale.indexRun)} | ≤ ${TARGETS.indexPeakMB} MB | ${yes(underIndexPeak(scale.indexRun))} |`,
        `| the same run rebuilding the vector index | ${run(scale.rebuildRun)} | ≤ ${TARGETS.indexPeakMB} MB | ${yes(underIndexPeak(scale.rebuildRun))} |`,
      );
    }
    if (first)
      rows.push(
        `| search at ${n}, the store's defaults, first ${result.queries} queries after opening | p95 ${f(first.p95Ms, 1)} ms, median ${f(first.medianMs, 1)} ms | — | |`,
      );
    const warmed = result.warmedFirstPass;
    if (warmed)
      rows.push(
        `| the same, the index loaded first as the app and \`lantern serve\` do ([Note: a warm index from the start]) | p95 ${f(warmed.p95Ms, 1)} ms, median ${f(warmed.medianMs, 1)} ms (loading it: ${f(warmed.prewarmSeconds, 2)} s, in the background) | — | |`,
      );
  }
  return rows;
}

function searchTable(result: SearchResult): string[] {
  const lines = [
    `#### ${result.rows.toLocaleString('en')} vectors`,
    '',
    `${result.queries} queries; index build (createVectorIndex, IVF_RQ) ${f(result.indexBuildSeconds)} s wall, ${f(result.indexBuildCpuSeconds)} CPU-s` +
      (result.indexReused
        ? ` (the index cached in \`.cache/bench\`, built ${result.indexBuiltAt} at load ${f(result.indexBuildLoad, 1)}; \`--rebuild-index\` rebuilds it); `
        : ` (load ${f(result.indexBuildLoad, 1)} when it started); `) +
      (result.datasetCached
        ? 'dataset reused from `.cache/bench`. '
        : `dataset written in ${f(result.writeSeconds)} s. `) +
      `Median cosine of the exact 1st / 10th neighbour: ${f(result.firstNeighbourCosine, 2)} / ${f(result.tenthNeighbourCosine, 2)}.`,
    '',
    '| search | median ms | p90 ms | p95 ms | recall@10 | × faster than exact |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of [result.exact, ...result.indexed]) {
    lines.push(
      `| ${s.label} | ${f(s.medianMs)} | ${f(s.p90Ms)} | ${f(s.p95Ms)} | ${f(s.recall, 3)} | ${f(s.speedup)} |`,
    );
  }
  return lines;
}

export function renderReport(r: BenchReport): string {
  const { machine: m, throughput: t } = r;
  const others = r.parts.flatMap((p) => (p.otherCores === null ? [] : [p.otherCores]));
  const busiest =
    others.length > 0 ? Math.max(...others) : Math.max(...r.parts.map((p) => p.load1));
  return [
    '# Benchmarks',
    '',
    r.quick
      ? '> **Quick run** (`--quick`): small fixtures for development; not figures to quote.'
      : '> Figures of one full run; rerun with the command below on your own machine.',
    '',
    `- Command: \`${r.command}\``,
    `- Date: ${r.date}; the whole run took ${f(r.totalSeconds / 60)} min`,
    `- Code: ${r.code}`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${f(m.memoryGiB, 0)} GiB, ${m.os}; Node ${m.node}; no GPU (CPU execution provider throughout)`,
    busiest > 0.25
      ? `- **Other work shared this machine during the run** (up to ${f(busiest, 2)} of ${m.cores} cores busy with other processes during a part; see the last table): wall-clock figures are lower, and vary more, than on an idle machine; CPU-second figures are affected less.`
      : '- The machine was otherwise idle during the run (see the last table).',
    `- Model: random-weight CLIP ViT-B/32 (\`test/bench/vit-model.ts\`): ${f(r.model.visionParameters / 1e6)} M image and ${f(r.model.textParameters / 1e6)} M text parameters, image encoder ${f(r.model.visionMiB, 0)} MiB fp32 ONNX — the size and architecture of the default model, so timings are real.`,
    `- Load average (1/5/15 min) right before the indexing measurements: ${r.loadBefore}; right after: ${r.loadAfter}`,
    '',
    '## Summary',
    '',
    ...summary(r),
    '',
    '## Raw model throughput',
    '',
    `The image encoder alone through \`native/onnx\` (\`loadSession\` + \`run\`, provider ${t.provider}), on random 224×224 float32 tensors: one warm-up run per batch size, then ${t.rows[0]?.reps ?? 0} timed reps of 32 images each; the median rep gives the rate.`,
    '',
    '| batch | ms per run | images/s |',
    '| --- | --- | --- |',
    ...t.rows.map((row) => `| ${row.batch} | ${f(row.msPerRun)} | ${f(row.imagesPerSecond, 2)} |`),
    '',
    ...renderIndexing(r.indexing),
    '## int8 encoders',
    '',
    "The bench model quantised as onnxruntime's `quantize_dynamic` does (test/bench/transformer.ts, `bench-vit-b32-int8`), against its fp32 weights on the same real photos, the int8 image encoder loaded as the engine loads it (its signed-int8 copy: [Note: int8 products that saturate] in native/onnx/signed-weights.ts): embedding agreement (cosine, and cosine after centring on the mean, which shows what the shared offset of random weights hides), each image encoder alone at batch 8 alternated, text-to-image agreement, and each text encoder's peak RSS alone.",
    '',
    '```',
    ...r.int8,
    '```',
    '',
    '## Search latency',
    '',
    "Synthetic libraries of 512-d unit vectors with a photo library's clumps — topics, bursts of near-identical shots within a topic — written through `LibraryStore.upsertMedia` with every `MediaRow` field filled (see [Note: synthetic embeddings with a photo library's structure] in `test/bench/vectors.ts`). Queries are text queries with real CLIP's text-to-image geometry (see [Note: text-to-image geometry of real CLIP] there). Exact search: 3 untimed warm-up queries, then every query timed; each index series: every query once untimed (at 1M rows a query probes 40 of ~244 partitions, each loaded on first use), then every query timed, except the \"first pass\" row, timed from the first query after the index was opened. Queries go through `LibraryStore.vectorSearch` (cosine, limit 10, all record columns). Exact search (`exact: true`) is the ground truth; recall@10 is the share of its top 10 that the index returns. The index is the store's `createVectorIndex` (IVF_RQ, cosine, partitions of ~4 096 rows, each vector a 4-bit RaBitQ code: [Note: 4-bit RaBitQ partitions]). \"The store's defaults\" is a query that sets nothing: the store's `DEFAULT_NPROBES` (40) probes and `REFINE_CANDIDATES` (200) ÷ limit re-ranked (`native/store/vector-index.ts`); the other rows set `nprobes` and `refineFactor` per query.",
    '',
    ...r.search.flatMap((result) => [...searchTable(result), '']),
    '## Contention during the run',
    '',
    'This is a virtual machine: repeated runs of one part have differed by up to about 15 % even with nothing else running, so the end-to-end and baseline runs are repeated, alternating, and the summary takes the median of each. Read smaller differences as noise, and any part that shared the machine with other processes (last column but one) as a lower bound.',
    '',
    'Each part ran in its own child process. "Its CPU" is the child\'s CPU-seconds ÷ wall seconds; "other processes" is the machine\'s busy time from `/proc/stat` (including time the hypervisor gave to other guests) minus the child\'s, ÷ wall seconds.',
    '',
    ...partsTable(r),
    '',
  ].join('\n');
}
