/**
 * @file The inspector's channels of the IPC contract: text-prompted detection and
 * segmentation (vision:*) and the CLIP lenses (lens:*) on a photo or a paused video frame.
 * Spread into `contract` in contract.ts.
 */
import { z } from 'zod';
import {
  absolutePath,
  frameTime,
  LENS_CHOICES_MAX,
  lensText,
  modelId,
  returns,
  tagWords,
} from './contract-fields.js';
import type {
  LensDescription,
  LensRanking,
  LensScore,
  VisionDetections,
  VisionFrame,
  VisionMasks,
} from './types.js';

export const visionChannels = {
  /**
   * [Note: a paused video frame] The inspector on a video works on one frame: the frame
   * of a library video at `time` seconds, decoded by ffmpeg upright (rotation applied) at
   * the video's own size. vision:frame answers it as a JPEG data URL for the panel to
   * draw under its boxes; vision:detect / segment / export and lens:classify / describe /
   * ask take the same `time` and work on the same pixels (the engine keeps the last few
   * frames). Exports of a frame are written beside the video, named with the time.
   */
  'vision:frame': {
    input: z.object({ path: absolutePath, time: frameTime }).strict(),
    output: returns<VisionFrame>(),
  },
  /**
   * Text-prompted detection on a photo (the inspector): every box the detector scores at
   * or above a low floor, after per-label NMS, in the photo's upright (EXIF-oriented)
   * pixels; the panel's threshold slider filters them without another run. `threshold` is
   * the model's suggested starting point.
   */
  'vision:detect': {
    input: z
      .object({
        path: absolutePath,
        /** Seconds into a video: its frame there is inspected ([Note: a paused video frame]). */
        time: frameTime.optional(),
        prompts: z.array(tagWords).min(1).max(16),
        detector: modelId.optional(),
      })
      .strict(),
    output: returns<VisionDetections>(),
  },
  /**
   * Text-prompted segmentation of a photo: per prompt a probability map (a greyscale PNG
   * data URL, 255 = certain, at the photo's aspect with its long side at most 512 px) that
   * the panel thresholds itself, and the coverage at the model's suggested threshold.
   */
  'vision:segment': {
    input: z
      .object({
        path: absolutePath,
        time: frameTime.optional(),
        prompts: z.array(tagWords).min(1).max(8),
        segmenter: modelId.optional(),
      })
      .strict(),
    output: returns<VisionMasks>(),
  },
  /**
   * Write an export of the inspector beside the photo under a new name, never over a file:
   * the annotated photo (boxes of `prompts` at `threshold`, and masks when `masks` is set),
   * a prompt's mask PNG or transparent cut-out, a box's crop, or "blur" / "desaturate"
   * everything outside a prompt's mask. Answers the written file's path.
   */
  'vision:export': {
    input: z
      .object({
        path: absolutePath,
        /** A video frame's export is written beside the video, named with the time. */
        time: frameTime.optional(),
        kind: z.enum(['annotated', 'mask', 'cutout', 'crop', 'blur-rest', 'desaturate-rest']),
        prompts: z.array(tagWords).min(1).max(16),
        threshold: z.number().min(0).max(1).optional(),
        /** For 'crop': the box, in upright photo pixels. */
        box: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
        masks: z.boolean().optional(),
        /** For 'annotated' with masks: where the masks are cut (default the segmenter's). */
        maskThreshold: z.number().gt(0).lt(1).optional(),
        detector: modelId.optional(),
        segmenter: modelId.optional(),
      })
      .strict(),
    output: returns<{ path: string }>(),
  },
  /**
   * The CLIP lenses on one photo (docs/lenses.md). Classify: each label's probability
   * among the labels (softmax of 100·cosine over prompt ensembles).
   */
  'lens:classify': {
    input: z
      .object({
        path: absolutePath,
        time: frameTime.optional(),
        labels: z.array(lensText).min(2).max(LENS_CHOICES_MAX),
      })
      .strict(),
    output: returns<LensRanking>(),
  },
  /** Describe: captions composed from the library's vocabulary, best first. */
  'lens:describe': {
    input: z
      .object({
        path: absolutePath,
        time: frameTime.optional(),
        limit: z.number().int().min(1).max(50).optional(),
      })
      .strict(),
    output: returns<LensDescription>(),
  },
  /** Ask: the candidate answers ranked, each read as "question answer". */
  'lens:ask': {
    input: z
      .object({
        path: absolutePath,
        time: frameTime.optional(),
        question: z.string().trim().min(1).max(500),
        answers: z.array(lensText).min(2).max(LENS_CHOICES_MAX),
      })
      .strict(),
    output: returns<LensRanking>(),
  },
  /**
   * Prompt fidelity (CLIPScore) of a generated image, against `prompt` or, without it, the
   * prompt the file carries; a folder path scores its images as views of one object (mean).
   */
  'lens:score': {
    input: z
      .object({ path: absolutePath, prompt: z.string().trim().min(1).max(2000).optional() })
      .strict(),
    output: returns<LensScore>(),
  },
} as const;
