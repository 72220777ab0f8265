/**
 * @file The IPC contract: every channel (`domain:verb`) with a zod schema for its input
 * and a type for its output, and every pushed event. The preload, the main-process
 * handlers, the engine service, the renderer's client and the browser shell are all
 * derived from this one object; nothing is kept in sync by hand.
 *
 * Shared by every process; imports nothing outside electron/shared.
 */
import { z } from 'zod';
import type { EncodedError } from './errors.js';
import type {
  ClipResult,
  FailedFile,
  Scene,
  IndexProgress,
  IndexReport,
  LibraryPage,
  LibraryStatus,
  PlaybackInfo,
  SearchAnswer,
  FileTags,
  LearnedTagAnswer,
  TagCount,
  TagPreview,
  TagReviewPage,
  VisionDetections,
  VisionFrame,
  VisionLoading,
  VisionMasks,
  LensDescription,
  LensRanking,
  LensScore,
} from './types.js';

/** A phantom carrying an output type; never read at run time. */
const returns = <T>() => undefined as unknown as T;

/**
 * Where the contract is parsed: the engine and main are Node processes and know their
 * platform; the renderer has no `process` and accepts either form (the engine re-checks).
 */
const platform = (globalThis as { process?: { platform?: string } }).process?.platform;

/**
 * Absolute on the platform that will open it. A drive or UNC path on Linux or macOS would
 * resolve against the working directory (`C:\x` becomes `<cwd>/C:\x`), so it is refused there.
 */
function isAbsolutePath(p: string): boolean {
  const windows = /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
  if (platform === undefined) return windows || p.startsWith('/');
  // On Windows a path from the root of the current drive ("/x") stays accepted, as before.
  return p.startsWith('/') || (platform === 'win32' && windows);
}

/**
 * A path the engine may open. NUL cannot occur in a file name on any platform, and Node's
 * fs refuses it with a raw TypeError, so it is refused here with a sentence instead.
 */
const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), { message: 'must not contain a NUL character' })
  .refine(isAbsolutePath, { message: fullPathRule() });

/** Seconds into a video (the inspector's paused frame); a day is more than any video. */
const frameTime = z.number().min(0).max(86_400);

/** The absolute-path rule as a person reads it, in the form of the platform that checks it. */
function fullPathRule(): string {
  if (platform === 'win32') return 'must be a full path (like C:\\Photos)';
  if (platform === undefined) return 'must be a full path (it starts with / or a drive letter)';
  return 'must be a full path (it starts with /)';
}

/**
 * A model id: it becomes a folder name under the models folder and is echoed in error
 * sentences, so it is short and free of control characters.
 */
const modelId = z
  .string()
  .min(1)
  .max(200)
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  .refine((id) => !/[\u0000-\u001f\u007f]/.test(id), {
    message: 'must not contain control characters',
  });

/** A tag's id, name or synonym, or a phrase of the person's own (the engine checks more). */
const tagWords = z.string().trim().min(1).max(200);

/** Added to a tag's calibrated threshold; the engine's MAX_OFFSET (library-vocabulary.ts). */
const tagOffset = z.number().min(-0.2).max(0.2);

/** A lens label or answer: a few words; each is one more text for the encoder. */
const lensText = z.string().trim().min(1).max(200);
const LENS_CHOICES_MAX = 100;

export const SearchFiltersSchema = z
  .object({
    kind: z.enum(['image', 'video']).optional(),
    folder: absolutePath.optional(),
    from: z.number().finite().optional(),
    to: z.number().finite().optional(),
  })
  .strict();

export const SearchInputSchema = SearchFiltersSchema.extend({
  query: z.string().trim().min(1).max(2000),
  limit: z.number().int().min(1).max(100_000).optional(),
  sort: z.enum(['relevance', 'date']).optional(),
  noCutoff: z.boolean().optional(),
  /** Tags every result carries (SearchOptions.tags). */
  tags: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
}).strict();

/** The most library rows one `library:browse` call returns (~200 bytes each). */
export const BROWSE_PAGE_MAX = 5000;

export const BrowseInputSchema = SearchFiltersSchema.extend({
  offset: z.number().int().min(0).max(100_000_000),
  limit: z.number().int().min(1).max(BROWSE_PAGE_MAX),
}).strict();

