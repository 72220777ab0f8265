/**
 * @file The engine service: the contract's engine channels implemented over one Library,
 * with jobs, settings and events. Both transports host it unchanged — the Electron
 * utility process (electron/worker) and the browser shell (`lantern serve`) — so there is
 * one set of handlers and only the wire differs (DESIGN.md, Processes).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FfmpegPaths } from '../../../native/ffmpeg/locate.js';
import {
  parseInput,
  type ChannelOutput,
  type EngineChannel,
  type EventName,
  type Events,
  type JobSnapshot,
  type ModelSummary,
  type ParsedInput,
  type Result,
  type Settings,
} from '../../shared/contract.js';
import { encodeError, LanternError, type ErrorCode } from '../../shared/errors.js';
import type { LibraryStatus } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';
import { Library, openRegistry } from '../library.js';
import { runDownloadJob } from '../models/download-job.js';
import { storedSpeed } from '../models/model-speed.js';
import { filesOf, type ModelRegistry } from '../models/registry.js';
import { defaultDbDir, defaultModelsDir } from '../paths.js';
import { videoExtensions } from '../../../native/ffmpeg/extensions.js';
import { JobQueue } from './jobs.js';
import { resolveServablePath } from './media-access.js';
import { playbackInfo } from './playback-stream.js';
import { enqueueSidecarJob, enqueueTagJob, tagHandlers } from './tag-handlers.js';
import { libraryFrame, visionHandlers } from './vision-handlers.js';
import { duplicateHandlers } from './duplicate-handlers.js';
import { FrameCache } from '../vision/frames.js';
import { VisionModels } from '../vision/loaded-models.js';
import { lensHandlers } from './lens-handlers.js';
import { readTagRun } from '../tags/tag-run-marker.js';
import { indexThenTag } from '../tags/tag-after-index.js';
import { readStoredSettings, writeStoredSettings, type StoredSettings } from './settings.js';
import { ServiceWatch } from './watch-handlers.js';

export interface ServiceOptions {
  dbDir?: string;
  modelsDir?: string;
  extraModelDirs?: string[];
  modelId?: string;
  shell: 'electron' | 'browser';
  /** `lantern serve --poll SECONDS`: watch every root by polling at this interval. */
  watchPollSeconds?: number;
}

type Handlers = { [C in EngineChannel]: (input: ParsedInput<C>) => Promise<ChannelOutput<C>> };
type Listener<E extends EventName> = (payload: Events[E]) => void;

const EMPTY_STATUS: LibraryStatus = {
  model: null,
  provider: null,
  providerNotes: [],
  roots: [],
  images: 0,
  videos: 0,
  failed: 0,
  reindex: null,
  warnings: [],
};

export class LanternService {
  private library: Library | null = null;
  private notReadyReason: string | null = null;
  private notReadyCode: ErrorCode = 'MODEL_MISSING';
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private readonly jobs = new JobQueue((snapshot) => this.emit('job:progress', snapshot));
  private readonly dbDir: string;
  private readonly modelsDir: string;
  /** The inspector's detectors and segmenters, loaded on first use, released by close(). */
  private readonly visionModels = new VisionModels((loading) =>
    this.emit('vision:loading', loading),
  );
  /** The inspector's paused video frames, shared by vision:* and lens:* (vision/frames.ts). */
  private readonly frames = new FrameCache(() => this.ffmpegTools());
  /** Watched folders (watch-handlers.ts), started and stopped with the library. */
  private readonly watching: ServiceWatch;

  private constructor(
    private readonly options: ServiceOptions,
    private settings: StoredSettings,
    private modelId: string | undefined,
  ) {
    this.dbDir = path.resolve(options.dbDir ?? defaultDbDir());
    this.modelsDir = path.resolve(options.modelsDir ?? defaultModelsDir());
    this.watching = new ServiceWatch({
      jobs: this.jobs,
      publishStatus: () => this.publishStatus(),
      ...(options.watchPollSeconds ? { forcePollSeconds: options.watchPollSeconds } : {}),
    });
  }

