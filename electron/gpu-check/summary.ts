/**
 * @file What `scripts/gpu-check` concludes from its provider runs, kept apart from the
 * runs themselves so it can be tested with made-up results: each GPU provider's speed
 * against CPU and its embeddings' agreement with CPU, which provider Lantern's `auto`
 * would pick and why, and whether this machine has a usable GPU at all. Plain
 * functions; runs in the gpu-check process (plain Node).
 */
import type { ProviderCandidate, ProviderName } from '../../native/onnx/providers.js';

/**
 * Lowest cosine between a GPU provider's embedding and CPU's for the same input that
 * still counts as the same answer (issue 12, GPU). fp32 kernels differ only in
 * summation order (and TF32 on recent NVIDIA GPUs), which stays far above it; a
 * provider below it computes something else.
 */
export const AGREEMENT_TARGET = 0.999;

/** The providers gpu-check runs: CPU as the reference, then the two GPU paths Linux has. */
export const CHECKED_PROVIDERS = ['cpu', 'cuda', 'webgpu'] as const;
export type CheckedProvider = (typeof CHECKED_PROVIDERS)[number];

/** One provider's run: it started and was timed, or the reason it did not start. */
export type ProviderRun =
  | {
      provider: CheckedProvider;
      started: true;
      /** Milliseconds to create the session. */
      loadMs: number;
      /** Images per batch and batches timed (after the warm-up). */
      batch: number;
      batches: number;
      imagesPerSecond: number;
      /** Row-major embeddings of the shared check inputs, `dim` values per image. */
      embeddings: Float32Array;
      dim: number;
    }
  | { provider: CheckedProvider; started: false; reason: string };

export interface ProviderVerdict {
  provider: CheckedProvider;
  /** ok: started and agrees with CPU; disagrees: started but below the target; failed: did not start or run. */
  status: 'ok' | 'disagrees' | 'failed' | 'reference';
  reason?: string;
  loadMs?: number;
  imagesPerSecond?: number;
  /** imagesPerSecond ÷ CPU's, measured in the same run. */
  speedVsCpu?: number;
  /** Lowest per-image cosine with CPU's embedding over the check inputs. */
  minCosine?: number;
}

export interface AutoPick {
  /** The provider `--provider auto` would run on, or null if even CPU failed. */
  provider: ProviderName | null;
  /** Why each provider ahead of it is not used, in Lantern's words (one sentence each). */
  reasons: string[];
}

export interface GpuCheckSummary {
  /** True when at least one GPU provider started and agrees with CPU. */
  gpu: boolean;
  /** Set when `gpu` is false: why, one line per provider plus the device check. */
  noGpuReason?: string;
  /** GPU device nodes and driver facts seen on the machine, for the reader. */
  devices: string[];
  agreementTarget: number;
  providers: ProviderVerdict[];
  auto: AutoPick;
}

/** Cosine of each row pair; rows are `dim` long. Zero-length rows count as disagreement (0). */
export function rowCosines(a: Float32Array, b: Float32Array, dim: number): number[] {
  if (a.length !== b.length || dim <= 0 || a.length % dim !== 0) {
    throw new Error(
      `Embeddings of ${a.length} and ${b.length} values cannot be compared in rows of ${dim}; this is a bug in gpu-check.`,
    );
  }
  const cosines: number[] = [];
  for (let start = 0; start < a.length; start += dim) {
    let dot = 0;
    let normA = 0;
    let normB = 0;
    for (let i = start; i < start + dim; i++) {
      const x = a[i] ?? 0;
      const y = b[i] ?? 0;
      dot += x * y;
      normA += x * x;
      normB += y * y;
    }
    cosines.push(normA > 0 && normB > 0 ? dot / Math.sqrt(normA * normB) : 0);
  }
  return cosines;
}

function verdictOf(run: ProviderRun, cpu: ProviderRun | undefined): ProviderVerdict {
  if (!run.started) return { provider: run.provider, status: 'failed', reason: run.reason };
  const measured = {
    provider: run.provider,
    loadMs: run.loadMs,
    imagesPerSecond: run.imagesPerSecond,
  };
  if (run.provider === 'cpu') return { ...measured, status: 'reference' };
  if (!cpu?.started) {
    return {
      ...measured,
      status: 'failed',
      reason: `${run.provider}: ran, but CPU did not, so there is nothing to compare it with.`,
    };
  }
  const minCosine = Math.min(...rowCosines(run.embeddings, cpu.embeddings, run.dim));
  const speedVsCpu = run.imagesPerSecond / cpu.imagesPerSecond;
  if (minCosine >= AGREEMENT_TARGET) return { ...measured, status: 'ok', speedVsCpu, minCosine };
  return {
    ...measured,
    status: 'disagrees',
    speedVsCpu,
    minCosine,
    reason: `${run.provider}: its embeddings differ from CPU's (lowest cosine ${minCosine.toFixed(4)}, below ${AGREEMENT_TARGET}); do not use it for a library until this is understood.`,
  };
}

