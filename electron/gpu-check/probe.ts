/**
 * @file The measuring half of `scripts/gpu-check`: writes the bench image encoder (the
 * random-weight ViT-B/32 of test/bench/vit-model.ts, generated here rather than copied,
 * so the check needs nothing beyond the repository), runs it on one execution provider
 * through native/onnx exactly as Lantern loads models, and looks at what the machine
 * offers a GPU provider (device nodes, driver, the CUDA provider's missing libraries).
 * Runs in the gpu-check process (plain Node).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { forgetSession, loadSession, runFloat } from '../../native/onnx/index.js';
import { providerCandidates, providerLibraryName } from '../../native/onnx/providers.js';
import { writeModel } from '../../test/toy-models/onnx-writer.js';
import { readBundledSignature } from '../../test/toy-models/toy-clip.js';
import type { ToyClipSignature } from '../../test/toy-models/toy-clip.js';
import { buildVisionEncoder } from '../../test/bench/vit-model.js';
import type { CheckedProvider, ProviderRun } from './summary.js';

export interface BenchEncoder {
  path: string;
  signature: ToyClipSignature;
  /** Seconds spent writing it now; 0 when an earlier run's file was reused. */
  writeSeconds: number;
}

/**
 * The image encoder under `dir`, written on first use (~350 MB, a few seconds). A stamp
 * written last marks a complete file, as test/bench/fixtures.ts does for the bench.
 */
export async function benchEncoder(dir: string, repoRoot: string): Promise<BenchEncoder> {
  // Read from the repository, not relative to this module: bundled into out/, the
  // toy-clip default path would point outside the checkout.
  const signature = readBundledSignature(join(repoRoot, 'resources', 'models.json'));
  const path = resolve(dir, 'vision_model.onnx');
  const stampPath = resolve(dir, 'vision_model.json');
  const stamp = JSON.stringify({ generator: 'test/bench/vit-model.ts', signature });
  if (existsSync(path) && existsSync(stampPath) && (await readFile(stampPath, 'utf8')) === stamp) {
    return { path, signature, writeSeconds: 0 };
  }
  const started = performance.now();
  await mkdir(dir, { recursive: true });
  await writeModel(path, buildVisionEncoder(signature), {
    producerName: 'lantern-gpu-check',
    docString: 'Random-weight CLIP ViT-B/32 image encoder for scripts/gpu-check.',
  });
  await writeFile(stampPath, stamp);
  return { path, signature, writeSeconds: (performance.now() - started) / 1000 };
}

/**
 * `count` images of random pixels, normalised as CLIP's preprocessing does (rescale,
 * then per-channel mean and std), from a fixed seed so every provider sees the same.
 */
export function checkInputs(signature: ToyClipSignature, count: number): Float32Array {
  const { size, mean, std } = signature.vision;
  const plane = size * size;
  const data = new Float32Array(count * 3 * plane);
  let state = 0x2545f491; // xorshift32: any fixed non-zero seed
  for (let image = 0; image < count; image++) {
    for (let channel = 0; channel < 3; channel++) {
      const m = mean[channel] ?? 0.5;
      const s = std[channel] ?? 0.25;
      const offset = (image * 3 + channel) * plane;
      for (let i = 0; i < plane; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        data[offset + i] = ((state >>> 0) / 2 ** 32 - m) / s;
      }
    }
  }
  return data;
}

export interface TimingPlan {
  batch: number;
  warmups: number;
  /** Timing stops once both are reached, or at maxSeconds. */
  minBatches: number;
  minSeconds: number;
  maxSeconds: number;
}

export const FULL_PLAN: TimingPlan = {
  batch: 16, // Lantern's indexing batch
  warmups: 2, // a GPU's first runs compile kernels and pick algorithms
  minBatches: 3,
  minSeconds: 3,
  maxSeconds: 20,
};
export const QUICK_PLAN: TimingPlan = {
  batch: 2,
  warmups: 1,
  minBatches: 1,
  minSeconds: 0,
  maxSeconds: 5,
};

/**
 * Loads the encoder with one provider through loadSession (so the provider is chosen,
 * skipped or refused exactly as in Lantern), warms it up, times whole batches and keeps
 * the last batch's embeddings. A provider that did not start comes back with the
 * reason session.ts recorded; only a CPU failure is thrown (the check itself failed).
 */