export const SettingsSchema = z
  .object({
    model: modelId.nullable(),
    provider: z.enum(['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu']),
    /** Longest side of thumbnails in pixels. */
    thumbnailSize: z.number().int().min(64).max(1024),
    /** Decompression-bomb guard, in megapixels. */
    maxMegapixels: z.number().min(1).max(1000),
    theme: z.enum(['system', 'light', 'dark']),
    /**
     * Write accepted tags to XMP sidecars next to the photos (photo.jpg.xmp, or an existing
     * photo.xmp), for digiKam, darktable and Lightroom; off until the person turns it on.
     */
    writeXmp: z.boolean(),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

export interface ModelSummary {
  id: string;
  name: string;
  task: string;
  installed: boolean;
  sizeBytes: number | null;
  /** The catalog's rough download size when an exact one is not published. */
  approxSizeBytes: number | null;
  /** Partly downloaded (e.g. before a restart): bytes on disk so far; null when not started. */
  partialBytes: number | null;
  license: string;
  source: string;
  description: string;
  quality: string | null;
  speed: string | null;
  /** Whether every file has a published checksum (unverified models need confirmation). */
  verified: boolean;
}

export interface AppInfo {
  version: string;
  /** 'electron' or 'browser': what the renderer is running in. */
  shell: 'electron' | 'browser';
  model: string | null;
  /**
   * The execution provider the model runs on; null until the model is first used (it
   * loads on first use: [Note: each encoder loads on first use] in clip/encoder.ts).
   */
  provider: string | null;
  providerNotes: string[];
  /** The ffmpeg in use for video, or null when none was found (with the reason). */
  ffmpeg: { version: string; source: string } | null;
  ffmpegProblem: string | null;
  /** Whether the library is open with a CLIP model installed, so search can run. */
  ready: boolean;
  /** Why not, in one sentence, when not ready. */
  notReadyReason: string | null;
}

/** 'xmp': writing every file's accepted tags to its XMP sidecar (writeXmp turned on). */
export type JobKind = 'index' | 'download' | 'export' | 'tag' | 'xmp';
export type JobState = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface JobSnapshot {
  id: string;
  kind: JobKind;
  state: JobState;
  /** What the job works on: folders for indexing, the model id for downloads. */
  label: string;
  progress: IndexProgress | null;
  report: IndexReport | null;
  /** Clips written by an export job. */
  clips: ClipResult[] | null;
  error: EncodedError | null;
  /** A finished download: whether every file's SHA-256 matched the catalog's. */
  verified?: boolean;
  /** A finished tagging job: files it looked at, and how many got a suggestion. */
  tagged?: { files: number; suggested: number };
}

const jobId = z.object({ id: z.string().min(1).max(100) }).strict();
const empty = z.object({}).strict();

export const contract = {
  'app:info': { input: empty, output: returns<AppInfo>() },
  'settings:get': { input: empty, output: returns<Settings>() },
  'settings:set': { input: SettingsSchema.partial().strict(), output: returns<Settings>() },

  'models:list': { input: empty, output: returns<ModelSummary[]>() },
  /** Starts a download job; progress arrives as `job:progress`. */
  'models:fetch': {
    input: z
      .object({
        id: modelId,
        /** The person confirmed a model with no published checksum. */
        allowUnverified: z.boolean().optional(),
      })
      .strict(),
    output: returns<JobSnapshot>(),
  },
  /** Use the models in a folder the person already has (with its own models.json or a model id's files). */
  'models:useFolder': {
    input: z.object({ path: absolutePath }).strict(),
    /** Every model, and how many of them that folder holds (the picker says "found N"). */
    output: returns<{ models: ModelSummary[]; found: number }>(),
  },

  'library:status': { input: empty, output: returns<LibraryStatus>() },
  /** Adds folders and starts indexing them. */
  'library:addRoots': {
    input: z.object({ paths: z.array(absolutePath).min(1).max(100) }).strict(),
    output: returns<JobSnapshot>(),
  },
  /** Forgets a folder: its rows go, its files are never touched. */
  'library:removeRoot': {
    input: z.object({ path: absolutePath }).strict(),
    output: returns<LibraryStatus>(),
  },
  /** Re-indexes one folder, or every folder. */
  'library:reindex': {
    input: z.object({ path: absolutePath.optional() }).strict(),
    output: returns<JobSnapshot>(),
  },
  /** One page of the whole library, newest first, with the month counts of all of it. */
  'library:browse': { input: BrowseInputSchema, output: returns<LibraryPage>() },
  'library:failures': {
    input: z.object({ root: absolutePath.optional() }).strict(),
    output: returns<FailedFile[]>(),
  },

  'jobs:list': { input: empty, output: returns<JobSnapshot[]>() },
  'jobs:pause': { input: jobId, output: returns<JobSnapshot>() },
  'jobs:resume': { input: jobId, output: returns<JobSnapshot>() },
  'jobs:cancel': { input: jobId, output: returns<JobSnapshot>() },

  'search:query': { input: SearchInputSchema, output: returns<SearchAnswer>() },
  'search:similar': {
    input: SearchFiltersSchema.extend({
      path: absolutePath,
      limit: z.number().int().min(1).max(100_000).optional(),
      sort: z.enum(['relevance', 'date']).optional(),
    }).strict(),
    output: returns<SearchAnswer>(),
  },

  'scenes:find': {
    input: z
      .object({
        query: z.string().trim().min(1).max(2000),
        video: absolutePath.optional(),
        limit: z.number().int().min(1).max(10_000).optional(),
      })
      .strict(),
    output: returns<Scene[]>(),
  },
  /** Starts an export job: one clip per range, or all ranges joined into one reel. */
  'clip:export': {
    input: z
      .object({
        path: absolutePath,
        ranges: z
          .array(z.object({ start: z.number().min(0), end: z.number().positive() }).strict())
          .min(1)
          .max(500),
        mode: z.enum(['fast', 'accurate']),
        outDir: absolutePath,
        join: z.boolean().optional(),
        overwrite: z.boolean().optional(),
      })
      .strict()
      .refine((input) => input.ranges.every((r) => r.end > r.start), {
        message: 'each range must end after it starts',
      }),
    output: returns<JobSnapshot>(),
  },

  /** The tag vocabulary with how many files carry each tag in each state. */
  'tags:list': { input: empty, output: returns<TagCount[]>() },
  /** Each file's tags (suggested, accepted and rejected), accepted first. */
  'tags:ofFiles': {
    input: z.object({ paths: z.array(absolutePath).min(1).max(1000) }).strict(),
    output: returns<FileTags[]>(),
  },
  /** Accept or reject a tag (by id, name or synonym) on files; a rejection is for good. */
  'tags:decide': {
    input: z
      .object({
        paths: z.array(absolutePath).min(1).max(10_000),
        tag: z.string().trim().min(1).max(200),
        state: z.enum(['accepted', 'rejected']),
      })
      .strict(),
    output: returns<FileTags[]>(),
  },
  /** The review queue: files carrying a tag in one state, strongest first, a page at a time. */
  'tags:review': {
    input: z
      .object({
        tag: z.string().trim().min(1).max(200),
        state: z.enum(['suggested', 'accepted', 'rejected']).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        offset: z.number().int().min(0).optional(),
      })
      .strict(),
    output: returns<TagReviewPage>(),
  },
  /**
   * Edit the library's vocabulary (kept in the library, over the bundled one): add a tag
   * (a phrase of the person's own: it is decided across the library at once), rename,
   * hide (its suggestions go; accepted tags stay) or merge one tag into another (its files
   * follow). Returns the vocabulary with counts.
   */
  'tags:edit': {
    input: z
      .object({
        edit: z.discriminatedUnion('op', [
          z
            .object({
              op: z.literal('add'),
              name: tagWords,
              category: tagWords,
              synonyms: z.array(tagWords).max(50).optional(),
            })
            .strict(),
          z.object({ op: z.literal('rename'), id: tagWords, name: tagWords }).strict(),
          z.object({ op: z.literal('hide'), id: tagWords, hidden: z.boolean() }).strict(),
          z.object({ op: z.literal('merge'), from: tagWords, into: tagWords }).strict(),
        ]),
      })
      .strict(),
    output: returns<TagCount[]>(),
  },
  /**
   * What a tag (by id or name) or an unsaved phrase would tag at its calibrated threshold
   * plus `offset` (default: the tag's saved offset, else 0): the count and the files that
   * just make it and just miss. Cheap to call again as a slider moves.
   */
  'tags:preview': {
    input: z
      .object({
        tag: tagWords.optional(),
        phrase: tagWords.optional(),
        offset: tagOffset.optional(),
        /** Files shown on each side of the threshold. */
        near: z.number().int().min(1).max(48).optional(),
      })
      .strict()
      .refine((input) => (input.tag === undefined) !== (input.phrase === undefined), {
        message: 'give either a tag or a phrase',
      }),
    output: returns<TagPreview>(),
  },
  /** Save a tag's threshold offset and decide that tag again across the library. */
  'tags:threshold': {
    input: z.object({ tag: tagWords, offset: tagOffset }).strict(),
    output: returns<TagCount[]>(),
  },
  /**
   * Learn a tag from example files (at least 3) and optional counter-examples; it is
   * suggested across the library, and learned again from what the person accepts and
   * rejects of it.
   */
  'tags:learn': {
    input: z
      .object({
        name: tagWords,
        examples: z.array(absolutePath).min(3).max(1000),
        negatives: z.array(absolutePath).max(1000).optional(),
      })
      .strict(),
    output: returns<LearnedTagAnswer>(),
  },
  /** Starts a tagging job over the library, or one folder of it. */
  'tags:run': {
    input: z.object({ root: absolutePath.optional() }).strict(),
    output: returns<JobSnapshot>(),
  },

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

  /**
   * How the player opens a video: as it is, or through the proxy stream the media URL
   * serves with `stream=<seconds>` ([Note: playing what Chromium cannot]). `transcode`
   * asks for an encoded stream after a file chosen for direct play failed to decode.
   */
  'media:playback': {
    input: z.object({ path: absolutePath, transcode: z.boolean().optional() }).strict(),
    output: returns<PlaybackInfo>(),
  },

  /** Shell-only channels: the main process answers them itself (the browser shell refuses). */
  'dialog:pickFolders': { input: empty, output: returns<string[]>() },
  'media:reveal': { input: z.object({ path: absolutePath }).strict(), output: returns<null>() },
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type ChannelInput<C extends Channel> = z.input<Contract[C]['input']>;
export type ParsedInput<C extends Channel> = z.output<Contract[C]['input']>;
export type ChannelOutput<C extends Channel> = Contract[C]['output'];

/** Channels the engine service answers; the rest belong to the desktop shell. */
export const SHELL_CHANNELS = [
  'dialog:pickFolders',
  'media:reveal',
] as const satisfies readonly Channel[];
export type ShellChannel = (typeof SHELL_CHANNELS)[number];
export type EngineChannel = Exclude<Channel, ShellChannel>;
export const CHANNELS = Object.keys(contract) as Channel[];

export interface Events {
  'job:progress': JobSnapshot;
  'library:changed': LibraryStatus;
  'settings:changed': Settings;
  /** A detector or segmenter being loaded for the inspector: its first use. */
  'vision:loading': VisionLoading;
}
export type EventName = keyof Events;
export const EVENTS: readonly EventName[] = [
  'job:progress',
  'library:changed',
  'settings:changed',
  'vision:loading',
];

export type Result<T> = { ok: true; value: T } | { ok: false; error: EncodedError };

/** What every transport exposes to the renderer: typed invoke and typed events. */
export interface LanternApi {
  invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>>;
  /** Subscribe; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.hasOwn(contract, value);
}

export function isShellChannel(channel: Channel): channel is ShellChannel {
  return (SHELL_CHANNELS as readonly string[]).includes(channel);
}

/**
 * Validate a call's input against its schema. The one place every transport parses
 * untrusted input; returns a Result so nothing throws across a boundary.
 */
export function parseInput<C extends Channel>(channel: C, input: unknown): Result<ParsedInput<C>> {
  // Callers check the channel, but this is the boundary: a name that is not one of the
  // contract's own keys (`__proto__`, `toString`) must not reach `contract[channel]`.
  if (!isChannel(channel))
    return invalid(`There is no channel ${clip(String(channel))} in Lantern's contract.`);
  let parsed: z.ZodSafeParseResult<unknown>;
  try {
    parsed = (contract[channel].input as z.ZodType).safeParse(input ?? {});
  } catch {
    // zod reads the input's own properties; an exotic value (a throwing getter, a revoked
    // proxy) can make it throw. No transport delivers one, but nothing throws from here.
    return invalid('Lantern could not read this request. Try again, or restart Lantern.');
  }
  if (parsed.success) return { ok: true, value: parsed.data as ParsedInput<C> };
  return invalid(sentenceFor(parsed.error.issues[0], input));
}

function invalid(message: string): { ok: false; error: EncodedError } {
  return { ok: false, error: { code: 'INVALID_INPUT', message } };
}

/** Longest piece of caller-supplied text repeated in an error sentence. */
const ECHO_LIMIT = 60;

function clip(text: string): string {
  return JSON.stringify(text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}…` : text);
}

/**
 * What each field is, as a person calls it: [the field, one element of it when it is a
 * list]. [Note: sentences, not schema paths] A person sees these messages (a folder typed
 * by hand, a date out of range), so they name the thing, never `library:addRoots: paths.0`.
 */
const FIELD_NAMES: Record<string, readonly [string, string?]> = {
  paths: ['The list of folders', 'Each folder'],
  path: ['The path of the file or folder'],
  folder: ['The folder filter'],
  outDir: ['The folder to save clips in'],
  video: ['The video'],
  query: ['The search'],
  limit: ['The number of results'],
  offset: ['The position in the library'],
  kind: ['The kind of file'],
  from: ['The start date'],
  to: ['The end date'],
  sort: ['The sort order'],
  noCutoff: ['"Show weaker matches"'],
  id: ['The id'],
  model: ['The model'],
  ranges: ['The list of clips', 'Each clip'],
  start: ['The start of a clip'],
  end: ['The end of a clip'],
  mode: ['The cutting mode'],
  join: ['"Join into one clip"'],
  overwrite: ['"Overwrite"'],
  provider: ['The provider'],
  thumbnailSize: ['The thumbnail size'],
  maxMegapixels: ['The largest picture size'],
  theme: ['The theme'],
  labels: ['The list of labels', 'Each label'],
  question: ['The question'],
  answers: ['The list of answers', 'Each answer'],
  prompt: ['The prompt'],
};

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'yes or no',
  array: 'a list',
  object: 'a set of fields',
};

/** The thing an issue is about: the last named field, "each …" inside a list. */
function subjectOf(path: readonly PropertyKey[]): string {
  const last = path.findLastIndex((key) => typeof key === 'string');
  if (last === -1) return 'This request';
  const key = String(path[last]);
  const names = FIELD_NAMES[key];
  if (!names) return `The field ${clip(key)}`;
  const inList = typeof path[last + 1] === 'number';
  return inList && names[1] ? names[1] : names[0];
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** What is wrong, as the rest of a sentence after its subject. */
function predicateOf(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'unrecognized_keys': {
      // Named, a few and clipped, so a megabyte-long key does not come back as a megabyte-long error.
      const shown = issue.keys.slice(0, 3).map(clip).join(', ');
      const more = issue.keys.length > 3 ? ` and ${issue.keys.length - 3} more` : '';
      return `has unexpected field${issue.keys.length === 1 ? '' : 's'} ${shown}${more}`;
    }
    case 'invalid_type': {
      let present: unknown;
      try {
        present = valueAt(input ?? {}, issue.path);
      } catch {
        present = null;
      }
      if (present === undefined) return 'is missing';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    }
    case 'too_small':
      if (issue.origin === 'string') return 'cannot be empty';
      if (issue.origin === 'array' || issue.origin === 'set')
        // A list needing two (a choice between labels) is not "empty" with one.
        return Number(issue.minimum) > 1
          ? `needs at least ${String(issue.minimum)} entries`
          : 'cannot be empty';
      return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string')
        return `is too long (at most ${String(issue.maximum)} characters)`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `has too many entries (at most ${String(issue.maximum)})`;
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => clip(String(v))).join(', ')}`;
    case 'custom':
      // Refinements in this file word their message as the rest of a sentence.
      return issue.message.length > 300 ? `${issue.message.slice(0, 300)}…` : issue.message;
    default:
      return 'is not accepted';
  }
}

/** One sentence about the first thing wrong with a request, naming the field as a person would. */
function sentenceFor(issue: z.core.$ZodIssue | undefined, input: unknown): string {
  if (!issue) return 'Lantern could not accept this request. Try again, or restart Lantern.';
  // A rule about the whole request ("each range must end after it starts") is its own sentence.
  if (issue.code === 'custom' && issue.path.length === 0)
    return `${capitalise(predicateOf(issue, input))}.`;
  return `${subjectOf(issue.path)} ${predicateOf(issue, input)}.`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
