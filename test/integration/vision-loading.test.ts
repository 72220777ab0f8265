/**
 * @file A prompt model's first load, as the inspector hears of it (event vision:loading,
 * electron/engine/vision/load-progress.ts), and what the load keeps in memory ([Note: one
 * copy of the weights] in prompt-runs.ts), on toy-detect and toy-segment: the service
 * reports reading up to the file's size, then preparing, then ready, and nothing for a
 * model it already holds; a broken or missing model reports failed and the call rejects
 * with the error a plain load gives; a model on its thread leaves no in-process session
 * behind yet answers as an in-process one does, and keeps it when no thread can start.
 */
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { JobSnapshot, Result } from '../../electron/shared/contract.js';
import type { VisionLoading } from '../../electron/shared/types.js';
import { openRegistry } from '../../electron/engine/library.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { VisionModels } from '../../electron/engine/vision/loaded-models.js';
import { Detector, Segmenter } from '../../electron/engine/vision/prompt-models.js';
import { cachedSessionCount, InferenceThread, releaseSessions } from '../../native/onnx/index.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writeRectanglePhoto } from '../fixtures/vision-photos.js';

const SPEC = {
  width: 480,
  height: 360,
  rect: [96, 64, 320, 256],
  fill: [220, 30, 30],
  format: 'jpeg',
} as const;

let root: string;
let db: string;
let toys: string;

function value<T>(answer: Result<unknown>): T {
  if (!answer.ok) throw new Error(JSON.stringify(answer.error));
  return answer.value as T;
}

/** The same photo twice (two answer-cache keys, so each model runs on its own). */
async function photoPair(name: string): Promise<[string, string]> {
  const first = path.join(root, `${name}-a.jpg`);
  const second = path.join(root, `${name}-b.jpg`);
  await writeRectanglePhoto(first, SPEC);
  await copyFile(first, second);
  return [first, second];
}

/** The phases in order, with runs of one phase folded into one. */
function phases(events: readonly VisionLoading[]): string[] {
  return events.map((e) => e.phase).filter((phase, i, all) => phase !== all[i - 1]);
}

beforeAll(async () => {
  [root, db] = await Promise.all([tempDir(), tempDir()]);
  toys = inject('toyModelsDir');
});

afterAll(async () => {
  await Promise.all([removeDir(root), removeDir(db)]);
});

describe('vision:loading from the service', () => {
  it('reports reading up to the file size, preparing, ready; then nothing for a kept model', async () => {
    const service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: toys,
      modelId: 'toy-clip',
    });
    try {
      const [photo] = await photoPair('service');
      const finished = new Promise<JobSnapshot>((resolve) =>
        service.on('job:progress', (job) => {
          if (['done', 'failed', 'cancelled'].includes(job.state)) resolve(job);
        }),
      );
      value(await service.invoke('library:addRoots', { paths: [root] }));
      expect((await finished).state).toBe('done');
      const events: VisionLoading[] = [];
      service.on('vision:loading', (event) => events.push(event));

      value(await service.invoke('vision:detect', { path: photo, prompts: ['red'] }));
      const size = (await stat(path.join(toys, 'toy-detect', 'model.onnx'))).size;
      expect(phases(events)).toEqual(['reading', 'preparing', 'ready']);
      for (const event of events)
        expect(event).toMatchObject({ task: 'detect', model: 'toy-detect' });
      const reading = events.filter((e) => e.phase === 'reading');
      expect(reading[0]).toMatchObject({ loaded: 0, total: size });
      expect(reading.at(-1)).toMatchObject({ loaded: size, total: size });
      const loaded = reading.map((e) => e.loaded);
      expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
      expect(events.at(-1)).toMatchObject({ phase: 'ready', loaded: size, total: size });

      const count = events.length;
      value(await service.invoke('vision:detect', { path: photo, prompts: ['blue'] }));
      expect(events).toHaveLength(count);
    } finally {
      await service.close();
    }
  });
});