export async function runProvider(
  encoder: BenchEncoder,
  provider: CheckedProvider,
  plan: TimingPlan,
): Promise<ProviderRun> {
  // A provider Lantern skips without trying (not in this build, library not installed)
  // is reported in its words here, which saves loadSession's CPU fallback load.
  const [first] = providerCandidates(provider);
  if (first?.skip !== undefined) return { provider, started: false, reason: first.skip };
  const loaded = await loadSession(encoder.path, { provider });
  if (loaded.provider !== provider) {
    // Asked for a GPU provider, got the CPU fallback: its note says why.
    await forgetSession(loaded);
    const reason =
      loaded.notes.find((note) => note.startsWith(`${provider}:`)) ??
      `${provider}: did not start (no reason recorded).`;
    return { provider, started: false, reason };
  }
  const { size } = encoder.signature.vision;
  const input = loaded.inputNames[0] ?? encoder.signature.vision.input;
  const feeds = {
    [input]: {
      data: checkInputs(encoder.signature, plan.batch),
      dims: [plan.batch, 3, size, size],
    },
  };
  try {
    for (let i = 0; i < plan.warmups; i++) await runFloat(loaded, feeds);
    let batches = 0;
    let last: { data: Float32Array; dims: readonly number[] } | undefined;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < plan.maxSeconds && (batches < plan.minBatches || elapsed < plan.minSeconds)) {
      last = await runFloat(loaded, feeds);
      batches++;
      elapsed = (performance.now() - started) / 1000;
    }
    if (!last) throw new Error('no batch was timed');
    return {
      provider,
      started: true,
      loadMs: loaded.loadMs,
      batch: plan.batch,
      batches,
      imagesPerSecond: (batches * plan.batch) / elapsed,
      embeddings: last.data,
      dim: last.dims[1] ?? last.data.length / plan.batch,
    };
  } catch (error) {
    if (provider === 'cpu') throw error;
    const message = error instanceof Error ? error.message : String(error);
    return {
      provider,
      started: false,
      reason: `${provider}: started but failed to run (${message})`,
    };
  } finally {
    await forgetSession(loaded);
  }
}

/** The libraries ldd reports as "not found" (e.g. `\tlibcudnn.so.9 => not found`). */
export function librariesNotFound(lddOutput: string): string[] {
  return [...lddOutput.matchAll(/^\s*(\S+) => not found/gm)].map((m) => m[1] ?? '');
}

/** Output of a command, or null when it is missing, fails or takes over 10 s. */
function commandOutput(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  if (result.error || result.status !== 0) return null;
  return result.stdout.trim();
}

/** GPU device nodes and, where nvidia-smi exists, each NVIDIA GPU's name and driver. */
export function gpuDevices(): string[] {
  const devices: string[] = [];
  const nvidia = existsSync('/dev') ? readdirSync('/dev').filter((n) => /^nvidia\d+$/.test(n)) : [];
  if (nvidia.length > 0)
    devices.push(`NVIDIA device nodes: ${nvidia.map((n) => `/dev/${n}`).join(', ')}`);
  const render = existsSync('/dev/dri')
    ? readdirSync('/dev/dri').filter((n) => n.startsWith('renderD'))
    : [];
  if (render.length > 0)
    devices.push(`DRM render nodes: ${render.map((n) => `/dev/dri/${n}`).join(', ')}`);
  const smi = commandOutput('nvidia-smi', [
    '--query-gpu=name,driver_version,memory.total',
    '--format=csv,noheader',
  ]);
  if (smi) for (const line of smi.split('\n')) devices.push(`nvidia-smi: ${line.trim()}`);
  return devices;
}

/**
 * Why the CUDA provider's library cannot load, beyond session.ts's one-line summary:
 * the shared libraries it needs that the dynamic loader does not find (ldd), such as
 * libcudart.so.12 or libcudnn.so.9. Null when the library is absent (its skip reason
 * already says so) or nothing is missing.
 */
export function cudaLibraryGaps(): string | null {
  if (process.platform !== 'linux') return null;
  let library: string;
  try {
    // The folder loadSession's provider check looks in (providers.ts, bindingFolder).
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    library = join(
      dirname(entry),
      '..',
      'bin',
      'napi-v6',
      'linux',
      process.arch,
      providerLibraryName('cuda'),
    );
  } catch {
    return null;
  }
  if (!existsSync(library)) return null;
  const ldd = spawnSync('ldd', [library], { encoding: 'utf8', timeout: 10_000 });
  if (ldd.error) return null;
  const missing = librariesNotFound(ldd.stdout);
  return missing.length > 0
    ? `the CUDA provider needs ${missing.join(', ')}, which the dynamic loader does not find (install CUDA 12 and cuDNN 9, or add their folders to LD_LIBRARY_PATH).`
    : null;
}
