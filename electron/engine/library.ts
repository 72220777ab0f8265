/**
 * @file The engine's front door (plain Node): one open library — its store, its model
 * and its settings — with the operations the command line, the utility process and the
 * browser shell call. Nothing here knows which of them is calling.
 */
import { mkdir } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '../../native/image/index.js';
import { locateFfmpeg, type FfmpegTools } from '../../native/ffmpeg/index.js';
import type { TaggerContext } from './tags/tagger.js';
import { LibraryStore, sqlString } from '../../native/store/index.js';
import { LanternError } from '../shared/errors.js';
import type {
  ClipResult,
  FailedFile,
  Scene,
  IndexReport,
  LibraryPage,
  LibraryStatus,
  SearchAnswer,
  SearchOptions,
  SearchResult,
} from '../shared/types.js';
import { ClipEncoder } from './clip/encoder.js';
import type { IndexerSettings, IndexRunOptions } from './indexer/indexer.js';
import { mediaKindOf } from './indexer/scan.js';
import { ModelRegistry } from './models/registry.js';
import { VisionModels } from './vision/loaded-models.js';
import { defaultPromptModelId } from './vision/prompt-models.js';
import { clipVocabularyPath, defaultDbDir, defaultModelsDir } from './paths.js';
import type { DetectCount } from './search/counting.js';
import { parseQuery } from './search/query.js';
import {
  DEFAULT_LIMIT,
  embedQuery,
  relevanceGate,
  readGateEarly,
  searchByVector,
  searchText,
  type SearchContext,
} from './search/search.js';
import { vectorQuery } from './search/score.js';
import { exportClips, requireFfmpeg, type ExportOptions } from './video/export-clips.js';
import { findScenes } from './video/find-scenes.js';
import { LibraryLock } from './library-lock.js';
import { isAtOrInsideFolder, isInsideFolder, removeRowsUnder } from './library-folders.js';
import { browseLibrary, type BrowseRequest } from './library-browse.js';
import { libraryStatus } from './library-status.js';
import { servingModelFor, type ModelSide, type PendingModel } from './model-switch.js';
import { readLibrarySettings, rootsFromStore } from './library-settings.js';
import { writeFileAtomic } from './settings-file.js';
import { learnedTagNames } from './tags/learned-tags.js';
import { libraryVocabulary } from './tags/library-vocabulary.js';

export interface LibraryOptions {
  dbDir?: string;
  /** The user's model folder (downloads land here); also searched for a models.json. */
  modelsDir?: string;
  /** More folders holding their own models.json. */
  extraModelDirs?: string[];
  modelId?: string;
  /**
   * 'write' (the default) holds the library's writer lock until close() ([Note: library
   * lock] in library-lock.ts); 'read' takes no lock and writes nothing, so it works while
   * another process writes (search, status, similar, scenes from the command line).
   */
  access?: 'write' | 'read';
  /** Who writes, as the busy message names it: "lantern index", "lantern serve", "the Lantern app". */
  purpose?: string;
  provider?: string;
  intraOpThreads?: number;
  /**
   * 'text': start loading the text encoder as soon as the model is known, so a search
   * that follows the open finds it loaded or nearly (the command line's `search`).
   */
  prepare?: 'text';
  /**
   * Free the text encoder once a text is encoded ([Note: a one-shot search frees the text
   * encoder] in clip/encoder.ts): the command line's `search`, which encodes one query.
   */
  freeTextAfterUse?: boolean;
  /** Overrides of the indexer's defaults (thumbnail size, pixel limit, batch size…). */
  indexer?: Partial<Omit<IndexerSettings, 'thumbnailsDir' | 'ffmpeg'>>;
  /** Configured ffmpeg and ffprobe paths (else a bundled or the system's ffmpeg). */
  ffmpegPaths?: { ffmpeg?: string; ffprobe?: string };
  /**
   * The detectors the service keeps for the inspector: counting in search takes its
   * detector from them, so one model file is loaded once. The caller closes them; without
   * them the library loads its own and closes them with itself.
   */
  visionModels?: VisionModels;
}

interface LibrarySettings {
  roots: string[];
  model: string | null;
  /** Set by the first tagging run: from then on, newly indexed files are tagged too. */
  tagging?: boolean;
}

/** Background sample size for the relevance cut-off: enough for stable percentiles. */
export const BACKGROUND_SAMPLE = 1000;

