/**
 * @file The engine's front door (plain Node): one open library — its store, its model
 * and its settings — with the operations the command line, the utility process and the
 * browser shell call. Nothing here knows which of them is calling.
 */
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '../../native/image/index.js';
import { locateFfmpeg, type FfmpegTools } from '../../native/ffmpeg/index.js';
import {
  buildFilter,
  LibraryStore,
  sqlString,
  whereUnderFolder,
} from '../../native/store/index.js';
import { LanternError } from '../shared/errors.js';
import type {
  ClipResult,
  FailedFile,
  Scene,
  IndexReport,
  LibraryStatus,
  SearchOptions,
  SearchResult,
} from '../shared/types.js';
import { ClipEncoder } from './clip/encoder.js';
import { indexRoots, type IndexerSettings, type IndexRunOptions } from './indexer/indexer.js';
import { mediaKindOf } from './indexer/scan.js';
import { LibraryLock } from './library-lock.js';
import { ModelRegistry } from './models/registry.js';
import { clipVocabularyPath, defaultDbDir, defaultModelsDir } from './paths.js';
import { parseQuery } from './search/query.js';
import { DEFAULT_LIMIT, queryVector, searchByVector, type SearchContext } from './search/search.js';
import { exportClips, requireFfmpeg, type ExportOptions } from './video/export-clips.js';
import { findScenes, type SceneSearch } from './video/find-scenes.js';
import { readLibrarySettings, rootsFromStore } from './library-settings.js';
import { writeFileAtomic } from './settings-file.js';

export interface LibraryOptions {
  dbDir?: string;
  /** The user's model folder (downloads land here); also searched for a models.json. */
  modelsDir?: string;
  /** More folders holding their own models.json. */
  extraModelDirs?: string[];
  modelId?: string;
  provider?: string;
  intraOpThreads?: number;
  /** Overrides of the indexer's defaults (thumbnail size, pixel limit, batch size…). */
  indexer?: Partial<Omit<IndexerSettings, 'thumbnailsDir' | 'ffmpeg'>>;
  /** Configured ffmpeg and ffprobe paths (else a bundled or the system's ffmpeg). */
  ffmpegPaths?: { ffmpeg?: string; ffprobe?: string };
  /**
   * 'write' (the default) holds the library's writer lock until close() ([Note: library
   * lock]); 'read' takes no lock, so it works while another process writes, and writes no
   * settings.
   */
  access?: 'write' | 'read';
  /** Who writes, as the busy message names it: "lantern index", "lantern serve", "the Lantern app". */
  purpose?: string;
}

interface LibrarySettings {
  roots: string[];
  model: string | null;
}

/** Background sample size for the relevance cut-off: enough for stable percentiles. */
const BACKGROUND_SAMPLE = 1000;

export const DEFAULT_INDEXER_SETTINGS: Omit<IndexerSettings, 'thumbnailsDir' | 'ffmpeg'> = {
  maxFrameInterval: 2,
  thumbnailSize: 256,
  maxPixels: 100_000_000,
  batchSize: 16,
  decodeConcurrency: Math.max(2, Math.min(4, os.availableParallelism())),
};

export class Library {
  private backgroundSample: Float32Array[] | null = null;
  private writerLock: LibraryLock | null = null;
  private access: 'write' | 'read' = 'write';
  /** Sentences a person should see about this library (a damaged library.json…). */
  readonly warnings: string[] = [];

  private constructor(
    readonly dbDir: string,
    readonly store: LibraryStore,
    readonly encoder: ClipEncoder,
    private settings: LibrarySettings,
    private readonly indexerSettings: Omit<IndexerSettings, 'thumbnailsDir'>,
  ) {}

  /** The ffmpeg used for video, or the sentence saying why there is none. */
  get ffmpeg(): FfmpegTools | string {
    return this.indexerSettings.ffmpeg;
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
    const access = options.access ?? 'write';
    const loaded = await readLibrarySettings(dbDir, access);
    const settings = loaded.settings;
    const registry = await openRegistry(options);
    const modelId = options.modelId ?? settings.model ?? registry.defaultClipId();
    const resolved = await registry.resolveClip(modelId);
    const encoder = await ClipEncoder.load(resolved, {
      tokenizerPath: clipVocabularyPath(),
      ...(options.provider ? { provider: options.provider } : {}),
      ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    });
    const store = await LibraryStore.open(path.join(dbDir, 'store'), {
      dim: encoder.dim,
      model: encoder.id,
    });
    if (loaded.rebuild) settings.roots = await rootsFromStore(store, settings.roots);
    // A missing library.json next to an empty store is a run killed before its first save.
    const warning =
      loaded.rebuild === 'missing' && settings.roots.length === 0 ? null : loaded.warning;
    const ffmpeg = await locateFfmpeg(options.ffmpegPaths ?? {}).catch((error: unknown) =>
      error instanceof Error ? error.message : String(error),
    );
    const library = new Library(dbDir, store, encoder, settings, {
      ...DEFAULT_INDEXER_SETTINGS,
      ffmpeg,
      ...options.indexer,
    });
    library.access = access;
    if (warning) library.warnings.push(warning);
    if (access === 'write' && (settings.model !== encoder.id || warning))
      await library.saveSettings({ ...settings, model: encoder.id });
    return library;
  }

