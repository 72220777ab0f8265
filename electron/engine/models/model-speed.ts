/**
 * @file How fast a CLIP model runs on this machine, measured once and kept beside the model:
 * its image encoder on a small batch of generated images and its text encoder on a few
 * sentences, on the provider Lantern would use. The model picker and `lantern models list`
 * show the figure next to the catalog's rough words. Runs in the engine (plain Node).
 *
 * [Note: measured once] The measurement costs a model load (seconds for a real model), so
 * it runs right after a download is verified (download-job.ts) or when asked for
 * (`lantern models measure`), never while listing. It is stored as `<id>.speed.json` in the
 * model's folder with the size and mtime of the encoder files it timed: a model replaced
 * in place reads as "not measured yet" again rather than showing an old figure.
 */
import { stat, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ModelSpeed } from '../../shared/contract.js';
import { ClipEncoder } from '../clip/encoder.js';
import { clipVocabularyPath } from '../paths.js';
import type { ModelEntry } from './manifest.js';
import { resolveInside, type ResolvedClipModel } from './registry.js';

/** Images in the timed batch: enough to see a batch's rate, small enough for a slow CPU. */
export const SPEED_IMAGES = 4;
/** Sentences timed one at a time, as a search sends them. */
export const SPEED_SENTENCES = [
  'a dog running on the beach',
  'birthday cake with candles',
  'snowy mountains at sunset',
] as const;

const StoredSpeedSchema = z.object({
  imagesPerSecond: z.number().positive(),
  textMs: z.number().positive(),
  provider: z.string(),
  measuredAt: z.string(),
  /** `<size>:<mtime>` of the vision and text files that were timed. */
  files: z.string(),
});

/** Where the measurement of model `id` whose files live in `dir` is kept. */
export function speedFilePath(dir: string, id: string): string {
  return path.join(dir, `${id}.speed.json`);
}

async function fingerprint(resolved: Pick<ResolvedClipModel, 'visionPath' | 'textPath'>) {
  const parts = await Promise.all(
    [resolved.visionPath, resolved.textPath].map(async (file) => {
      const info = await stat(file);
      return `${info.size}:${Math.trunc(info.mtimeMs)}`;
    }),
  );
  return parts.join('|');
}

/**
 * The stored measurement of a model, or null when there is none, it cannot be read, or
 * the files it timed have changed since ([Note: measured once]).
 */
export async function readModelSpeed(
  dir: string,
  id: string,
  files: Pick<ResolvedClipModel, 'visionPath' | 'textPath'>,
): Promise<ModelSpeed | null> {
  try {
    const parsed = StoredSpeedSchema.safeParse(
      JSON.parse(await readFile(speedFilePath(dir, id), 'utf8')),
    );
    if (!parsed.success || parsed.data.files !== (await fingerprint(files))) return null;
    const { imagesPerSecond, textMs, provider, measuredAt } = parsed.data;
    return { imagesPerSecond, textMs, provider, measuredAt };
  } catch {
    return null; // no file yet, or the model's files are gone: "not measured yet"
  }
}

/** The stored speed of a catalog entry whose files live in `dir`; null for non-CLIP models. */
export function storedSpeed(dir: string, entry: ModelEntry): Promise<ModelSpeed | null> {
  if (entry.task !== 'clip') return Promise.resolve(null);
  return readModelSpeed(dir, entry.id, {
    visionPath: resolveInside(dir, entry.files.vision.path),
    textPath: resolveInside(dir, entry.files.text.path),
  });
}

export interface MeasureOptions {
  /** The provider request Lantern runs models with ('auto' when absent). */
  provider?: string;
}

/**
 * Time `resolved` once and store the result beside it. One untimed image and sentence go
 * first: onnxruntime's first run includes work (memory planning, kernel choice) that
 * later runs do not repeat, and a person's index run is all later runs.
 */
export async function measureModelSpeed(
  resolved: ResolvedClipModel,
  options: MeasureOptions = {},
): Promise<ModelSpeed> {
  const encoder = await ClipEncoder.load(resolved, {
    tokenizerPath: clipVocabularyPath(),
    ...(options.provider ? { provider: options.provider } : {}),
  });
  try {
    const images = syntheticImages(encoder.imageStride, SPEED_IMAGES);
    await encoder.encodeImages(images, 1);
    const imageStart = performance.now();
    await encoder.encodeImages(images, SPEED_IMAGES);
    const imageSeconds = (performance.now() - imageStart) / 1000;

    await encoder.encodeTexts([SPEED_SENTENCES[0]]);
    const textStart = performance.now();
    for (const sentence of SPEED_SENTENCES) await encoder.encodeTexts([sentence]);
    const textMs = (performance.now() - textStart) / SPEED_SENTENCES.length;

    const speed: ModelSpeed = {
      // A timer that reads 0 for a tiny model must not make an infinite rate.
      imagesPerSecond: SPEED_IMAGES / Math.max(imageSeconds, 1e-6),
      textMs: Math.max(textMs, 1e-3),
      provider: encoder.provider ?? 'cpu',
      measuredAt: new Date().toISOString(),
    };
    const stored = { ...speed, files: await fingerprint(resolved) };
    await writeFile(
      speedFilePath(resolved.dir, resolved.model.id),
      `${JSON.stringify(stored, null, 2)}\n`,
    );
    return speed;
  } finally {
    await encoder.close();
  }
}

/**
 * Generated input in the range a normalised photo has: a smooth gradient per channel,
 * not zeros, so no kernel takes a shortcut a real photo would not.
 */
function syntheticImages(stride: number, count: number): Float32Array {
  const data = new Float32Array(stride * count);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001) * 1.5;
  return data;
}
