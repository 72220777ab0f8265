/**
 * @file `lantern detect` and `lantern segment`: the inspector's models on one photo from
 * the command line. They need a model and nothing else: no library is opened or created.
 * Boxes and masks are in the photo's upright (EXIF-oriented) pixels; every file written
 * goes through vision/exports.ts, which never writes over anything
 * ([Note: an export never writes over a file] in vision/export-files.ts). A video takes
 * `--at SECONDS` and works on that frame, decoded upright by ffmpeg as the inspector's
 * paused frame is ([Note: a paused video frame] in shared/contract.ts).
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { mediaKindOf } from '../engine/indexer/scan.js';
import { DEFAULT_INDEXER_SETTINGS, openRegistry } from '../engine/library.js';
import type { PromptModel } from '../engine/models/manifest.js';
import { defaultModelsDir } from '../engine/paths.js';
import {
  exportAnnotated,
  exportCutout,
  exportMaskPng,
  type ExportSource,
} from '../engine/vision/exports.js';
import { FrameCache, frameNamingPath } from '../engine/vision/frames.js';
import { ffmpegForClips } from '../engine/video/export-clips.js';
import {
  defaultPromptModelId,
  Detector,
  Segmenter,
  type PromptModelOptions,
} from '../engine/vision/prompt-models.js';
import { LanternError } from '../shared/errors.js';
import { need, type CliArgs } from './args.js';
import { print, shown } from './terminal-text.js';

/** The id named on the command line (or in the environment), else the installed default. */
async function chosenModel(args: CliArgs, task: PromptModel['task']) {
  const registry = await openRegistry({
    modelsDir: path.resolve(args.models ?? defaultModelsDir()),
  });
  const named = task === 'detect' ? args.detector : args.segmenter;
  const options: PromptModelOptions = args.provider ? { provider: args.provider } : {};
  return { registry, id: named || defaultPromptModelId(registry, task), options };
}

/**
 * Refuse an output path that is taken before the model runs (the export would refuse it
 * too, but only after the wait), in this command's own words.
 */
async function checkFree(file: string | undefined, option: string): Promise<void> {
  if (file === undefined) return;
  const taken = await lstat(file).then(
    () => true,
    () => false,
  );
  if (taken) {
    throw new LanternError(
      'INVALID_INPUT',
      `${file} already exists and Lantern never writes over a file; choose another ${option} name.`,
    );
  }
}

/**
 * One photo per run; a second word is most often the rest of an unquoted prompt
 * (`--prompt red car`), which would otherwise be dropped without a word.
 */
function onePhoto(args: CliArgs, what: string): string {
  const [photo, extra] = args.positionals;
  if (extra !== undefined) {
    throw new LanternError(
      'INVALID_INPUT',
      `"${extra}" is not an option: ${args.command} takes one photo; quote a prompt of several words (--prompt "red car").`,
    );
  }
  return path.resolve(need(photo, what));
}

/** What the models read and what exports start from: the photo, or a video's frame. */
interface Inspected {
  source: string | Buffer;
  exportSource: ExportSource;
  /** The frame's time, seconds; absent for a photo. */
  time?: number;
}

/** The photo as given, or the frame of the video at --at (a video without --at is refused). */
async function inspected(file: string, args: CliArgs): Promise<Inspected> {
  const video = mediaKindOf(file) === 'video';
  if (video && args.at === undefined) {
    throw new LanternError(
      'INVALID_INPUT',
      `${path.basename(file)} is a video: give --at SECONDS for the frame to ${args.command} in.`,
    );
  }
  if (!video) {
    if (args.at !== undefined) {
      throw new LanternError(
        'INVALID_INPUT',
        `--at is for videos, and ${path.basename(file)} is a photo; leave --at out.`,
      );
    }
    return { source: file, exportSource: file };
  }
  // The cut command's ffmpeg (LANTERN_FFMPEG, else the bundled, else the system's); main.ts
  // reports its FFMPEG_MISSING sentence as it does for `lantern cut`.
  const ff = await ffmpegForClips();
  const frame = await new FrameCache(() => ff).frame(file, args.at!, {
    maxPixels: DEFAULT_INDEXER_SETTINGS.maxPixels,
  });
  return {
    source: frame.png,
    exportSource: { bytes: frame.png, path: frameNamingPath(file, frame.time) },
    time: frame.time,
  };
}