  get thumbnailsDir(): string {
    return path.join(this.dbDir, 'thumbnails');
  }

  /** The folders this library indexes. */
  get roots(): readonly string[] {
    return this.settings.roots;
  }

  async index(folders: readonly string[], options: IndexRunOptions = {}): Promise<IndexReport> {
    const roots = folders.map((folder) => path.resolve(folder));
    for (const root of roots) {
      if (!existsSync(root))
        throw new LanternError('NOT_FOUND', `The folder ${root} does not exist.`);
    }
    const known = new Set(this.settings.roots);
    const added = roots.filter((root) => !known.has(root));
    if (added.length > 0)
      await this.saveSettings({ ...this.settings, roots: [...this.settings.roots, ...added] });
    const report = await indexRoots(
      this.store,
      this.encoder,
      roots,
      { ...this.indexerSettings, thumbnailsDir: this.thumbnailsDir },
      options,
    );
    this.backgroundSample = null;
    if (!report.cancelled && report.indexed + report.moved + report.removed > 0) {
      // Compact the run's many small writes; build the vector index once the library is
      // large enough for it to pay (the store decides), or fold new rows into it.
      await this.store.optimize();
      if (!(await this.store.hasVectorIndex())) await this.store.createVectorIndex();
    }
    return report;
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const terms = parseQuery(
      query,
      (candidate) => mediaKindOf(candidate) === 'image' && existsSync(candidate),
    );
    return this.searchVector(await queryVector(this.searchContext(), terms), options);
  }

  async similar(file: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const absolute = path.resolve(file);
    const vector = await this.searchContext().embedImageFile(absolute);
    return this.searchVector(vector, { ...options, excludePath: absolute });
  }

  /** Scenes matching a prompt, best first, across the library or inside one video. */
  async scenes(query: string, options: { video?: string; limit?: number } = {}): Promise<Scene[]> {
    const terms = parseQuery(
      query,
      (candidate) => mediaKindOf(candidate) === 'image' && existsSync(candidate),
    );
    const vector = await queryVector(this.searchContext(), terms);
    const found = await findScenes(
      this.sceneSearch(),
      vector,
      options.video ? { video: path.resolve(options.video) } : {},
    );
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
    return exportClips(requireFfmpeg(this.ffmpeg), path.resolve(video), ranges, options);
  }

  /** Photos by their own vectors, videos by their best-matching scene, merged. */
  private async searchVector(
    vector: Float32Array,
    options: SearchOptions & { excludePath?: string },
  ): Promise<SearchResult[]> {
    const limit = options.limit ?? DEFAULT_LIMIT;
    const photos =
      options.kind === 'video'
        ? []
        : await searchByVector(this.searchContext(), vector, { ...options, kind: 'image' });
    const videos = options.kind === 'image' ? [] : await this.videoResults(vector, options);
    const dateOf = (r: SearchResult) => r.takenAt ?? 0;
    return [...photos, ...videos]
      .sort((a, b) => (options.sort === 'date' ? dateOf(b) - dateOf(a) : b.score - a.score))
      .slice(0, limit);
  }

  private async videoResults(
    vector: Float32Array,
    options: SearchOptions & { excludePath?: string },
  ): Promise<SearchResult[]> {
    const where = buildFilter({ ...options, kind: 'video' });
    const found = await findScenes(this.sceneSearch(), vector, where ? { where } : {});
    return found
      .filter(({ video }) => video.path !== options.excludePath)
      .flatMap(({ video, scenes }) => {
        const best = scenes[0];
        if (!best) return [];
        return [
          {
            path: video.path,
            kind: 'video' as const,
            score: best.score,
            start: best.start,
            end: best.end,
            duration: video.duration,
            takenAt: video.takenAt,
            width: video.width,
            height: video.height,
            thumbnail: best.thumbnail ?? video.thumbnail,
          },
        ];
      });
  }