/**
 * Walks Lantern's own candidate list for 'auto' (providerCandidates) as session.ts does:
 * a skipped candidate gives its reason, a tried one starts (the pick) or gives the
 * reason it failed here. A candidate gpu-check did not run (DirectML, CoreML: other
 * platforms) cannot be judged and is said so.
 */
export function autoPick(
  candidates: readonly ProviderCandidate[],
  runs: readonly ProviderRun[],
): AutoPick {
  const reasons: string[] = [];
  for (const candidate of candidates) {
    if (candidate.skip !== undefined) {
      reasons.push(candidate.skip);
      continue;
    }
    const run = runs.find((r) => r.provider === candidate.name);
    if (!run) {
      reasons.push(`${candidate.name}: would be tried, but gpu-check does not run it.`);
      continue;
    }
    if (run.started) return { provider: candidate.name, reasons };
    reasons.push(run.reason);
  }
  return { provider: null, reasons };
}

/** The whole conclusion: verdicts, the auto pick, and "no GPU" with its reason when it applies. */
export function summarise(
  runs: readonly ProviderRun[],
  autoCandidates: readonly ProviderCandidate[],
  devices: readonly string[],
): GpuCheckSummary {
  const cpu = runs.find((r) => r.provider === 'cpu');
  const providers = runs.map((run) => verdictOf(run, cpu));
  const gpu = providers.some((v) => v.provider !== 'cpu' && v.status === 'ok');
  const summary: GpuCheckSummary = {
    gpu,
    devices: [...devices],
    agreementTarget: AGREEMENT_TARGET,
    providers,
    auto: autoPick(autoCandidates, runs),
  };
  if (!gpu) {
    const why = providers
      .filter((v) => v.provider !== 'cpu')
      .map((v) => v.reason ?? `${v.provider}: did not run.`);
    if (devices.length === 0) why.unshift('no GPU device node (/dev/nvidia0, /dev/dri/renderD*).');
    summary.noGpuReason = why.join(' ');
  }
  return summary;
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined ? '—' : value.toFixed(digits);

/** The report a person reads: one line per provider, the auto pick, and the GPU verdict. */
export function formatSummary(summary: GpuCheckSummary): string {
  const lines: string[] = [];
  lines.push(
    `GPU devices: ${summary.devices.length > 0 ? summary.devices.join('; ') : 'none found'}`,
  );
  lines.push('');
  for (const v of summary.providers) {
    if (v.status === 'failed' && v.imagesPerSecond === undefined) {
      lines.push(`${v.provider.padEnd(7)} did not start: ${v.reason ?? ''}`);
      continue;
    }
    const speed = `${fixed(v.imagesPerSecond, 1)} images/s (load ${fixed((v.loadMs ?? 0) / 1000, 1)} s)`;
    if (v.status === 'reference') {
      lines.push(`${v.provider.padEnd(7)} ${speed}, the reference`);
      continue;
    }
    const against = `${fixed(v.speedVsCpu, 2)}× CPU, lowest cosine with CPU ${fixed(v.minCosine, 5)}`;
    const mark =
      v.status === 'ok' ? `agrees (≥ ${summary.agreementTarget})` : `FLAGGED: ${v.reason ?? ''}`;
    lines.push(`${v.provider.padEnd(7)} ${speed}, ${against}: ${mark}`);
  }
  lines.push('');
  lines.push(`Lantern's auto pick: ${summary.auto.provider ?? 'none (even CPU failed)'}`);
  for (const reason of summary.auto.reasons) lines.push(`  ${reason}`);
  lines.push('');
  lines.push(summary.gpu ? 'GPU: usable.' : `no GPU: ${summary.noGpuReason ?? ''}`);
  return lines.join('\n');
}

/** The `--json` form: the summary as is (embeddings are not part of it). */
export function summaryJson(summary: GpuCheckSummary): string {
  return JSON.stringify(summary, null, 2);
}