/** Pixels to a tenth, scores to four places: what a person or a script can use. */
const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

export async function runDetect(args: CliArgs): Promise<number> {
  const photo = onePhoto(args, 'the photo (or video, with --at) to detect in');
  if (args.prompts.length === 0)
    need(undefined, '--prompt P (what to look for; repeat it for more)');
  const out = args.out === undefined ? undefined : path.resolve(args.out);
  await checkFree(out, '--out');
  const input = await inspected(photo, args);
  const { registry, id, options } = await chosenModel(args, 'detect');
  const detector = await Detector.load(registry, id, options);
  const result = await detector.detect(input.source, args.prompts, {
    name: path.basename(photo),
    ...(args.threshold !== undefined ? { threshold: args.threshold } : {}),
  });
  const detections = result.detections.map(({ label, score, box }) => ({
    label,
    score: round(score, 4),
    box: box.map((edge) => round(edge, 1)) as [number, number, number, number],
  }));
  const written = out
    ? await exportAnnotated(input.exportSource, detections, [], { out })
    : undefined;
  const at = input.time === undefined ? {} : { time: input.time };
  print(args, { width: result.width, height: result.height, ...at, detections }, () =>
    [
      ...(detections.length === 0
        ? [
            `Nothing found above the threshold in ${shown(photo)} (${result.width}×${result.height}).`,
          ]
        : detections.map(
            (d) =>
              `${d.label}  ${d.score.toFixed(2)}  [${d.box.map((e) => e.toFixed(0)).join(', ')}]`,
          )),
      ...(written ? [`Annotated photo: ${shown(written.path)}`] : []),
    ].join('\n'),
  );
  return 0;
}

export async function runSegment(args: CliArgs): Promise<number> {
  const photo = onePhoto(args, 'the photo (or video, with --at) to segment');
  const [prompt, ...others] = args.prompts;
  if (prompt === undefined) need(undefined, '--prompt P (what to mask)');
  if (others.length > 0) {
    throw new LanternError(
      'INVALID_INPUT',
      'segment takes one --prompt; run it once per prompt, each with its own --out.',
    );
  }
  const out = path.resolve(need(args.out, '--out MASK.png for the mask'));
  const cutout = args.cutout === undefined ? undefined : path.resolve(args.cutout);
  if (cutout === out) {
    throw new LanternError(
      'INVALID_INPUT',
      '--out and --cutout name the same file; give two names.',
    );
  }
  await checkFree(out, '--out');
  await checkFree(cutout, '--cutout');
  const input = await inspected(photo, args);
  const { registry, id, options } = await chosenModel(args, 'segment');
  const segmenter = await Segmenter.load(registry, id, options);
  const result = await segmenter.segment(input.source, [prompt!], {
    name: path.basename(photo),
    ...(args.threshold !== undefined ? { threshold: args.threshold } : {}),
  });
  const { label, mask } = result.masks[0]!;
  const written = await exportMaskPng(input.exportSource, mask, label, { out });
  const cut = cutout
    ? await exportCutout(input.exportSource, mask, label, { out: cutout })
    : undefined;
  const coverage = round(mask.coverage, 6);
  const at = input.time === undefined ? {} : { time: input.time };
  print(
    args,
    { label, coverage, width: result.width, height: result.height, ...at, mask: written.path },
    () =>
      [
        `"${label}" covers ${(coverage * 100).toFixed(1)}% of ${shown(photo)} (${result.width}×${result.height}).`,
        `Mask: ${shown(written.path)}`,
        ...(cut ? [`Cut-out: ${shown(cut.path)}`] : []),
      ].join('\n'),
  );
  return 0;
}
