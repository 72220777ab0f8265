/**
 * @file The detector and the segmenter as Lantern runs them: loaded through the model
 * registry and the native ONNX adapter (provider choice and CPU fallback as for CLIP,
 * [Note: provider choice] in native/onnx/providers.ts), prompts tokenised with CLIP's BPE
 * to the model's context length, the photo prepared by input.ts, the raw answers kept
 * per photo and prompt ([Note: what is cached is threshold-free] in prompt-cache.ts) and
 * turned into boxes (boxes.ts) or masks (masks.ts) in the photo's upright pixels.
 * Runs in the engine (plain Node): the CLI and the engine worker.
 *
 * The run itself is in prompt-runs.ts, on a thread of its own ([Note: prompt models run
 * on a thread] there); this file holds what both models share and the two classes callers use.
 */
import {
  forgetSession,
  isProviderRequest,
  loadSession,
  releaseSessions,
  type LoadedSession,
} from '../../../native/onnx/index.js';
import { LanternError } from '../../shared/errors.js';
import type { DetectModel, PromptModel, SegmentModel } from '../models/manifest.js';
import type { ModelRegistry, ResolvedPromptModel } from '../models/registry.js';
import { clipVocabularyPath } from '../paths.js';
import { ClipTokenizer } from '../tokenizer/clip-bpe.js';
import { detectionsFromOutputs, type Detection } from './boxes.js';
import type { Geometry, VisionInputOptions, VisionPreprocess } from './input.js';
import { readThrough, reportedLoad, type LoadListener } from './load-progress.js';
import { maskFromLogits, type LogitGrid, type MaskGeometry, type MaskImage } from './masks.js';
import { sourceKey, WeightedLru } from './prompt-cache.js';
import {
  closePromptThread,
  promptThread,
  runDetector,
  runSegmenter,
  type DetectorEntry,
  type PromptRunContext,
  type SegmenterEntry,
} from './prompt-runs.js';

export interface PromptModelOptions {
  /** 'auto' (default), 'cpu', 'cuda', …: as for CLIP. */
  provider?: string;
  intraOpThreads?: number;
  /** CLIP's BPE merges; default the bundled one. */
  tokenizerPath?: string;
  /** Photos with more pixels are refused as TOO_LARGE; default 100 MP, as the indexer. */
  maxPixels?: number;
  /** Bytes of raw answers kept in memory; default 64 MB. */
  cacheBytes?: number;
  /**
   * Run the model on a worker thread (default true), so the engine answers other
   * channels while it runs; false runs it in-process (tests compare the two).
   */
  inferenceThread?: boolean;
  /** Told how the load goes: reading the file, preparing, ready or failed (load-progress.ts). */
  onLoad?: LoadListener;
}

/** What a photo is: its path, or its bytes (a pasted image). */
export type PhotoSource = string | Buffer;

export interface DetectOptions {
  /** One cut-off for every prompt or one per prompt; default the model's scoreThreshold. */
  threshold?: number | readonly number[];
  /** How a photo is named in error sentences; default its file name. */
  name?: string;
}

export interface DetectResult {
  /** The photo as shown (EXIF-oriented), in pixels: the space the boxes are in. */
  width: number;
  height: number;
  /** Best first, every prompt above its own threshold (boxes.ts). */
  detections: Detection[];
}

export interface SegmentOptions {
  /** Probability above which a pixel is in the mask; default the model's scoreThreshold. */
  threshold?: number;
  name?: string;
}

/** A segmenter's answer before thresholding (Segmenter.logits). */
export interface SegmentLogits {
  width: number;
  height: number;
  /** What maps each grid to the photo's upright pixels. */
  geometry: MaskGeometry;
  /** One grid per prompt, in prompt order. */
  grids: { label: string; logits: LogitGrid }[];
}

export interface SegmentResult {
  width: number;
  height: number;
  /** One mask per prompt, in prompt order. */
  masks: { label: string; mask: MaskImage }[];
}

