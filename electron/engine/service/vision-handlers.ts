/**
 * @file The contract's vision:* channels (engine service): the inspector's detection,
 * segmentation and exports on one photo of the library. The detector and the segmenter
 * are loaded once per model id (and provider) and kept until the service closes; the
 * work itself is engine/vision (prompt-models.ts, masks.ts, exports.ts).
 *
 * [Note: the inspector reads library photos only]
 * A page names the photo by path, so a path is judged as the media channels judge one
 * (media-access.ts resolveServablePath): its real path must lie inside a library root,
 * and it must be a photo kind Lantern indexes. Anything else gets the same NOT_FOUND,
 * so a page can neither make the engine read an arbitrary file nor probe which exist.
 * The thumbnail cache is left out on purpose: an export is written beside the photo,
 * and one written into the cache would be lost with it. A paused video frame follows the
 * same rule for its video ([Note: a paused video frame] in shared/contract.ts): `time`
 * names a frame of a library video, and a photo with a time or a video without one is
 * refused with a sentence saying which to give.
 *
 * Models run on a worker thread of this process (the utility process or `lantern serve`),
 * so other channels are answered while one runs ([Note: prompt models run on a thread] in
 * vision/prompt-runs.ts; docs/vision.md, "The inspector's channels").
 */
import path from 'node:path';
import { cropEncoded, decodeUpright, maskPng } from '../../../native/image/index.js';
import { clipTime } from '../../../native/ffmpeg/index.js';
import type { ChannelOutput, ParsedInput } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';
import type { VisionDetection } from '../../shared/types.js';
import type { ModelRegistry } from '../models/registry.js';
import {
  exportAnnotated,
  exportCrop,
  exportCutout,
  exportMaskPng,
  exportOutsideMask,
  type ExportSource,
  type LabelledMask,
} from '../vision/exports.js';
import { frameNamingPath, type FrameCache, type VideoFrame } from '../vision/frames.js';
import { probabilityMap } from '../vision/masks.js';
import {
  defaultPromptModelId,
  type Detector,
  type PhotoSource,
  type Segmenter,
} from '../vision/prompt-models.js';
import { mediaTypeOf, resolveServablePath } from './media-access.js';
import type { VisionModels } from '../vision/loaded-models.js';

type VisionChannel = 'vision:frame' | 'vision:detect' | 'vision:segment' | 'vision:export';
type VisionHandlers = {
  [C in VisionChannel]: (input: ParsedInput<C>) => Promise<ChannelOutput<C>>;
};

/**
 * The lowest score vision:detect answers. The panel's slider filters what it was given
 * without another run, so the floor is where the slider stops: a tenth of OWL-ViT's and
 * OWLv2's suggested 0.1, low enough to show what the model almost found, and high enough
 * that the thousands of background patches (scores around 0.001 and below) stay out of
 * the answer: after per-label NMS a photo answers tens of boxes per prompt, not thousands.
 */
export const DETECT_FLOOR = 0.01;

/** Long side of vision:segment's probability maps (the contract's "at most 512 px"). */
export const MAP_LONG_SIDE = 512;

export interface VisionDeps {
  registry: () => Promise<ModelRegistry>;
  /** Folders whose photos may be inspected: the library's roots. */
  roots: () => readonly string[];
  /** The service's current settings for a model load and a decode. */
  options: () => { provider: string; maxPixels: number };
  models: VisionModels;
  /** The paused video frames, shared with the lenses (lens-handlers.ts). */
  frames: FrameCache;
}

/**
 * The real path of a library photo (no `time`) or video (with `time`), under [Note: the
 * inspector reads library photos only]; anything else is refused with a sentence.
 */
