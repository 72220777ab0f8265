/**
 * @file The detector and the segmenter run their model on an InferenceThread
 * ([Note: prompt models run on a thread] in electron/engine/vision/prompt-runs.ts), on
 * toy-detect and toy-segment: the calling thread's timers keep firing while the model
 * runs, no run goes to the in-process session, the answers equal in-process ones, and
 * closing the model stops its worker (a closed model refuses to run rather than hang).
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openRegistry } from '../../electron/engine/library.js';
import type { ModelRegistry } from '../../electron/engine/models/registry.js';
import { Detector, Segmenter } from '../../electron/engine/vision/prompt-models.js';
import { InferenceThread } from '../../native/onnx/index.js';
import type { Rgb } from '../fixtures/images.js';
import { countModelRuns } from '../fixtures/model-runs.js';
import { orientedJpeg } from '../fixtures/oriented-photos.js';

let dir: string;
let registry: ModelRegistry;

/** A red rectangle on blue, as two files with the same bytes (two cache keys). */
async function photoPair(name: string): Promise<[string, string]> {
  const red: Rgb = [220, 30, 30];
  const blue: Rgb = [30, 70, 220];
  const jpeg = await orientedJpeg({ width: 640, height: 480 }, 1, (x, y) =>
    x >= 64 && x < 320 && y >= 48 && y < 240 ? red : blue,
  );
  const first = path.join(dir, `${name}-a.jpg`);
  const second = path.join(dir, `${name}-b.jpg`);
  await writeFile(first, jpeg);
  await copyFile(first, second);
  return [first, second];
}

/**
 * Ticks of a 1 ms timer on this thread between each thread run being posted and its
 * answer, and the threads that ran. In-process the run is synchronous: no tick between.
 */
function watchThreadRuns() {
  const proto = InferenceThread.prototype;
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'run')!;
  const original = descriptor.value as InferenceThread['run'];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const during: number[] = [];
  const threads = new Set<InferenceThread>();
  proto.run = async function (this: InferenceThread, ...args: Parameters<InferenceThread['run']>) {
    threads.add(this);
    const before = ticks;
    const outputs = await original.apply(this, args);
    during.push(ticks - before);
    return outputs;
  };
  return {
    during,
    threads,
    stop: () => {
      clearInterval(timer);
      Object.defineProperty(proto, 'run', descriptor);
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-vision-thread-'));
  registry = await openRegistry({ modelsDir: inject('toyModelsDir') });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prompt models on an inference thread', () => {
  it('detects on the thread, with the calling thread free, as in-process does', async () => {
    const threaded = await Detector.load(registry, 'toy-detect', { provider: 'cpu' });
    const inProcess = await Detector.load(registry, 'toy-detect', {
      provider: 'cpu',
      inferenceThread: false,
    });
    const [first, second] = await photoPair('detect');
    const runs = await countModelRuns(threaded.modelPath);
    const watch = watchThreadRuns();
    let onThread;
    try {
      onThread = await threaded.detect(first, ['red', 'a photo']);
    } finally {
      watch.stop();
    }
    expect(runs.onThread()).toBe(1);
    expect(runs.count()).toBe(1);
    expect(watch.during).toHaveLength(1);
    // toy-detect's run is ten 576² matrix squarings: many 1 ms ticks in-thread, none in-process.
    expect(watch.during[0]).toBeGreaterThanOrEqual(1);
    const answered = await inProcess.detect(second, ['red', 'a photo']);
    runs.stop();
    expect(runs.count()).toBe(2);
    expect(runs.onThread()).toBe(1);
    expect(onThread.detections.length).toBeGreaterThan(0);
    expect(onThread).toEqual(answered);
  });

  it('segments on the thread as in-process does', async () => {
    const threaded = await Segmenter.load(registry, 'toy-segment', { provider: 'cpu' });
    const inProcess = await Segmenter.load(registry, 'toy-segment', {
      provider: 'cpu',
      inferenceThread: false,
    });
    const [first, second] = await photoPair('segment');
    const runs = await countModelRuns(threaded.modelPath);
    const onThread = await threaded.logits(first, ['red', 'blue']);
    expect(runs.onThread()).toBeGreaterThanOrEqual(1);
    expect(runs.count()).toBe(runs.onThread());
    const answered = await inProcess.logits(second, ['red', 'blue']);
    runs.stop();
    expect(runs.count()).toBe(2 * runs.onThread());
    expect(onThread).toEqual(answered);
  });

  it('stops the worker when the model is closed, and a closed model refuses to run', async () => {
    const detector = await Detector.load(registry, 'toy-detect', { provider: 'cpu' });
    const [first, second] = await photoPair('close');
    const watch = watchThreadRuns();
    try {
      await detector.detect(first, ['red']);
    } finally {
      watch.stop();
    }
    const [thread] = watch.threads;
    expect(thread).toBeDefined();
    // The Worker behind it, running until closed (threadId is -1 once it has stopped).
    const worker = (thread as unknown as { worker: { threadId: number } }).worker;
    expect(worker.threadId).toBeGreaterThan(0);
    await detector.close();
    expect(worker.threadId).toBe(-1);
    await expect(detector.detect(second, ['red'])).rejects.toMatchObject({
      code: 'INFERENCE_FAILED',
      message: expect.stringContaining('closed') as string,
    });
    // A fresh load gets a session and a thread of its own.
    const reloaded = await Detector.load(registry, 'toy-detect', { provider: 'cpu' });
    expect((await reloaded.detect(second, ['red'])).detections[0]?.label).toBe('red');
    await reloaded.close();
  });
});