export const DEFAULT_INDEXER_SETTINGS: Omit<IndexerSettings, 'thumbnailsDir' | 'ffmpeg'> = {
  maxFrameInterval: 2,
  thumbnailSize: 256,
  maxPixels: 100_000_000,
  batchSize: 16,
  decodeConcurrency: Math.max(2, Math.min(4, os.availableParallelism())),
  // [Note: a video pass uses every core] in video/video-pass.ts.
  videoInferenceThreads: os.availableParallelism(),
};

/** An index run in progress, so removeRoot can stop it before removing its rows. */
interface ActiveRun {
  roots: readonly string[];
  controller: AbortController;
  done: Promise<unknown>;
}

export class Library {
  private backgroundSample: Promise<Float32Array[]> | null = null;
  /** The serving table's rows as Library.open counted them, for a one-shot search's first read. */
  private countedRows: number | undefined;
  private readonly runs = new Set<ActiveRun>();
  private writerLock: LibraryLock | null = null;
  /** The models this library was opened with, and the detectors counting loaded from it. */
  private registry: ModelRegistry | null = null;
  /** Where counting's detector comes from: the service's set, else one of the library's own. */
  private visionModels: VisionModels | null = null;
  private ownsVisionModels = false;

  private constructor(
    readonly dbDir: string,
    /** The model whose complete index answers searches. */
    private serving: ModelSide,
    /** The chosen model, when its index is not complete yet. */
    private pending: PendingModel | null,
    private settings: LibrarySettings,
    private readonly indexerSettings: Omit<IndexerSettings, 'thumbnailsDir' | 'ffmpeg'>,
    private readonly encoderOptions: Parameters<typeof ClipEncoder.load>[1],
    /** Configured ffmpeg and ffprobe paths, for locateFfmpeg on first use. */
    private readonly ffmpegPaths: { ffmpeg?: string; ffprobe?: string },
    /** Opened for reading only (no writer lock): index and removeRoot are refused. */
    readonly readOnly: boolean,
    /** Sentences about what open() found wrong and repaired (shown by status). */
    readonly warnings: string[],
  ) {}

  /** The store whose index answers searches. */
  get store(): LibraryStore {
    return this.serving.store;
  }

  /** The encoder of the serving model (search, similar, scenes). */
  get encoder(): ClipEncoder {
    return this.serving.encoder;
  }

  /** The chosen model: the serving one, or the one being indexed to replace it. */
  get modelId(): string {
    return this.pending?.resolved.model.id ?? this.serving.encoder.id;
  }

  private ffmpegFound: Promise<FfmpegTools | string> | null = null;

  /**
   * The ffmpeg used for video, or the sentence saying why there is none. Looked for on
   * first use, not at open: finding it runs `ffmpeg -version` and `ffprobe -version`
   * (~30 ms of CPU and two process starts), which a search or a status never needs.
   */
  ffmpeg(): Promise<FfmpegTools | string> {
    this.ffmpegFound ??= locateFfmpeg(this.ffmpegPaths).catch((error: unknown) =>
      error instanceof Error ? error.message : String(error),
    );
    return this.ffmpegFound;
  }