export async function libraryMedia(
  requested: string,
  roots: readonly string[],
  time: number | undefined,
): Promise<string> {
  const file = await resolveServablePath(requested, roots);
  const type = file === null ? null : mediaTypeOf(file);
  const name = path.basename(requested);
  const video = type?.startsWith('video/') === true;
  if (file === null || (!video && !type?.startsWith('image/'))) {
    throw new LanternError(
      'NOT_FOUND',
      `${name} is not a ${time === undefined ? 'photo' : 'video'} in the library; add its folder to the library to inspect it.`,
    );
  }
  if (video && time === undefined) {
    throw new LanternError(
      'INVALID_INPUT',
      `${name} is a video: pause it on the frame to inspect, so the inspector knows the time.`,
    );
  }
  if (!video && time !== undefined) {
    throw new LanternError(
      'INVALID_INPUT',
      `${name} is a photo, which has no frames; inspect it without a time.`,
    );
  }
  return file;
}

/** The frame of a library video at `time`, decoded once for every call on it (frames.ts). */
export async function libraryFrame(
  frames: FrameCache,
  roots: readonly string[],
  requested: string,
  time: number,
  maxPixels: number,
): Promise<VideoFrame> {
  const video = await libraryMedia(requested, roots, time);
  return frames.frame(video, time, { maxPixels });
}

/** What the inspector works on: a library photo, or a library video's frame at a time. */
interface Inspected {
  /** What the models read: the photo's path, or the frame's PNG bytes. */
  source: PhotoSource;
  /** What an export starts from and is named after. */
  exportSource: ExportSource;
  /** How the models' sentences name it ("clip.mp4 at 0m12.5s"). */
  name: string;
}

/**
 * A bundled model that is listed but not downloaded: say which and where to get it, in
 * the app's words (the registry's sentence is the command line's). A model of a folder
 * keeps the registry's sentence, which says where its files belong.
 */