const DEFAULT_MAX_PIXELS = 100_000_000;
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** The tokenizer of each merges file, read once (the merges file is 1.4 MB of gzip). */
const tokenizers = new Map<string, ClipTokenizer>();

function tokenizerAt(file: string): ClipTokenizer {
  let tokenizer = tokenizers.get(file);
  if (tokenizer === undefined) {
    tokenizer = ClipTokenizer.fromFile(file);
    tokenizers.set(file, tokenizer);
  }
  return tokenizer;
}

/**
 * The model Lantern uses for `task` when the person names none: the first installed one
 * in catalog order (bundled models first, then model folders), hidden test models
 * included, since a folder passed with --models is the person's choice. With none
 * installed, the first visible one, so the error that follows says which to fetch.
 */
export function defaultPromptModelId(registry: ModelRegistry, task: PromptModel['task']): string {
  const models = registry.list().filter((m) => m.task === task);
  const chosen = models.find((m) => m.installed) ?? models.find((m) => !m.hidden);
  if (chosen === undefined) {
    const what = task === 'detect' ? 'detection' : 'segmentation';
    throw new LanternError(
      'MODEL_UNKNOWN',
      `No ${what} model is listed; reinstall Lantern or point --models at a folder with one.`,
    );
  }
  return chosen.id;
}

/** Prompts trimmed and de-duplicated in order; an empty one is refused. */
export function cleanPrompts(prompts: readonly string[]): string[] {
  const cleaned = prompts.map((prompt) => prompt.trim());
  if (cleaned.length === 0 || cleaned.some((prompt) => prompt === '')) {
    throw new LanternError(
      'INVALID_INPUT',
      'Give at least one prompt, and no empty ones: say what to look for, e.g. "dog".',
    );
  }
  return [...new Set(cleaned)];
}

function preprocessOf(model: PromptModel): VisionPreprocess {
  const { size, resize, interpolation, rescale, mean, std, padValue } = model.vision;
  return {
    ...{ size, resize, interpolation, rescale, mean, std },
    ...(padValue !== undefined ? { padValue } : {}),
  };
}

/** Each tensor the manifest names must exist in the graph, or the entry is wrong. */
function checkNames(loaded: LoadedSession, model: PromptModel, outputs: readonly string[]): void {
  const inputs = [model.vision.input, model.text.input];
  const lacking = [
    ...inputs.filter((name) => !loaded.inputNames.includes(name)).map((n) => `input "${n}"`),
    ...outputs.filter((name) => !loaded.outputNames.includes(name)).map((n) => `output "${n}"`),
  ];
  if (lacking.length > 0) {
    throw new LanternError(
      'MODEL_INVALID',
      `The model ${model.id} has no ${lacking.join(' or ')} (it takes ${loaded.inputNames.join(', ')} ` +
        `and gives ${loaded.outputNames.join(', ')}); its models.json does not match the file.`,
    );
  }
}

async function openModel<M extends PromptModel>(
  resolved: ResolvedPromptModel<M>,
  options: PromptModelOptions,
  outputs: readonly string[],
  report: LoadListener,
): Promise<PromptRunContext<M>> {
  const provider = options.provider ?? 'auto';
  if (!isProviderRequest(provider)) {
    throw new LanternError(
      'INVALID_INPUT',
      `Unknown execution provider "${provider}": use auto, cpu, cuda, dml, coreml or webgpu.`,
    );
  }
  const settings = {
    provider,
    ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
  };
  // [Note: reading a model before loading it] in load-progress.ts.
  const bytes = await readThrough(resolved.modelPath, (read, total) =>
    report('reading', read, total),
  );
  report('preparing', bytes, bytes);
  // In-process first: it settles the provider (with CPU fallback) and gives the names to
  // check, so the thread starts only on a file known to fit its manifest entry.
  const loaded = await loadSession(resolved.modelPath, settings);
  checkNames(loaded, resolved.model, outputs);
  const thread = options.inferenceThread === false ? null : await promptThread(loaded, settings);
  // [Note: one copy of the weights] in prompt-runs.ts.
  if (thread !== null) await forgetSession(loaded);
  return {
    model: resolved.model,
    session: loaded,
    thread,
    tokenizer: tokenizerAt(options.tokenizerPath ?? clipVocabularyPath()),
    preprocess: preprocessOf(resolved.model),
    maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
  };
}