describe('a load that fails', () => {
  /** A model folder whose toy-detect entry (as "toy-broken") points at `bytes`, or at nothing. */
  async function brokenModels(bytes: Buffer | null): Promise<string> {
    const dir = await tempDir('lantern-broken-model-');
    const manifest = JSON.parse(await readFile(path.join(toys, 'models.json'), 'utf8')) as {
      models: { id: string; files: { model: { path: string } } }[];
    };
    const entry = manifest.models.find((m) => m.id === 'toy-detect')!;
    const broken = { ...entry, id: 'toy-broken', files: { model: { path: 'broken/model.onnx' } } };
    await writeFile(
      path.join(dir, 'models.json'),
      JSON.stringify({ ...manifest, models: [broken] }),
    );
    await mkdir(path.join(dir, 'broken'));
    if (bytes) await writeFile(path.join(dir, 'broken', 'model.onnx'), bytes);
    return dir;
  }

  it('reports failed, and rejects as a plain load does', async () => {
    const garbage = Buffer.alloc(64 * 1024, 7);
    for (const bytes of [garbage, null]) {
      const dir = await brokenModels(bytes);
      try {
        const registry = await openRegistry({ modelsDir: dir });
        const plain = await Detector.load(registry, 'toy-broken', { provider: 'cpu' }).then(
          () => null,
          (error: unknown) => error as Error & { code: string },
        );
        expect(plain?.code).toBe(bytes ? 'MODEL_INVALID' : 'MODEL_MISSING');
        const events: VisionLoading[] = [];
        const models = new VisionModels((event) => events.push(event));
        await expect(
          models.detector(registry, 'toy-broken', { provider: 'cpu' }),
        ).rejects.toMatchObject({ code: plain!.code, message: plain!.message });
        // A missing file fails before any reading; a damaged one after reading it all.
        expect(phases(events)).toEqual(bytes ? ['reading', 'preparing', 'failed'] : ['failed']);
        expect(events.at(-1)).toMatchObject({ task: 'detect', model: 'toy-broken' });
        if (bytes)
          expect(events.at(-1)).toMatchObject({ loaded: bytes.length, total: bytes.length });
        await models.close();
      } finally {
        await removeDir(dir);
      }
    }
  });
});

describe('one copy of the weights', () => {
  it('leaves no in-process session behind a threaded model, which answers as in-process', async () => {
    const registry = await openRegistry({ modelsDir: toys });
    const models = new VisionModels();
    const inProcess = { provider: 'cpu', inferenceThread: false } as const;
    const before = cachedSessionCount();
    try {
      const detector = await models.detector(registry, 'toy-detect', { provider: 'cpu' });
      const segmenter = await models.segmenter(registry, 'toy-segment', { provider: 'cpu' });
      expect(cachedSessionCount()).toBe(before);
      const plainDetector = await Detector.load(registry, 'toy-detect', inProcess);
      const plainSegmenter = await Segmenter.load(registry, 'toy-segment', inProcess);
      expect(cachedSessionCount()).toBe(before + 2);
      const [first, second] = await photoPair('threaded');
      const threaded = await detector.detect(first, ['red', 'blue']);
      expect(threaded.detections[0]?.label).toBe('red');
      expect(threaded).toEqual(await plainDetector.detect(second, ['red', 'blue']));
      const masks = await segmenter.logits(first, ['red', 'blue']);
      expect(masks).toEqual(await plainSegmenter.logits(second, ['red', 'blue']));
    } finally {
      await models.close();
      await releaseSessions();
    }
  });

  it('keeps the in-process session when no thread can start', async () => {
    const registry = await openRegistry({ modelsDir: toys });
    const start = vi.spyOn(InferenceThread, 'start').mockRejectedValue(new Error('no threads'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const models = new VisionModels();
    try {
      const before = cachedSessionCount();
      const detector = await models.detector(registry, 'toy-detect', { provider: 'cpu' });
      expect(start).toHaveBeenCalled();
      expect(cachedSessionCount()).toBe(before + 1);
      const [photo] = await photoPair('fallback');
      expect((await detector.detect(photo, ['red'])).detections[0]?.label).toBe('red');
    } finally {
      start.mockRestore();
      warn.mockRestore();
      await models.close();
      await releaseSessions();
    }
  });
});
