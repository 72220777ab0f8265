/**
 * @file What scripts/gpu-check concludes from provider runs (electron/gpu-check/summary.ts),
 * on made-up runs: a provider that fails to start is reported with its reason, one
 * whose embeddings reach only cosine 0.98 with CPU's is flagged and does not count as
 * a usable GPU, the auto pick walks Lantern's candidate list as session.ts does, and
 * the libraries ldd reports missing for the CUDA provider are named.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderCandidate } from '../../native/onnx/providers.js';
import {
  AGREEMENT_TARGET,
  autoPick,
  formatSummary,
  rowCosines,
  summarise,
} from '../../electron/gpu-check/summary.js';
import type { ProviderRun } from '../../electron/gpu-check/summary.js';
import { librariesNotFound } from '../../electron/gpu-check/probe.js';

const DIM = 4;
/** Two embeddings per run: rows of DIM values. */
const CPU_EMBEDDINGS = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0]);

/** A second row turned away from CPU's by the angle whose cosine is `cosine`. */
function embeddingsAt(cosine: number): Float32Array {
  const sine = Math.sqrt(1 - cosine * cosine);
  return Float32Array.from([1, 0, 0, 0, 0, cosine, sine, 0]);
}

const started = (
  provider: 'cpu' | 'cuda' | 'webgpu',
  imagesPerSecond: number,
  embeddings: Float32Array,
): ProviderRun => ({
  provider,
  started: true,
  loadMs: 1000,
  batch: 2,
  batches: 3,
  imagesPerSecond,
  embeddings,
  dim: DIM,
});

const CUDA_MISSING =
  'cuda: its provider library could not be loaded (drivers or runtime libraries missing). In detail: the CUDA provider needs libcudnn.so.9, which the dynamic loader does not find.';
const cudaFails: ProviderRun = { provider: 'cuda', started: false, reason: CUDA_MISSING };

const AUTO_ON_LINUX: ProviderCandidate[] = [
  { name: 'cuda' },
  { name: 'dml', skip: "dml: not part of onnxruntime-node's build for linux/x64." },
  { name: 'coreml', skip: "coreml: not part of onnxruntime-node's build for linux/x64." },
  { name: 'webgpu' },
  { name: 'cpu' },
];

describe('rowCosines', () => {
  it('gives one cosine per row and refuses rows that do not line up', () => {
    const cosines = rowCosines(CPU_EMBEDDINGS, embeddingsAt(0.98), DIM);
    expect(cosines[0]).toBeCloseTo(1, 6);
    expect(cosines[1]).toBeCloseTo(0.98, 6);
    expect(() => rowCosines(CPU_EMBEDDINGS, CPU_EMBEDDINGS.subarray(0, 4), DIM)).toThrow(/bug/);
  });
});