  static async create(options: ServiceOptions): Promise<LanternService> {
    const dbDir = path.resolve(options.dbDir ?? defaultDbDir());
    const service = new LanternService(options, await readStoredSettings(dbDir), options.modelId);
    await service.openLibrary();
    await service.resumeTagging();
    return service;
  }

  /** Parse, run and encode one call. Never throws: errors come back as `{ ok: false }`. */
  async invoke(channel: EngineChannel, input: unknown): Promise<Result<unknown>> {
    const parsed = parseInput(channel, input);
    if (!parsed.ok) return parsed;
    const handler = this.handlers[channel] as (input: unknown) => Promise<unknown>;
    if (!handler)
      return {
        ok: false,
        error: { code: 'INVALID_INPUT', message: `${channel} is not an engine channel.` },
      };
    try {
      return { ok: true, value: await handler(parsed.value) };
    } catch (error) {
      return { ok: false, error: encodeError(error) };
    }
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as Listener<EventName>);
    this.listeners.set(event, set);
    return () => set.delete(listener as Listener<EventName>);
  }

  /** Absolute folders whose files may be served to the renderer. */
  mediaRoots(): string[] {
    return this.library ? [...this.library.roots, this.library.thumbnailsDir] : [];
  }

  /** The ffmpeg video playback streams with, or the sentence saying why there is none. */
  async ffmpegTools(): Promise<FfmpegPaths | string> {
    return (await this.library?.ffmpeg()) ?? 'The library is not open yet.';
  }

  /** Stop jobs (the running one finishes its current batch and writes it) and close the store. */
  async close(): Promise<void> {
    await this.watching.stop();
    await this.jobs.shutdown();
    await this.library?.close();
    this.library = null;
    await this.visionModels.close();
  }

  private emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
  }

  private async openLibrary(): Promise<void> {
    await this.watching.stop();
    await this.library?.close();
    this.library = null;
    try {
      this.library = await Library.open({
        dbDir: this.dbDir,
        modelsDir: this.modelsDir,
        extraModelDirs: [...(this.options.extraModelDirs ?? []), ...this.settings.modelFolders],
        ...(this.modelId ? { modelId: this.modelId } : {}),
        // Named in the busy message another process shows ([Note: library lock]).
        purpose: this.options.shell === 'browser' ? 'lantern serve' : 'the Lantern app',
        provider: this.settings.provider,
        indexer: {
          thumbnailSize: this.settings.thumbnailSize,
          maxPixels: this.settings.maxMegapixels * 1e6,
        },
        visionModels: this.visionModels,
      });
      this.notReadyReason = null;
      // Searches from the first one on find the vector index loaded ([Note: a warm index
      // from the start] in native/store/library-store.ts). Not awaited; a failure costs
      // only the warmth, as each search still loads what it probes.
      this.library.store.prewarmVectorIndex().catch(() => false);
      await this.watching.restart(this.library, this.settings);
    } catch (error) {
      const { code, message } = encodeError(error);
      this.notReadyReason = notReadySentence(code, message);
      // A library another process writes keeps its code; anything else sends the person
      // to the setup screen, as before.
      this.notReadyCode = code === 'LIBRARY_BUSY' ? code : 'MODEL_MISSING';
    }
  }

  /** A tagging job the app's end interrupted starts again where it stopped. */
  private async resumeTagging(): Promise<void> {
    if (!this.library || this.library.readOnly) return;
    const run = await readTagRun(this.dbDir);
    if (run) enqueueTagJob(this.library, this.jobs, run);
  }

  private requireLibrary(): Library {
    if (this.library) return this.library;
    throw new LanternError(
      this.notReadyCode,
      this.notReadyReason ?? 'No model is loaded yet: choose one in the setup screen.',
    );
  }

  private registry(): Promise<ModelRegistry> {
    return openRegistry({
      modelsDir: this.modelsDir,
      extraModelDirs: [...(this.options.extraModelDirs ?? []), ...this.settings.modelFolders],
    });
  }

  private currentSettings(): Settings {
    const { modelFolders: _modelFolders, ...rest } = this.settings;
    return { ...rest, model: this.library?.modelId ?? this.modelId ?? null };
  }

  private async publishStatus(): Promise<LibraryStatus> {
    const status = this.library
      ? this.watching.decorate(await this.library.status())
      : EMPTY_STATUS;
    this.emit('library:changed', status);
    return status;
  }

  private indexJob(label: string, folders: readonly string[]): JobSnapshot {
    const library = this.requireLibrary();
    return this.jobs.enqueue('index', label, async ({ signal, pause, progress }) => {
      try {
        // Once the library has been tagged, what was just indexed is tagged too ([Note: an
        // index run tags the contents it brought in] in tags/tag-after-index.ts).
        const { report } = await indexThenTag(
          library,
          folders,
          () => library.index(folders, { signal, pause, onProgress: progress }),
          signal,
        );
        return report;
      } finally {
        await this.publishStatus();
      }
    });
  }

  private async listModels(): Promise<ModelSummary[]> {
    const registry = await this.registry();
    const current = this.library?.modelId;
    const shown = registry.list().filter((info) => !info.hidden || info.id === current);
    return Promise.all(
      shown.map(async (info): Promise<ModelSummary> => {
        const entry = registry.get(info.id);
        const clip = entry.task === 'clip' ? entry : null;
        return {
          id: info.id,
          name: info.name,
          task: info.task,
          installed: info.installed,
          sizeBytes: info.sizeBytes,
          approxSizeBytes: info.approxSizeBytes,
          partialBytes: info.partialBytes,
          license: info.license,
          source: info.source,
          description: clip?.description ?? '',
          quality: clip?.quality ?? null,
          speed: clip?.speed ?? null,
          verified: filesOf(entry).every((file) => file.sha256 !== undefined),
          languages: info.languages,
          measuredSpeed: info.installed ? await storedSpeed(info.dir, entry) : null,
        };
      }),
    );
  }

  private readonly handlers: Handlers = {
    'app:info': async () => {
      const encoder = this.library?.encoder;
      const ffmpeg = await this.library?.ffmpeg();
      return {
        version: APP_VERSION,
        shell: this.options.shell,
        model: encoder?.id ?? this.modelId ?? null,
        provider: encoder?.provider ?? null,
        providerNotes: encoder?.providerNotes ?? [],
        ready: this.library !== null,
        notReadyReason: this.notReadyReason,
        ffmpeg:
          typeof ffmpeg === 'object' ? { version: ffmpeg.version, source: ffmpeg.source } : null,
        ffmpegProblem: typeof ffmpeg === 'string' ? ffmpeg : null,
      };
    },
    'settings:get': () => Promise.resolve(this.currentSettings()),
    'settings:set': async (input) => {
      const { model, ...rest } = input;
      const reopen =
        (model !== undefined && model !== this.currentSettings().model) ||
        (rest.provider !== undefined && rest.provider !== this.settings.provider);
      if (reopen && this.jobs.busy) {
        throw new LanternError(
          'INVALID_INPUT',
          'Wait for the current job to finish (or cancel it) before changing the model or provider.',
        );
      }
      // Turning XMP sidecars on writes the tags already accepted, as a job (docs/xmp.md).
      const xmpTurnedOn = rest.writeXmp === true && !this.settings.writeXmp;
      this.settings = { ...this.settings, ...definedOnly(rest) };
      if (model !== undefined && model !== null) this.modelId = model;
      await writeStoredSettings(this.dbDir, this.settings);
      if (reopen || !this.library) {
        await this.openLibrary();
        // A newly chosen model starts building its index at once; searches keep using the
        // previous model's until it completes ([Note: switching model] in model-switch.ts).
        const library = this.library;
        if (library && library.modelId !== library.encoder.id && library.roots.length > 0)
          this.indexJob(library.roots.join(', '), library.roots);
      } else {
        // Indexer settings apply to the next batch: never close the library under a job.
        this.library.updateIndexerSettings({
          thumbnailSize: this.settings.thumbnailSize,
          maxPixels: this.settings.maxMegapixels * 1e6,
        });
        if (rest.watch !== undefined || rest.watchPollSeconds !== undefined)
          await this.watching.restart(this.library, this.settings);
      }
      if (xmpTurnedOn && this.library) enqueueSidecarJob(this.library, this.jobs);
      const settings = this.currentSettings();
      this.emit('settings:changed', settings);
      return settings;
    },
    'models:list': () => this.listModels(),
    'models:fetch': async ({ id, allowUnverified }) => {
      const registry = await this.registry();
      const entry = registry.get(id);
      // A second click (or a second window) joins the download already under way.
      const live = this.jobs
        .list()
        .find((job) => job.kind === 'download' && job.label === entry.id && isLive(job.state));
      if (live) return live;
      // Labelled with the id: the picker finds the job by it, and `use` needs the id.
      return this.jobs.enqueue('download', entry.id, async (context) => {
        const outcome = await runDownloadJob(entry, registry.dirOf(entry.id), context, {
          ...(allowUnverified !== undefined ? { allowUnverified } : {}),
        });
        // The first model makes the library ready before the job reports done, so the
        // page that waits for it can move on to adding folders.
        if (!this.library) {
          this.modelId = entry.id;
          await this.openLibrary();
        }
        return outcome;
      });
    },
    'models:useFolder': async ({ path: folder }) => {
      if (!this.settings.modelFolders.includes(folder)) {
        // Read the folder's models.json before keeping it: a folder kept in the settings
        // that cannot be read would make every later open of the library fail.
        await checkModelFolder(folder);
        await openRegistry({
          modelsDir: this.modelsDir,
          extraModelDirs: [...(this.options.extraModelDirs ?? []), folder],
        });
        this.settings = { ...this.settings, modelFolders: [...this.settings.modelFolders, folder] };
        await writeStoredSettings(this.dbDir, this.settings);
      }
      if (!this.library) await this.openLibrary();
      const inFolder = (await this.registry())
        .list()
        .filter((info) => info.origin === 'folder' && info.dir === path.resolve(folder));
      return { models: await this.listModels(), found: inFolder.length };
    },
    'library:status': async () =>
      this.library ? this.watching.decorate(await this.library.status()) : EMPTY_STATUS,
    'library:addRoots': ({ paths }) => Promise.resolve(this.indexJob(paths.join(', '), paths)),
    'library:removeRoot': async ({ path: root }) => {
      await this.requireLibrary().removeRoot(root);
      return this.publishStatus();
    },
    'library:reindex': ({ path: root }) => {
      const roots = root ? [root] : [...this.requireLibrary().roots];
      if (roots.length === 0)
        throw new LanternError(
          'INVALID_INPUT',
          'There are no folders to index yet: add one first.',
        );
      return Promise.resolve(this.indexJob(roots.join(', '), roots));
    },
    'library:failures': ({ root }) => this.requireLibrary().failures(root),
    // No library yet (no model chosen): an empty listing, as the status says no files.
    'library:browse': (request) =>
      this.library
        ? this.library.browse(request)
        : Promise.resolve({ items: [], total: 0, months: [] }),
    'jobs:list': () => Promise.resolve(this.jobs.list()),
    'jobs:pause': ({ id }) => Promise.resolve(this.jobs.pause(id)),
    'jobs:resume': ({ id }) => Promise.resolve(this.jobs.resume(id)),
    'jobs:cancel': ({ id }) => Promise.resolve(this.jobs.cancel(id)),
    'search:query': async ({ query, ...options }) => {
      const library = this.requireLibrary();
      return library.searchWithHidden(query, options);
    },
    'scenes:find': ({ query, video, limit }) =>
      this.requireLibrary().scenes(query, {
        ...(video ? { video } : {}),
        ...(limit ? { limit } : {}),
      }),
    ...duplicateHandlers({
      requireLibrary: () => this.requireLibrary(),
      progress: (progress) => this.emit('duplicates:progress', progress),
      maxPixels: () => this.settings.maxMegapixels * 1e6,
      // Files left the library: every window's counts follow.
      changed: async () => void (await this.publishStatus()),
    }),
    ...tagHandlers(
      () => this.requireLibrary(),
      this.jobs,
      () => this.settings.writeXmp,
    ),
    ...visionHandlers({
      registry: () => this.registry(),
      roots: () => this.library?.roots ?? [],
      options: () => ({
        provider: this.settings.provider,
        maxPixels: this.settings.maxMegapixels * 1e6,
      }),
      models: this.visionModels,
      frames: this.frames,
    }),
    ...lensHandlers(
      () => this.requireLibrary(),
      (requested, time) =>
        libraryFrame(
          this.frames,
          this.library?.roots ?? [],
          requested,
          time,
          this.settings.maxMegapixels * 1e6,
        ),
    ),
    'media:playback': async ({ path: requested, transcode }) => {
      const file = await resolveServablePath(requested, this.mediaRoots());
      if (!file || !videoExtensions.includes(path.extname(file).slice(1).toLowerCase()))
        throw new LanternError(
          'NOT_FOUND',
          `${path.basename(requested)} is not a video in the library.`,
        );
      return playbackInfo(file, await this.ffmpegTools(), transcode === true);
    },
    'clip:export': ({ path: video, ranges, mode, outDir, join, overwrite }) => {
      const library = this.requireLibrary();
      const label = `${path.basename(video)}: ${ranges.length} clip${ranges.length === 1 ? '' : 's'}`;
      return Promise.resolve(
        this.jobs.enqueue('export', label, async ({ signal, progress }) => {
          const started = Date.now();
          const clips = await library.exportClips(video, ranges, {
            mode,
            outDir,
            ...(join !== undefined ? { join } : {}),
            ...(overwrite !== undefined ? { overwrite } : {}),
            signal,
            onProgress: (fraction) => {
              const elapsed = (Date.now() - started) / 1000;
              progress({
                phase: 'indexing',
                done: Math.round(fraction * 1000),
                total: 1000,
                rate: elapsed > 0 ? fraction / elapsed : 0,
                etaSeconds: fraction > 0 ? (elapsed * (1 - fraction)) / fraction : null,
                currentFile: video,
              });
            },
          });
          return { clips };
        }),
      );
    },
    'search:similar': ({ path: file, ...options }) =>
      this.requireLibrary().similarWithHidden(file, options),
  };
}

