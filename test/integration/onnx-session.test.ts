/**
 * @file The onnxruntime-node adapter (native/onnx) on real sessions: caching, provider
 * choice with its recorded reasons, and the errors a person can meet. Runs under vitest
 * on temporary model files written with the repository's ONNX writer.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PROVIDER_PREFERENCE,
  cachedSessionCount,
  describeProviders,
  loadSession,
  releaseSessions,
  run,
  runFloat,
} from '../../native/onnx/index.js';
import type { OnnxError } from '../../native/onnx/index.js';
import { linuxWebgpuObstacle } from '../../native/onnx/providers.js';
import { GraphBuilder, writeModel } from '../toy-models/onnx-writer.js';

let dir: string;
let modelPath: string;

/** y = 2·x + 1 over [N,3], and the row sums as an int64-free second output. */
function doublerGraph(): GraphBuilder {
  const g = new GraphBuilder('doubler');
  const x = g.input('x', 'float32', ['N', 3]);
  g.node('Add', [g.op('Mul', [x, g.constant(2)]), g.constant(1)], ['y']);
  g.node('ReduceSum', ['y', g.int64s([1])], ['total'], { keepdims: 0 });
  g.output('y', 'float32', ['N', 3]);
  g.output('total', 'float32', ['N']);
  return g;
}

async function failure(promise: Promise<unknown>): Promise<OnnxError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as OnnxError,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lantern-onnx-'));
  modelPath = join(dir, 'doubler.onnx');
  await writeModel(modelPath, doublerGraph());
});

afterEach(async () => {
  await releaseSessions();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('native/onnx sessions', () => {
  it('caches one session per file and settings', async () => {
    const [a, b] = await Promise.all([loadSession(modelPath), loadSession(modelPath)]);
    expect(a.session).toBe(b.session);
    expect((await loadSession(modelPath)).session).toBe(a.session);
    const threaded = await loadSession(modelPath, { intraOpThreads: 1, interOpThreads: 1 });
    expect(threaded.session).not.toBe(a.session);
    expect(cachedSessionCount()).toBe(2);
    await releaseSessions();
    expect(cachedSessionCount()).toBe(0);
    expect((await loadSession(modelPath)).session).not.toBe(a.session);
  });

  it('loads a fresh session when the file is replaced', async () => {
    const path = join(dir, 'replaced.onnx');
    await writeModel(path, doublerGraph());
    const first = await loadSession(path);
    await writeModel(path, doublerGraph());
    const later = new Date(Date.now() + 5_000);
    await utimes(path, later, later);
    const second = await loadSession(path);
    expect(second.session).not.toBe(first.session);
    expect(cachedSessionCount()).toBe(1);
  });

  it("'auto' ends on a provider that runs, with a reason for each preferred one skipped", async () => {
    const loaded = await loadSession(modelPath, { provider: 'auto' });
    const skipped = PROVIDER_PREFERENCE.slice(0, PROVIDER_PREFERENCE.indexOf(loaded.provider));
    for (const name of skipped) {
      expect(loaded.notes.some((note) => note.startsWith(`${name}: `))).toBe(true);
    }
    const cuda = describeProviders().find((p) => p.name === 'cuda');
    if (loaded.provider === 'cpu' && cuda && !cuda.installed) {
      // Linux x64 without the CUDA provider libraries: this machine.
      expect(loaded.notes.find((n) => n.startsWith('cuda: '))).toMatch(/not bundled/);
    }
    const { data } = await runFloat(
      loaded,
      { x: { data: Float32Array.from([1, 2, 3]), dims: [1, 3] } },
      'y',
    );
    expect([...data]).toEqual([3, 5, 7]);
  });

  it('runs on CPU with no notes when CPU is asked for', async () => {
    const loaded = await loadSession(modelPath, { provider: 'cpu' });
    expect(loaded.provider).toBe('cpu');
    expect(loaded.notes).toEqual([]);
  });

  it('falls back to CPU with the reason when the asked provider cannot start', async () => {
    const loaded = await loadSession(modelPath, { provider: 'webgpu' });
    if (loaded.provider === 'cpu')
      expect(loaded.notes).toEqual([expect.stringMatching(/^webgpu: /)]);
    const onCoreMl = await loadSession(modelPath, { provider: 'coreml' });
    if (process.platform !== 'darwin') {
      expect(onCoreMl.provider).toBe('cpu');
      expect(onCoreMl.notes).toEqual([expect.stringMatching(/^coreml: not part of/)]);
    }
  });

  it('lists the providers this build of onnxruntime-node reports', () => {
    const providers = describeProviders();
    expect(providers.find((p) => p.name === 'cpu')).toEqual({
      name: 'cpu',
      bundled: true,
      installed: true,
    });
  });

  it('returns typed outputs with their dims', async () => {
    const loaded = await loadSession(modelPath);
    expect(loaded.inputNames).toEqual(['x']);
    expect(loaded.outputNames).toEqual(['y', 'total']);
    const out = await run(loaded, {
      x: { data: Float32Array.from([0, 1, 2, 3, 4, 5]), dims: [2, 3] },
    });
    expect(out.y?.dims).toEqual([2, 3]);
    expect(out.total?.type).toBe('float32');
    expect([...(out.total?.data ?? [])]).toEqual([9, 27]);
  });

  it('reports a file that is not an ONNX model as MODEL_INVALID, naming it', async () => {
    const path = join(dir, 'not-a-model.onnx');
    await writeFile(path, 'this is not protobuf');
    const error = await failure(loadSession(path));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain(path);
    expect(cachedSessionCount()).toBe(0);
  });

  it('reports a missing file as MODEL_MISSING, naming it', async () => {
    const path = join(dir, 'absent.onnx');
    const error = await failure(loadSession(path));
    expect(error.code).toBe('MODEL_MISSING');
    expect(error.message).toContain(path);
  });

  it('reports a failed run as INFERENCE_FAILED, naming the model file', async () => {
    const loaded = await loadSession(modelPath);
    const wrongShape = await failure(
      runFloat(loaded, { x: { data: new Float32Array(4), dims: [1, 4] } }, 'y'),
    );
    expect(wrongShape.code).toBe('INFERENCE_FAILED');
    expect(wrongShape.message).toContain(modelPath);
    const wrongName = await failure(
      run(loaded, { pixels: { data: new Float32Array(3), dims: [1, 3] } }),
    );
    expect(wrongName.code).toBe('INFERENCE_FAILED');
    expect(wrongName.message).toMatch(/takes inputs \[x\]/);
    const wrongType = await failure(
      run(loaded, { x: { data: new BigInt64Array(3), dims: [1, 3] } }),
    );
    expect(wrongType.code).toBe('INFERENCE_FAILED');
  });
});

describe('WebGPU on Linux', () => {
  it('is skipped with a reason when no Vulkan loader or GPU device exists', () => {
    const none = () => false;
    expect(linuxWebgpuObstacle(none, '')).toMatch(/libvulkan\.so\.1/);
    const loaderOnly = (p: string) => p.endsWith('libvulkan.so.1');
    expect(linuxWebgpuObstacle(loaderOnly, '')).toMatch(/no GPU device/);
    const both = (p: string) => p.endsWith('libvulkan.so.1') || p === '/dev/dri';
    expect(linuxWebgpuObstacle(both, '')).toBeNull();
    const fromLdPath = (p: string) => p === '/opt/vk/libvulkan.so.1' || p === '/dev/nvidia0';
    expect(linuxWebgpuObstacle(fromLdPath, '/opt/vk')).toBeNull();
  });
});