/** The caches of each loaded session: a reloaded model file starts afresh. */
const detectorCaches = new WeakMap<LoadedSession, WeightedLru<DetectorEntry>>();
const segmenterCaches = new WeakMap<LoadedSession, WeightedLru<SegmenterEntry>>();

function cacheOf<V>(
  caches: WeakMap<LoadedSession, WeightedLru<V>>,
  session: LoadedSession,
  make: () => WeightedLru<V>,
): WeightedLru<V> {
  let cache = caches.get(session);
  if (cache === undefined) {
    cache = make();
    caches.set(session, cache);
  }
  return cache;
}

const floatBytes = (values: Iterable<Float32Array>) => {
  let bytes = 0;
  for (const value of values) bytes += value.byteLength;
  return bytes;
};

function decodeOptions(
  context: PromptRunContext<PromptModel>,
  name: string | undefined,
): VisionInputOptions {
  return { maxPixels: context.maxPixels, ...(name !== undefined ? { name } : {}) };
}

/** An open-vocabulary detector (OWL-ViT, OWLv2; the toy detector in tests). */
export class Detector {
  private constructor(
    private readonly context: PromptRunContext<DetectModel>,
    private readonly cache: WeightedLru<DetectorEntry>,
  ) {}

  static async load(
    registry: ModelRegistry,
    id: string,
    options: PromptModelOptions = {},
  ): Promise<Detector> {
    return reportedLoad(options.onLoad, async (report) => {
      const resolved = await registry.resolvePromptModel(id, 'detect');
      const { logits, boxes } = resolved.model.outputs;
      const context = await openModel(resolved, options, [logits, boxes], report);
      const bytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
      const cache = cacheOf(detectorCaches, context.session, () => {
        const weigh = (entry: DetectorEntry) =>
          entry.boxes.byteLength + floatBytes(entry.logits.values());
        return new WeightedLru<DetectorEntry>(bytes, weigh);
      });
      return new Detector(context, cache);
    });
  }

  /**
   * Stop the model's thread and release its session: for every Detector and Segmenter
   * of the same file, as releaseSessions is (the service does this when it closes).
   */
  async close(): Promise<void> {
    await closePromptThread(this.context.session);
    await releaseSessions(this.context.session.path);
  }

  get model(): DetectModel {
    return this.context.model;
  }

  /** The model file its session was loaded from (to release it: releaseSessions). */
  get modelPath(): string {
    return this.context.session.path;
  }

  get provider(): string {
    return this.context.session.provider;
  }

  /** The objects each prompt names, boxed in the photo's upright pixels. */
  async detect(
    photo: PhotoSource,
    prompts: readonly string[],
    options: DetectOptions = {},
  ): Promise<DetectResult> {
    const labels = cleanPrompts(prompts);
    const key = await sourceKey(photo);
    let entry = key === null ? undefined : this.cache.get(key);
    const missing = labels.filter((label) => !entry?.logits.has(label));
    if (entry === undefined || missing.length > 0) {
      const decode = decodeOptions(this.context, options.name);
      entry = await runDetector(this.context, photo, missing, decode, entry);
      if (key !== null) this.cache.set(key, entry);
    }
    const patches = entry.boxes.length / 4;
    const logits = new Float32Array(patches * labels.length);
    labels.forEach((label, q) => {
      const column = entry.logits.get(label)!;
      for (let p = 0; p < patches; p++) logits[p * labels.length + q] = column[p]!;
    });
    const detections = detectionsFromOutputs({ logits, boxes: entry.boxes }, entry.geometry, {
      labels,
      thresholds: options.threshold ?? this.context.model.scoreThreshold,
    });
    return { width: entry.geometry.width, height: entry.geometry.height, detections };
  }
}

