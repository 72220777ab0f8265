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
  VisionLoading,
} from './types.js';

import { channels as duplicateChannels, type DuplicateProgress } from './channels-duplicates.js';
import { tagChannels } from './channels-tags.js';
import { visionChannels } from './channels-vision.js';
import { absolutePath, empty, jobId, modelId, returns } from './contract-fields.js';
import { clip, sentenceFor } from './contract-sentences.js';

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
    /** Keep the index current as files appear, change, move or go (docs/watch.md); on by default. */
    watch: z.boolean(),
    /** Seconds between two polls of a root that is polled (network shares, or when native events fail). */
    watchPollSeconds: z.number().int().min(1).max(3600),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

/** How fast a model ran on this machine, measured once after its download (model-speed.ts). */
export interface ModelSpeed {
  /** Images a second through the image encoder, in a batch of a few. */
  imagesPerSecond: number;
  /** Milliseconds to encode one search query. */
  textMs: number;
  /** The execution provider the measurement ran on ('cpu', 'cuda', …). */
  provider: string;
  /** ISO 8601 time of the measurement. */
  measuredAt: string;
}

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
  /** What its text encoder reads: ISO 639-1 codes, or 'multilingual' then the main ones. */
  languages: string[];
  /** Speed on this machine; null until measured (installed before, or not installed). */
  measuredSpeed: ModelSpeed | null;
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

  ...tagChannels,
  ...visionChannels,
  ...duplicateChannels,

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
  /** A duplicates:find under way: photos compared so far. */
  'duplicates:progress': DuplicateProgress;
}
export type EventName = keyof Events;
export const EVENTS: readonly EventName[] = [
  'job:progress',
  'library:changed',
  'settings:changed',
  'vision:loading',
  'duplicates:progress',
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
  return invalid(sentenceFor(parsed.error.issues[0], input, channel));
}

function invalid(message: string): { ok: false; error: EncodedError } {
  return { ok: false, error: { code: 'INVALID_INPUT', message } };
}