describe('summarise', () => {
  it('flags a provider whose embeddings reach only cosine 0.98 and reports one that failed to start', () => {
    const runs = [
      started('cpu', 10, CPU_EMBEDDINGS),
      cudaFails,
      started('webgpu', 40, embeddingsAt(0.98)),
    ];
    const summary = summarise(runs, AUTO_ON_LINUX, ['DRM render nodes: /dev/dri/renderD128']);

    const [cpu, cuda, webgpu] = summary.providers;
    expect(cpu).toMatchObject({ provider: 'cpu', status: 'reference', imagesPerSecond: 10 });
    expect(cuda).toMatchObject({ provider: 'cuda', status: 'failed', reason: CUDA_MISSING });
    expect(webgpu?.status).toBe('disagrees');
    expect(webgpu?.minCosine).toBeCloseTo(0.98, 6);
    expect(webgpu?.speedVsCpu).toBeCloseTo(4, 6);
    expect(webgpu?.reason).toMatch(/lowest cosine 0\.9800, below 0\.999/);

    // A GPU that gives other answers is no GPU to use: the reason names both providers.
    expect(summary.gpu).toBe(false);
    expect(summary.noGpuReason).toContain('libcudnn.so.9');
    expect(summary.noGpuReason).toContain('webgpu: its embeddings differ');

    const text = formatSummary(summary);
    expect(text).toMatch(/^cuda\s+did not start: .*libcudnn\.so\.9/m);
    expect(text).toMatch(/^webgpu\s+40\.0 images\/s .* 4\.00× CPU, .*FLAGGED/m);
    expect(text).toMatch(/^no GPU: /m);
  });

  it('counts a provider at or above the target as a usable GPU', () => {
    const close = AGREEMENT_TARGET + (1 - AGREEMENT_TARGET) / 2;
    const runs = [started('cpu', 10, CPU_EMBEDDINGS), started('cuda', 200, embeddingsAt(close))];
    const summary = summarise(runs, AUTO_ON_LINUX, ['NVIDIA device nodes: /dev/nvidia0']);
    expect(summary.providers[1]).toMatchObject({ status: 'ok', speedVsCpu: 20 });
    expect(summary.gpu).toBe(true);
    expect(summary.noGpuReason).toBeUndefined();
    expect(formatSummary(summary)).toMatch(/^GPU: usable\.$/m);
    expect(summary.auto).toEqual({ provider: 'cuda', reasons: [] });
  });

  it('says "no GPU" with the missing device when no GPU provider starts', () => {
    const runs = [
      started('cpu', 10, CPU_EMBEDDINGS),
      cudaFails,
      {
        provider: 'webgpu',
        started: false,
        reason: 'webgpu: no WebGPU adapter on this machine (No supported adapters).',
      },
    ] satisfies ProviderRun[];
    const summary = summarise(runs, AUTO_ON_LINUX, []);
    expect(summary.gpu).toBe(false);
    expect(summary.noGpuReason).toMatch(
      /^no GPU device node .* cuda: .* webgpu: no WebGPU adapter/,
    );
  });
});

describe('autoPick', () => {
  it('walks the candidates: skipped and failed ones give their reason, the first that starts is picked', () => {
    const runs = [
      started('cpu', 10, CPU_EMBEDDINGS),
      cudaFails,
      started('webgpu', 40, CPU_EMBEDDINGS),
    ];
    expect(autoPick(AUTO_ON_LINUX, runs)).toEqual({
      provider: 'webgpu',
      reasons: [
        CUDA_MISSING,
        "dml: not part of onnxruntime-node's build for linux/x64.",
        "coreml: not part of onnxruntime-node's build for linux/x64.",
      ],
    });
  });

  it('gives the skip reason even for a provider that started when asked by name', () => {
    // 'auto' skips WebGPU on Linux without a device node; asked by name it is still tried.
    const candidates: ProviderCandidate[] = [
      { name: 'webgpu', skip: 'webgpu: no GPU device (/dev/dri or /dev/nvidia0) on this machine.' },
      { name: 'cpu' },
    ];
    const runs = [started('cpu', 10, CPU_EMBEDDINGS), started('webgpu', 40, CPU_EMBEDDINGS)];
    expect(autoPick(candidates, runs)).toEqual({
      provider: 'cpu',
      reasons: ['webgpu: no GPU device (/dev/dri or /dev/nvidia0) on this machine.'],
    });
  });

  it('picks nothing when even CPU failed', () => {
    const runs: ProviderRun[] = [{ provider: 'cpu', started: false, reason: 'cpu: broken.' }];
    expect(autoPick([{ name: 'cpu' }], runs)).toEqual({
      provider: null,
      reasons: ['cpu: broken.'],
    });
  });
});

describe('librariesNotFound', () => {
  it('names the libraries ldd could not resolve for the CUDA provider', () => {
    const ldd = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibcublasLt.so.12 => not found',
      '\tlibcudnn.so.9 => not found',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f)',
    ].join('\n');
    expect(librariesNotFound(ldd)).toEqual(['libcublasLt.so.12', 'libcudnn.so.9']);
    expect(librariesNotFound('\tlibc.so.6 => /lib/libc.so.6 (0x1)')).toEqual([]);
  });
});