/** A text-prompted segmenter (CLIPSeg; the toy segmenter in tests). */
export class Segmenter {
  private constructor(
    private readonly context: PromptRunContext<SegmentModel>,
    private readonly cache: WeightedLru<SegmenterEntry>,
  ) {}

  static async load(
    registry: ModelRegistry,
    id: string,
    options: PromptModelOptions = {},
  ): Promise<Segmenter> {
    return reportedLoad(options.onLoad, async (report) => {
      const resolved = await registry.resolvePromptModel(id, 'segment');
      const outputs = [resolved.model.outputs.logits];
      const context = await openModel(resolved, options, outputs, report);
      const bytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
      const cache = cacheOf(segmenterCaches, context.session, () => {
        const weigh = (entry: SegmenterEntry) =>
          floatBytes([...entry.grids.values()].map((grid) => grid.data));
        return new WeightedLru<SegmenterEntry>(bytes, weigh);
      });
      return new Segmenter(context, cache);
    });
  }

  /**
   * Stop the model's thread and release its session: for every Detector and Segmenter
   * of the same file, as releaseSessions is (the service does this when it closes).
   */
  async close(): Promise<void> {
    await closePromptThread(this.context.session);
    await releaseSessions(this.context.session.path);
  }

  get model(): SegmentModel {
    return this.context.model;
  }

  /** The model file its session was loaded from (to release it: releaseSessions). */
  get modelPath(): string {
    return this.context.session.path;
  }

  get provider(): string {
    return this.context.session.provider;
  }

  /**
   * Each prompt's logit grid and the geometry that maps it to the photo (masks.ts), from
   * the cache when answered before: for a caller that wants probabilities, or masks at a
   * size of its own, without a full-size mask per prompt.
   */
  async logits(
    photo: PhotoSource,
    prompts: readonly string[],
    options: Pick<SegmentOptions, 'name'> = {},
  ): Promise<SegmentLogits> {
    const labels = cleanPrompts(prompts);
    const key = await sourceKey(photo);
    let entry = key === null ? undefined : this.cache.get(key);
    const missing = labels.filter((label) => !entry?.grids.has(label));
    if (entry === undefined || missing.length > 0) {
      const decode = decodeOptions(this.context, options.name);
      entry = await runSegmenter(this.context, photo, missing, decode, entry);
      if (key !== null) this.cache.set(key, entry);
    }
    const geometry = maskGeometry(entry.geometry);
    const grids = labels.map((label) => ({ label, logits: entry.grids.get(label)! }));
    return { width: geometry.width, height: geometry.height, geometry, grids };
  }

  /** One mask per prompt, in the photo's upright pixels. */
  async segment(
    photo: PhotoSource,
    prompts: readonly string[],
    options: SegmentOptions = {},
  ): Promise<SegmentResult> {
    const { width, height, geometry, grids } = await this.logits(photo, prompts, options);
    const threshold = options.threshold ?? this.context.model.scoreThreshold;
    const masks = grids.map(({ label, logits }) => ({
      label,
      mask: maskFromLogits(logits, geometry, { threshold }),
    }));
    return { width, height, masks };
  }
}

/** input.ts's Geometry as masks.ts reads it: a padded photo was padded to its longest side. */
export function maskGeometry(geometry: Geometry): MaskGeometry {
  const { width, height } = geometry;
  return geometry.resize === 'pad-square'
    ? { width, height, mode: 'pad-square', paddedSize: Math.max(width, height) }
    : { width, height, mode: 'squash' };
}