function explainMissing(error: unknown, registry: ModelRegistry, id: string, what: string): never {
  const bundled = registry.list().some((info) => info.id === id && info.origin === 'bundled');
  if (bundled && error instanceof LanternError && error.code === 'MODEL_MISSING') {
    throw new LanternError(
      'MODEL_MISSING',
      `The ${what} model ${id} is not downloaded yet: download it in the model list (Settings), ` +
        `or run \`npx lantern models fetch ${id}\`.`,
      { cause: error },
    );
  }
  throw error;
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

export function visionHandlers(deps: VisionDeps): VisionHandlers {
  const frameOf = (requested: string, time: number) =>
    libraryFrame(deps.frames, deps.roots(), requested, time, deps.options().maxPixels);

  async function inspected(requested: string, time: number | undefined): Promise<Inspected> {
    if (time === undefined) {
      const photo = await libraryMedia(requested, deps.roots(), undefined);
      return { source: photo, exportSource: photo, name: path.basename(photo) };
    }
    const frame = await frameOf(requested, time);
    return {
      source: frame.png,
      exportSource: { bytes: frame.png, path: frameNamingPath(frame.video, frame.time) },
      name: `${path.basename(frame.video)} at ${clipTime(frame.time)}`,
    };
  }

  async function detector(named: string | undefined): Promise<Detector> {
    const registry = await deps.registry();
    const id = named ?? defaultPromptModelId(registry, 'detect');
    const { provider, maxPixels } = deps.options();
    return deps.models
      .detector(registry, id, { provider, maxPixels })
      .catch((error: unknown) => explainMissing(error, registry, id, 'detection'));
  }

  async function segmenter(named: string | undefined): Promise<Segmenter> {
    const registry = await deps.registry();
    const id = named ?? defaultPromptModelId(registry, 'segment');
    const { provider, maxPixels } = deps.options();
    return deps.models
      .segmenter(registry, id, { provider, maxPixels })
      .catch((error: unknown) => explainMissing(error, registry, id, 'segmentation'));
  }

  /** Boxes of `prompts` at `threshold` (default the model's), rounded as the CLI's. */
  async function boxes(
    photo: Inspected,
    prompts: readonly string[],
    named?: string,
    threshold?: number,
  ) {
    const model = await detector(named);
    const result = await model.detect(photo.source, prompts, {
      threshold: threshold ?? model.model.scoreThreshold,
      name: photo.name,
    });
    const detections: VisionDetection[] = result.detections.map(({ label, score, box }) => ({
      label,
      score: round(score, 4),
      box: box.map((edge) => round(edge, 1)) as VisionDetection['box'],
    }));
    return { model, result, detections };
  }

  return {
    'vision:frame': async ({ path: requested, time }) => {
      const frame = await frameOf(requested, time);
      const { maxPixels } = deps.options();
      // JPEG for the page: a tenth of the PNG's bytes, and the boxes are drawn over it.
      const raster = await decodeUpright(frame.png, {
        maxPixels,
        name: path.basename(frame.video),
      });
      const full = { left: 0, top: 0, width: raster.width, height: raster.height };
      const jpeg = await cropEncoded(raster, full, 'jpeg');
      return {
        image: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
        width: frame.width,
        height: frame.height,
        time: round(frame.time, 3),
      };
    },

    'vision:detect': async ({ path: requested, time, prompts, detector: named }) => {
      const photo = await inspected(requested, time);
      const { model, result, detections } = await boxes(photo, prompts, named, DETECT_FLOOR);
      return {
        model: model.model.id,
        width: result.width,
        height: result.height,
        threshold: model.model.scoreThreshold,
        detections,
      };
    },

    'vision:segment': async ({ path: requested, time, prompts, segmenter: named }) => {
      const photo = await inspected(requested, time);
      const model = await segmenter(named);
      const threshold = model.model.scoreThreshold;
      // Logits, not segment()'s masks: a full-size mask per prompt would cost a 24 MP
      // photo 24 MB and about 0.35 s of blocked engine each, for a number and a picture
      // the map already gives.
      const result = await model.logits(photo.source, prompts, { name: photo.name });
      const masks = [];
      for (const { label, logits } of result.grids) {
        const map = probabilityMap(logits, result.geometry, { longSide: MAP_LONG_SIDE, threshold });
        const png = await maskPng(map);
        masks.push({
          label,
          coverage: round(map.coverage, 6),
          image: `data:image/png;base64,${png.toString('base64')}`,
        });
      }
      return {
        model: model.model.id,
        width: result.width,
        height: result.height,
        threshold,
        masks,
      };
    },

    'vision:export': async (input) => {
      const photo = await inspected(input.path, input.time);
      const { source, name, exportSource: from } = photo;
      const { maxPixels } = deps.options();
      const [first] = input.prompts;
      const label = first!;
      /** prompts[0]'s mask at `threshold` (default the segmenter's). */
      const firstMask = async () => {
        const model = await segmenter(input.segmenter);
        const { masks } = await model.segment(source, [label], {
          name,
          ...(input.threshold !== undefined ? { threshold: input.threshold } : {}),
        });
        return masks[0]!.mask;
      };
      let written: { path: string };
      switch (input.kind) {
        case 'annotated': {
          const { detections } = await boxes(photo, input.prompts, input.detector, input.threshold);
          // `threshold` is the boxes' slider; masks are cut at `maskThreshold`, else at the
          // segmenter's own threshold.
          const masks: LabelledMask[] = input.masks
            ? (
                await (
                  await segmenter(input.segmenter)
                ).segment(source, input.prompts, {
                  name,
                  ...(input.maskThreshold !== undefined ? { threshold: input.maskThreshold } : {}),
                })
              ).masks
            : [];
          written = await exportAnnotated(from, detections, masks, { maxPixels });
          break;
        }
        case 'mask':
          written = await exportMaskPng(from, await firstMask(), label, { maxPixels });
          break;
        case 'cutout':
          written = await exportCutout(from, await firstMask(), label, { maxPixels });
          break;
        case 'blur-rest':
        case 'desaturate-rest': {
          const effect = input.kind === 'blur-rest' ? 'blur' : 'desaturate';
          written = await exportOutsideMask(from, await firstMask(), label, effect, { maxPixels });
          break;
        }
        case 'crop':
          if (input.box === undefined) {
            throw new LanternError(
              'INVALID_INPUT',
              'A crop needs the box to cut out: choose a box in the inspector first.',
            );
          }
          written = await exportCrop(from, input.box, label, { maxPixels });
          break;
      }
      return { path: written.path };
    },
  };
}
