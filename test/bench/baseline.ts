/**
 * @file The peer baseline (plain Node, bench time only): the same photos and the same
 * model file through @huggingface/transformers, written the way its documentation
 * shows a newcomer — AutoProcessor and CLIPVisionModelWithProjection from a local
 * folder, RawImage.read per photo, the processor and the model on batches of 16.
 * Runs in a fresh child process.
 *
 * [Note: a fair baseline]
 * In Node, transformers.js 4 loads onnxruntime-node (src/backends/onnx.js: `apis.IS_NODE_ENV`
 * → onnx-node.js, which requires 'onnxruntime-node'; the WASM build is for browsers),
 * maps device 'cpu' to the CPU execution provider, and with dtype 'fp32' reads the
 * file without a suffix, `onnx/vision_model.onnx` (src/utils/dtypes.js,
 * DEFAULT_DTYPE_SUFFIX_MAPPING) — the very file Lantern loads (the folder holds no other
 * vision file, so a quantised choice would fail to load rather than run). Both are its Node
 * defaults; they are passed explicitly so a future default cannot change the
 * comparison, and the child reports what the session was really created with (its
 * session_config and the onnxruntime handler class), so the report can show it.
 * Its images are read with Promise.all per batch, so decoding overlaps on libuv's
 * threads as it would in any reasonable script.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AutoProcessor,
  CLIPVisionModelWithProjection,
  RawImage,
  env,
} from '@huggingface/transformers';
import { BENCH_MODEL_ID } from './vit-model.js';
import { cpuSecondsSince, peakRssMiB } from './measure.js';

export const BASELINE_BATCH = 16;

export interface BaselineResult {
  photos: number;
  loadSeconds: number;
  seconds: number;
  /** Of `seconds`, the part spent in model(inputs); the rest is reading and preprocessing. */
  inferenceSeconds: number;
  photosPerSecond: number;
  cpuUtilisation: number;
  peakRssMiB: number;
  transformersVersion: string;
  /** What the vision session was created with, as transformers.js records it. */
  sessionDevice: string;
  sessionDtype: string;
  /** The class of the ORT session handler: onnxruntime-node's is OnnxruntimeSessionHandler. */
  ortHandler: string;
  ortPackage: string;
}

interface SessionLike {
  config?: { device?: unknown; dtype?: unknown };
  handler?: { constructor: { name: string } };
}

const describe = (value: unknown) =>
  typeof value === 'string' ? value : (JSON.stringify(value) ?? 'unknown');

function packageVersion(file: string): string {
  let dir = path.dirname(file);
  for (;;) {
    try {
      const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (json.name && json.version) return `${json.name}@${json.version}`;
    } catch {
      // No package.json here; look further up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

/** Child side of `baseline <hfRoot> <photo>…`. */
export async function baselineChild(
  hfRoot: string,
  photos: readonly string[],
): Promise<BaselineResult> {
  env.localModelPath = hfRoot;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;

  const loadStarted = performance.now();
  const processor = await AutoProcessor.from_pretrained(BENCH_MODEL_ID);
  const model = await CLIPVisionModelWithProjection.from_pretrained(BENCH_MODEL_ID, {
    device: 'cpu',
    dtype: 'fp32',
  });
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  // Both are callable objects whose declared call signature returns any.
  const preprocess = processor as unknown as (images: RawImage[]) => Promise<object>;
  const embed = model as unknown as (inputs: object) => Promise<Record<string, unknown>>;

  const cpu = process.cpuUsage();
  const started = performance.now();
  let inferenceSeconds = 0;
  for (let start = 0; start < photos.length; start += BASELINE_BATCH) {
    const images = await Promise.all(
      photos.slice(start, start + BASELINE_BATCH).map((file) => RawImage.read(file)),
    );
    const inputs = await preprocess(images);
    const inferenceStarted = performance.now();
    const { image_embeds: embeds } = await embed(inputs);
    inferenceSeconds += (performance.now() - inferenceStarted) / 1000;
    if (embeds === undefined) throw new Error('the model returned no image_embeds');
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu);

  const session = (model.sessions as Record<string, SessionLike | undefined>)['model'];
  const requireHere = createRequire(import.meta.url);
  const transformersEntry = requireHere.resolve('@huggingface/transformers');
  // Resolved from transformers.js' own folder: the copy it loads, not ours by assumption.
  const ortEntry = createRequire(transformersEntry).resolve('onnxruntime-node');
  return {
    photos: photos.length,
    loadSeconds,
    seconds,
    inferenceSeconds,
    photosPerSecond: photos.length / seconds,
    cpuUtilisation: cpuSeconds / (seconds * os.availableParallelism()),
    peakRssMiB: peakRssMiB(),
    transformersVersion: packageVersion(transformersEntry),
    sessionDevice: describe(session?.config?.device),
    sessionDtype: describe(session?.config?.dtype),
    ortHandler: session?.handler?.constructor.name ?? 'unknown',
    ortPackage: packageVersion(ortEntry),
  };
}