/**
 * Why the app is not ready, for the first-run page: what to do there, not the CLI's
 * advice or the model folder's internals. Other reasons (a busy library) keep their words.
 */
function notReadySentence(code: ErrorCode, message: string): string {
  if (code === 'MODEL_MISSING')
    return 'No model is installed yet: download one below, or use a folder that already holds one.';
  if (code === 'MODEL_CHECKSUM')
    return 'The chosen model’s files are damaged and were not loaded: download it again below.';
  return message;
}

function isLive(state: JobSnapshot['state']): boolean {
  return state === 'queued' || state === 'running' || state === 'paused';
}

/** Refuse a model folder with a sentence the person can act on, before the registry reads it. */
async function checkModelFolder(folder: string): Promise<void> {
  const dir = await stat(folder).catch(() => null);
  if (!dir?.isDirectory()) {
    throw new LanternError(
      'NOT_FOUND',
      `There is no folder at ${folder}; type the full path of the folder that holds the model files.`,
    );
  }
  const manifest = await stat(path.join(folder, 'models.json')).catch(() => null);
  if (!manifest?.isFile()) {
    throw new LanternError(
      'MODEL_INVALID',
      `${folder} has no models.json, so Lantern cannot tell which model its files are; use the folder that holds models.json next to the model files (docs/models.md), or download a model above.`,
    );
  }
}

/** The fields of a partial update that were actually given. */
function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