  static async open(options: LibraryOptions = {}): Promise<Library> {
    const dbDir = path.resolve(options.dbDir ?? defaultDbDir());
    // The lock comes before anything in the folder is read, created or loaded (the model
    // too), so a busy library fails at once and nothing is half-written.
    let lock: LibraryLock | null = null;
    if (options.access !== 'read') {
      await mkdir(dbDir, { recursive: true });
      lock = await LibraryLock.acquire(dbDir, options.purpose ?? 'lantern');
    }
    try {
      const library = await Library.openLocked(dbDir, options);
      library.writerLock = lock;
      return library;
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /** Open with the writer lock held (or for reading). */
  private static async openLocked(dbDir: string, options: LibraryOptions): Promise<Library> {
    const readOnly = options.access === 'read';
    const loaded = await readLibrarySettings(dbDir, readOnly ? 'read' : 'write');
    const settings = loaded.settings;
    const registry = await openRegistry(options);
    const chosenId = options.modelId ?? settings.model ?? registry.defaultClipId();
    const chosen = await registry.resolveClip(chosenId);
    const storeDir = path.join(dbDir, 'store');
    const encoderOptions = {
      tokenizerPath: clipVocabularyPath(),
      ...(options.provider ? { provider: options.provider } : {}),
      ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
      ...(options.freeTextAfterUse ? { freeTextAfterUse: true } : {}),
    };
    // Whatever opened is closed again when a later step fails: a failed open must leave
    // no inference thread or table handle behind (the process would never exit).
    const opened: { close(): Promise<void> }[] = [];
    try {
      // `prepare: 'text'` starts the chosen model's text encoder while the store says which
      // model serves (loading LanceDB meanwhile, ~55 ms); in the rare case that another
      // model still serves (a switch under way), that one's is loaded instead.
      const early =
        options.prepare === 'text' ? await ClipEncoder.load(chosen, encoderOptions) : null;
      if (early) {
        opened.push(early);
        early.prepareText();
      }
      const stored = await LibraryStore.models(storeDir);
      const servingId = servingModelFor(chosenId, stored, registry);
      const resolved = servingId === chosenId ? chosen : await registry.resolveClip(servingId);
      let encoder = early;
      if (!encoder || servingId !== chosenId) {
        await early?.close();
        encoder = await ClipEncoder.load(resolved, encoderOptions);
        opened.push(encoder);
        if (options.prepare === 'text') encoder.prepareText();
      }
      const store = await LibraryStore.open(storeDir, {
        dim: encoder.dim,
        model: encoder.id,
        readOnly,
      });
      opened.push(store);
      let pending: PendingModel | null = null;
      if (servingId !== chosenId) {
        const pendingStore = await LibraryStore.open(storeDir, {
          dim: chosen.model.embeddingSize,
          model: chosen.model.id,
          readOnly,
        });
        opened.push(pendingStore);
        pending = { store: pendingStore, resolved: chosen, encoder: null };
      }
      if (loaded.rebuild) settings.roots = await rootsFromStore(store, settings.roots);
      // A missing library.json next to an empty store is a run killed before its first save.
      const warning =
        loaded.rebuild === 'missing' && settings.roots.length === 0 ? null : loaded.warning;
      const library = new Library(
        dbDir,
        { store, encoder },
        pending,
        settings,
        { ...DEFAULT_INDEXER_SETTINGS, ...options.indexer },
        encoderOptions,
        options.ffmpegPaths ?? {},
        readOnly,
        [...(warning ? [warning] : []), ...store.warnings, ...(pending?.store.warnings ?? [])],
      );
      library.registry = registry;
      library.visionModels = options.visionModels ?? null;
      // A search follows: its gate's background is read from the rows counted above, in
      // one read ([Note: the background sample]).
      if (options.prepare === 'text')
        library.countedRows = stored.find((model) => model.model === servingId)?.rows;
      if (!readOnly && (settings.model !== chosenId || warning))
        await library.saveSettings({ ...settings, model: chosenId });
      return library;
    } catch (error) {
      for (const handle of opened.reverse()) await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** Apply indexer settings (thumbnail size, pixel limit) without closing anything. */
  updateIndexerSettings(
    changes: Partial<Pick<IndexerSettings, 'thumbnailSize' | 'maxPixels'>>,
  ): void {
    Object.assign(this.indexerSettings, changes);
  }

  get thumbnailsDir(): string {
    return path.join(this.dbDir, 'thumbnails');
  }

  /** Whether files are tagged as they are indexed (on since the library's first tag run). */
  get taggingOn(): boolean {
    return this.settings.tagging === true;
  }

  /** Turn tagging at index time on (a tag run does, once). */
  async turnTaggingOn(): Promise<void> {
    if (!this.taggingOn) await this.saveSettings({ ...this.settings, tagging: true });
  }

  /** The folders this library indexes. */
  get roots(): readonly string[] {
    return this.settings.roots;
  }

  async index(folders: readonly string[], options: IndexRunOptions = {}): Promise<IndexReport> {
    this.refuseReadOnly('index folders');
    const roots = folders.map((folder) => path.resolve(folder));
    const known = new Set(this.settings.roots);
    for (const root of roots) {
      // A known root that went missing is offline (the scan says so and keeps its rows);
      // a new one must exist and be a folder.
      if (known.has(root)) continue;
      if (!existsSync(root))
        throw new LanternError('NOT_FOUND', `The folder ${root} does not exist.`);
      if (!statSync(root).isDirectory())
        throw new LanternError(
          'INVALID_INPUT',
          `${root} is a file, not a folder: give the folder that holds it.`,
        );
    }
    const added = roots.filter((root) => !known.has(root));
    if (added.length > 0)
      await this.saveSettings({ ...this.settings, roots: [...this.settings.roots, ...added] });
    // While a new model's index is being built, every run covers every root, so that it
    // can complete and take over ([Note: switching model] in model-switch.ts).
    const runRoots = this.pending ? [...new Set([...this.settings.roots, ...roots])] : roots;
    const side = await this.indexingSide();
    // [Note: the indexer loads with the first index run] Its modules (the pipeline, the
    // video pass, keyword reading through exiftool, the tag vocabulary's schemas, Node's
    // child_process) are evaluated when a run starts, not at every start of the engine:
    // `lantern status` 0.32 -> 0.31 s (median of 14 alternated runs), a search alike.
    const { indexRoots } = await import('./indexer/indexer.js');
    const reindexModel = this.pending ? side.encoder.id : undefined;
    const controller = new AbortController();
    const forward = () => controller.abort();
    options.signal?.addEventListener('abort', forward);
    if (options.signal?.aborted) controller.abort();
    const running = indexRoots(
      side.store,
      side.encoder,
      runRoots,
      { ...this.indexerSettings, ffmpeg: () => this.ffmpeg(), thumbnailsDir: this.thumbnailsDir },
      {
        ...options,
        signal: controller.signal,
        ...(options.onProgress
          ? {
              onProgress: (progress) =>
                options.onProgress?.(reindexModel ? { ...progress, reindexModel } : progress),
            }
          : {}),
      },
    );
    const run: ActiveRun = { roots: runRoots, controller, done: running.catch(() => undefined) };
    this.runs.add(run);
    let report: IndexReport;
    try {
      report = await running;
    } finally {
      this.runs.delete(run);
      options.signal?.removeEventListener('abort', forward);
    }
    this.backgroundSample = null;
    const coversEveryRoot = this.settings.roots.every((root) => runRoots.includes(root));
    // A run over some folders only (the watcher's, `within`) says nothing about the rest.
    const complete =
      !report.cancelled && !options.within && coversEveryRoot && report.offline.length === 0;
    await side.store.markIndexed(complete);
    if (!report.cancelled) {
      // Compact the run's many small writes; build the vector index once the library is
      // large enough for it to pay (the store decides), fold new rows into it, or replace
      // an earlier version's index even when nothing changed (a read when there is none).
      if (report.indexed + report.moved + report.removed > 0) await side.store.optimize();
      await side.store.ensureVectorIndex();
      // The gate's background, kept for the searches that follow ([Note: a kept background
      // sample] in native/store/kept-sample.ts); a failure here would recur, and be told, there.
      await side.store.sampleVectors(BACKGROUND_SAMPLE).catch(() => undefined);
    }
    if (complete && this.pending) await this.promotePending(side);
    return report;
  }

  /** The side index runs write to: the pending model's (its encoder loaded on first use), else the serving one. */
  private async indexingSide(): Promise<ModelSide> {
    const pending = this.pending;
    if (!pending) return this.serving;
    pending.encoder ??= ClipEncoder.load(pending.resolved, this.encoderOptions);
    try {
      return { store: pending.store, encoder: await pending.encoder };
    } catch (error) {
      pending.encoder = null;
      throw error;
    }
  }

  /** The pending model's index is complete: it answers searches from now on. */
  private async promotePending(side: ModelSide): Promise<void> {
    const previous = this.serving;
    this.serving = side;
    this.pending = null;
    this.backgroundSample = null;
    await previous.store.close();
    await previous.encoder.close();
  }

  /** Abort the index runs that match, and wait until each has stopped writing. */
  private async stopRuns(matching: (run: ActiveRun) => boolean): Promise<void> {
    const stopping = [...this.runs].filter(matching);
    for (const run of stopping) run.controller.abort();
    await Promise.all(stopping.map((run) => run.done));
  }

  private refuseReadOnly(what: string): void {
    if (this.readOnly)
      throw new LanternError(
        'INVALID_INPUT',
        `Cannot ${what}: this library was opened for reading only.`,
      );
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    return (await this.searchWithHidden(query, options)).results;
  }

  /** `search`, plus how many weaker matches the relevance cut-off hid. */
  async searchWithHidden(query: string, options: SearchOptions = {}): Promise<SearchAnswer> {
    return searchText(
      this.searchContext(),
      query,
      options,
      (candidate) => mediaKindOf(candidate) === 'image' && existsSync(candidate),
    );
  }

  async similar(file: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    return (await this.similarWithHidden(file, options)).results;
  }

  async similarWithHidden(file: string, options: SearchOptions = {}): Promise<SearchAnswer> {
    const absolute = path.resolve(file);
    const context = this.searchContext();
    readGateEarly(context, options);
    const vector = await context.embedImageFile(absolute);
    return searchByVector(context, vectorQuery(vector), { ...options, excludePath: absolute });
  }

  /**
   * Scenes matching a prompt, best first, across the library or inside one video: the
   * stretches standing above the library's relevance gate (the one photo search uses).
   */
  async scenes(query: string, options: { video?: string; limit?: number } = {}): Promise<Scene[]> {
    const terms = parseQuery(
      query,
      (candidate) => mediaKindOf(candidate) === 'image' && existsSync(candidate),
    );
    const context = this.searchContext();
    readGateEarly(context, {});
    const embedded = await embedQuery(context, terms);
    const found = await findScenes(context, embedded, {
      threshold: await relevanceGate(context, embedded),
      ...(options.video ? { video: path.resolve(options.video) } : {}),
    });
    return found
      .flatMap((entry) => entry.scenes)
      .sort((a, b) => b.score - a.score)
      .slice(0, options.limit ?? DEFAULT_LIMIT);
  }

  /** Cut ranges of a video into clips (see video/export-clips.ts). */
  async exportClips(
    video: string,
    ranges: readonly { start: number; end: number }[],
    options: ExportOptions,
  ): Promise<ClipResult[]> {
    return exportClips(requireFfmpeg(await this.ffmpeg()), path.resolve(video), ranges, options);
  }

  /** One page of the library without a query, newest first (library-browse.ts). */
  async browse(request: BrowseRequest): Promise<LibraryPage> {
    return browseLibrary(this.store, request);
  }

  async status(): Promise<LibraryStatus> {
    const pending = this.pending;
    return libraryStatus({
      store: this.store,
      roots: this.settings.roots,
      model: this.modelId,
      encoder: this.encoder,
      pending: pending ? { model: pending.resolved.model.id, store: pending.store } : null,
      warnings: this.warnings,
    });
  }

  /**
   * Forget a folder: its rows (in every model's tables), video frames and failures go; its
   * files are never touched. An index run over the folder is stopped first, so that it
   * cannot write rows under it afterwards.
   */
  async removeRoot(folder: string): Promise<void> {
    this.refuseReadOnly('remove a folder');
    const root = path.resolve(folder);
    await this.stopRuns((run) =>
      run.roots.some((other) => isAtOrInsideFolder(other, root) || isInsideFolder(root, other)),
    );
    // A root nested in another stays covered by the outer one: keep those rows.
    const covered = this.settings.roots.some(
      (other) => other !== root && isInsideFolder(root, other),
    );
    await this.saveSettings({
      ...this.settings,
      roots: this.settings.roots.filter((r) => r !== root),
    });
    if (!covered) {
      const open = [this.serving.store, ...(this.pending ? [this.pending.store] : [])];
      for (const store of open) await removeRowsUnder(store, root);
      // Other models' tables are kept for an instant switch back: forget the folder there too.
      const storeDir = path.join(this.dbDir, 'store');
      for (const other of await LibraryStore.models(storeDir)) {
        if (open.some((store) => store.model === other.model)) continue;
        const store = await LibraryStore.open(storeDir, { dim: other.dim, model: other.model });
        try {
          await removeRowsUnder(store, root);
        } finally {
          await store.close();
        }
      }
      const failed = (await this.store.listFailures())
        .filter((f) => isAtOrInsideFolder(f.path, root))
        .map((f) => f.path);
      await this.store.clearFailures(failed);
    }
    this.backgroundSample = null;
  }

  async failures(root?: string): Promise<FailedFile[]> {
    const all = await this.store.listFailures();
    const inside = root ? all.filter((f) => f.path.startsWith(path.resolve(root) + path.sep)) : all;
    return inside.map(({ path: p, root: r, code, error }) => ({ path: p, root: r, code, error }));
  }

  async close(): Promise<void> {
    try {
      await this.stopRuns(() => true);
      await this.serving.store.close();
      await this.serving.encoder.close();
      if (this.pending) {
        await this.pending.store.close();
        const encoder = await this.pending.encoder?.catch(() => null);
        await encoder?.close();
      }
      if (this.ownsVisionModels) await this.visionModels?.close();
    } finally {
      this.writerLock?.release();
      this.writerLock = null;
    }
  }

  /** What the tagger needs of this library (engine/tags/tagger.ts). */
  taggingContext(): TaggerContext {
    return {
      store: this.store,
      modelId: this.encoder.id,
      matchFloor: this.encoder.model.relevance?.matchFloor,
      encodeText: (texts) => this.encoder.encodeTexts(texts),
      background: () => this.background(),
      cacheDir: this.dbDir,
    };
  }

  private searchContext(): SearchContext {
    return {
      store: this.store,
      thumbnailsDir: this.thumbnailsDir,
      maxInterval: this.indexerSettings.maxFrameInterval,
      matchFloor: this.encoder.model.relevance?.matchFloor,
      embedTexts: (texts) => this.encoder.encodeTexts(texts),
      embedImageFile: (file) => this.embedImageFile(file),
      background: () => this.background(),
      // [Note: a one-shot search reads its gate after the text encoder] (search.ts).
      readGateEarly: !this.encoderOptions.freeTextAfterUse,
      vocabulary: () => libraryVocabulary(this.dbDir),
      tagNames: () => learnedTagNames(this.dbDir),
      detectCount: () => this.detectCount(),
    };
  }

  /**
   * Counting in search (search/counting.ts): the boxes the default detector finds for a
   * noun above its own threshold, or nothing when no detector is installed. Asked on each
   * search with a count, so a detector fetched while the app runs is used from the next.
   */
  private detectCount(): DetectCount | undefined {
    const registry = this.registry;
    let id: string;
    try {
      if (!registry) return undefined;
      id = defaultPromptModelId(registry, 'detect');
    } catch {
      return undefined; // no detection model listed at all: search as without one
    }
    if (!registry.list().some((model) => model.id === id && model.installed)) return undefined;
    return async (file, noun) => {
      if (!this.visionModels) {
        this.visionModels = new VisionModels();
        this.ownsVisionModels = true;
      }
      // The CLIP encoder's provider and threads; the indexer's pixel limit.
      const options = { ...this.encoderOptions, maxPixels: this.indexerSettings.maxPixels };
      const detector = await this.visionModels.detector(registry, id, options);
      const { detections } = await detector.detect(file, [noun]);
      return detections.length;
    };
  }

  /** A library file's stored vector, else the file decoded and encoded now (also the lenses'). */
  async embedImageFile(file: string): Promise<Float32Array> {
    const [row] = await this.store.listMedia({ where: `path = ${sqlString(file)}` });
    if (row) {
      const [vector] = await this.store.getVectors([row.id]);
      if (vector) return vector;
    }
    if (!existsSync(file)) throw new LanternError('NOT_FOUND', `The file ${file} does not exist.`);
    return this.embedImage(file, path.basename(file));
  }

  /** A photo's path or bytes (a paused video frame, lenses) decoded and encoded now. */
  async embedImage(image: string | Buffer, name: string): Promise<Float32Array> {
    const tensor = new Float32Array(this.encoder.imageStride);
    await decodeImage(image, {
      preprocess: this.encoder.model.vision,
      target: tensor,
      offset: 0,
      maxPixels: this.indexerSettings.maxPixels,
      name,
    });
    const [vector] = await this.encoder.encodeImages(tensor, 1);
    if (!vector)
      throw new LanternError('INFERENCE_FAILED', `The model returned no vector for ${name}.`);
    return vector;
  }

  /**
   * The relevance gate's background: a sample of the library's vectors ([Note: the
   * background sample] in native/store/library-store.ts), read once and shared by the
   * calls that asked meanwhile (a search asks while its query is still being encoded:
   * searchText). Forgotten when the library changes; a failed read is not kept.
   */
  private background(): Promise<Float32Array[]> {
    if (this.backgroundSample) return this.backgroundSample;
    const sample = this.store.sampleVectors(BACKGROUND_SAMPLE, this.countedRows);
    this.countedRows = undefined; // a count for the first read only: the library may change
    sample.catch(() => {
      if (this.backgroundSample === sample) this.backgroundSample = null;
    });
    this.backgroundSample = sample;
    return sample;
  }

  private async saveSettings(settings: LibrarySettings): Promise<void> {
    this.refuseReadOnly('change the library’s settings');
    this.settings = settings;
    await writeFileAtomic(
      path.join(this.dbDir, 'library.json'),
      `${JSON.stringify(settings, null, 2)}\n`,
    );
  }
}

export async function openRegistry(
  options: Pick<LibraryOptions, 'modelsDir' | 'extraModelDirs'>,
): Promise<ModelRegistry> {
  const modelsDir = path.resolve(options.modelsDir ?? defaultModelsDir());
  const extraDirs = [...(options.extraModelDirs ?? [])];
  // A models folder that holds its own models.json (custom or toy models) is read too.
  if (existsSync(path.join(modelsDir, 'models.json'))) extraDirs.unshift(modelsDir);
  return ModelRegistry.load({ modelsDir, extraDirs });
}