  private sceneSearch(): SceneSearch {
    return {
      store: this.store,
      thumbnailsDir: this.thumbnailsDir,
      maxInterval: this.indexerSettings.maxFrameInterval,
      background: () => this.background(),
    };
  }

  async status(): Promise<LibraryStatus> {
    const rows = await this.store.listMedia();
    const failures = await this.store.listFailures();
    const count = (root: string, list: readonly { path: string }[]) =>
      list.filter((item) => item.path.startsWith(root + path.sep)).length;
    return {
      model: this.encoder.id,
      provider: this.encoder.provider,
      providerNotes: this.encoder.providerNotes,
      roots: this.settings.roots.map((root) => ({
        path: root,
        files: count(root, rows),
        failed: count(root, failures),
      })),
      images: rows.filter((row) => row.kind === 'image').length,
      videos: rows.filter((row) => row.kind === 'video').length,
      failed: failures.length,
    };
  }

  /** Forget a folder: its rows and failures go; its files are never touched. */
  async removeRoot(folder: string): Promise<void> {
    const root = path.resolve(folder);
    const under = (p: string) => p.startsWith(root + path.sep);
    // A root nested in another stays covered by the outer one: keep those rows.
    const covered = this.settings.roots.some(
      (other) => other !== root && (root + path.sep).startsWith(other + path.sep),
    );
    if (!covered) {
      const rows = await this.store.listMedia({ where: whereUnderFolder(root) });
      if (rows.length > 0) await this.store.deleteMedia(rows.map((row) => row.id));
      const failed = (await this.store.listFailures())
        .filter((f) => under(f.path))
        .map((f) => f.path);
      if (failed.length > 0) await this.store.clearFailures(failed);
    }
    await this.saveSettings({
      ...this.settings,
      roots: this.settings.roots.filter((r) => r !== root),
    });
    this.backgroundSample = null;
  }

  async failures(root?: string): Promise<FailedFile[]> {
    const all = await this.store.listFailures();
    const inside = root ? all.filter((f) => f.path.startsWith(path.resolve(root) + path.sep)) : all;
    return inside.map(({ path: p, root: r, code, error }) => ({ path: p, root: r, code, error }));
  }

  async close(): Promise<void> {
    try {
      await this.store.close();
      await this.encoder.close();
    } finally {
      this.writerLock?.release();
      this.writerLock = null;
    }
  }

  private searchContext(): SearchContext {
    return {
      store: this.store,
      embedTexts: (texts) => this.encoder.encodeTexts(texts),
      embedImageFile: (file) => this.embedImageFile(file),
      background: () => this.background(),
    };
  }

  /** A library file's stored vector, else the file decoded and encoded now. */
  private async embedImageFile(file: string): Promise<Float32Array> {
    const [row] = await this.store.listMedia({ where: `path = ${sqlString(file)}` });
    if (row) {
      const [vector] = await this.store.getVectors([row.id]);
      if (vector) return vector;
    }
    if (!existsSync(file)) throw new LanternError('NOT_FOUND', `The file ${file} does not exist.`);
    const tensor = new Float32Array(this.encoder.imageStride);
    await decodeImage(file, {
      preprocess: this.encoder.model.vision,
      target: tensor,
      offset: 0,
      maxPixels: this.indexerSettings.maxPixels,
    });
    const [vector] = await this.encoder.encodeImages(tensor, 1);
    if (!vector)
      throw new LanternError('INFERENCE_FAILED', `The model returned no vector for ${file}.`);
    return vector;
  }

  private async background(): Promise<Float32Array[]> {
    if (this.backgroundSample) return this.backgroundSample;
    const rows = await this.store.listMedia();
    // Evenly spaced rather than random, so the same library gives the same cut-off.
    const step = Math.max(1, rows.length / BACKGROUND_SAMPLE);
    const ids: string[] = [];
    for (let i = 0; i < rows.length && ids.length < BACKGROUND_SAMPLE; i += step) {
      const row = rows[Math.floor(i)];
      if (row) ids.push(row.id);
    }
    this.backgroundSample = await this.store.getVectors(ids);
    return this.backgroundSample;
  }

  private async saveSettings(settings: LibrarySettings): Promise<void> {
    if (this.access === 'read')
      throw new LanternError(
        'INTERNAL',
        `The library ${this.dbDir} was opened for reading only; open it for writing to change it.`,
      );
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
