/**
 * @file The photo indexer (engine): scans roots, works out what changed since the last
 * run, embeds what is new or modified, carries moved files over without re-embedding,
 * removes what is gone, and records what could not be read.
 *
 * [Note: resumable indexing] Rows are written in batches with idempotent upserts keyed
 * by the file's id, and removals happen only at the end of a complete run. A run killed
 * at any moment therefore leaves rows that are each either absent or complete; the next
 * run sees the written files as unchanged (same path, size, mtime and model) and
 * finishes the rest, reaching the same rows as an uninterrupted run.
 */
import path from 'node:path';
import type { LibraryStore, MediaRow, VanishedFile } from '../../../native/store/index.js';
import { mediaIdFor } from '../../../native/store/index.js';
import type { FailedFile, IndexProgress, IndexReport, MediaKind } from '../../shared/types.js';
import type { ClipEncoder } from '../clip/encoder.js';
import { embedPhotos, type DecodedPhoto } from './embed-pipeline.js';
import type { PauseGate } from '../util/pause-gate.js';
import { ProgressMeter } from './progress.js';
import { runVideoPass } from '../video/video-pass.js';
import type { FfmpegTools } from '../../../native/ffmpeg/index.js';
import { isGone, scanRoot, type ScannedFile, type ScanProblem } from './scan.js';
import { isAtOrInsideFolder, isInsideFolder } from '../library-folders.js';
import { KeywordRecorder } from '../tags/keywords-at-index.js';
import { configureImageDecoding } from '../../../native/image/index.js';

export interface IndexerSettings {
  /**
   * The ffmpeg for videos, or the sentence saying why there is none; asked for only when
   * the run has a video to index (looking runs `ffmpeg -version` and `ffprobe -version`).
   */
  ffmpeg: () => Promise<FfmpegTools | string>;
  /** Longest gap between two sampled video frames, seconds (default 2). */
  maxFrameInterval: number;
  thumbnailsDir: string;
  thumbnailSize: number;
  /** Decompression-bomb guard; 100 MP covers every camera sold today (sharp's default is 268 MP). */
  maxPixels: number;
  batchSize: number;
  decodeConcurrency: number;
  /**
   * Intra-op threads of the image encoder while videos are embedded; unset: as for photos
   * ([Note: a video pass uses every core] in video/video-pass.ts).
   */
  videoInferenceThreads?: number | undefined;
  /** Longest wait before decoded rows are written, ms (default WRITE_INTERVAL_MS). */
  writeIntervalMs?: number;
}

export interface IndexRunOptions {
  signal?: AbortSignal;
  pause?: PauseGate;
  onProgress?: (progress: IndexProgress) => void;
  /**
   * Folders inside the roots to re-scan instead of the whole roots (the watcher's batches,
   * engine/watch): files elsewhere are left as they are, and rows keep their root.
   */
  within?: readonly string[];
}

/**
 * libvips' settings for indexing, applied once per process (they are process-wide).
 * One libvips thread per decode: the pipeline runs decodeConcurrency decodes at once
 * beside onnxruntime, so libvips' default of a thread pool per image (one per core;
 * sharp lowers it to 1 only where it detects glibc) oversubscribes the cores. No
 * operation cache: an indexer sees each photo once, so the cache only holds memory and
 * open files. See configureImageDecoding in native/image.
 */
let imageDecodingTuned = false;
export function tuneImageDecoding(): void {
  if (imageDecodingTuned) return;
  configureImageDecoding({ concurrency: 1, cache: false });
  imageDecodingTuned = true;
}

/**
 * Rows are flushed once this many are waiting or this long has passed, bounding what a
 * crash can cost while keeping LanceDB's versions (one per write) few.
 */
const WRITE_BATCH_ROWS = 256;
const WRITE_INTERVAL_MS = 1000;

/**
 * [Note: no row for a file gone meanwhile]
 * A row waits up to WRITE_INTERVAL_MS between its photo's decode and its write. A file
 * moved to the trash from Duplicates in that time (a changed photo being indexed again
 * still has its old row, so it can be chosen) had its row deleted by the trash, and the
 * write would bring it back: a tile for a file that is not there until the next run. So the
 * rows of files no longer there are dropped at the write (an asynchronous check per row: a
 * library on a network drive must not stall the engine's thread). A video's row waits for
 * the sampling of the whole video, so the video pass checks its file the same way.
 */
async function stillThere(rows: MediaRow[]): Promise<{ there: MediaRow[]; gone: MediaRow[] }> {
  const gone = await Promise.all(rows.map((row) => isGone(row.path)));
  return {
    there: rows.filter((_, i) => !gone[i]),
    gone: rows.filter((_, i) => gone[i]),
  };
}

export async function indexRoots(
  store: LibraryStore,
  encoder: ClipEncoder,
  roots: readonly string[],
  settings: IndexerSettings,
  options: IndexRunOptions = {},
): Promise<IndexReport> {
  const { signal, onProgress } = options;
  tuneImageDecoding();
  const absoluteRoots = roots.map((root) => path.resolve(root));
  onProgress?.({
    phase: 'scanning',
    done: 0,
    total: 0,
    rate: 0,
    etaSeconds: null,
    currentFile: null,
  });

  const kinds = new Set<MediaKind>(['image', 'video']);
  const scanned: ScannedFile[] = [];
  const unreadable: ScanProblem[] = [];
  const irregular: ScanProblem[] = [];
  const links: ScanProblem[] = [];
  const scopes = scanScopes(absoluteRoots, options.within);
  for (const { root, folder } of scopes) {
    const result = await scanRoot(folder, { kinds, ...(signal ? { signal } : {}) });
    scanned.push(...result.files.map((file) => ({ ...file, root })));
    unreadable.push(...result.unreadable);
    irregular.push(...result.irregular);
    links.push(...result.unreachableLinks);
  }
  const inRoots = (file: string) => scopes.some(({ folder }) => isInsideFolder(file, folder));
  // [Note: an index run's view of the library] in native/store/stored-files.ts.
  const existing = await store.listFiles(inRoots);
  // A link that cannot be followed is an unreadable folder (or file) when the library
  // holds something under it; a stray dangling link is nobody's business.
  for (const link of links)
    if (existing.some((row) => isAtOrInsideFolder(row.path, link.path))) unreadable.push(link);
  // [Note: nothing is deleted on an absence of evidence] in scan.ts.
  const offline = (file: string) =>
    unreadable.some((problem) => isAtOrInsideFolder(file, problem.path));

  const existingByPath = new Map(existing.map((row) => [row.path, row]));
  const scannedPaths = new Set(scanned.map((file) => file.path));

  const report: IndexReport = {
    indexed: 0,
    unchanged: 0,
    removed: 0,
    moved: 0,
    failed: [],
    offline: unreadable.map(({ path: p, error }) => ({ path: p, error })),
    cancelled: false,
  };
  const toProcess: ScannedFile[] = [];
  const photos: ScannedFile[] = [];
  const videos: ScannedFile[] = [];
  for (const file of scanned) {
    const row = existingByPath.get(file.path);
    if (row && row.size === file.size && row.mtime === file.mtime && row.model === encoder.id)
      report.unchanged++;
    else {
      toProcess.push(file);
      (file.kind === 'video' ? videos : photos).push(file);
    }
  }
  // Rows whose file is gone: moved (same content elsewhere) or deleted. Several rows can
  // share a hash (identical copies), so each hash keeps all of them; rows under a folder
  // that could not be read are not gone, only offline.
  const vanished = new VanishedRows();
  const notFound = new Set<string>();
  for (const row of existing)
    if (!scannedPaths.has(row.path) && !offline(row.path)) notFound.add(row.path);
  for (const row of await store.listVanished(notFound)) vanished.add(row);
  const pendingMoves = new Map<string, VanishedFile>();

  const pendingRows: MediaRow[] = [];
  // A moved file's old row goes only after its new row is written (resumable indexing).
  const pendingMoveDeletes: string[] = [];
  const failures: FailedFile[] = [];
  // A photo's own keywords become 'keyword' tags (engine/tags/keywords-at-index.ts).
  const keywords = new KeywordRecorder(store);
  let lastFlush = performance.now();
  const flush = async () => {
    lastFlush = performance.now();
    // Keywords before their media rows: a crash between leaves rows to index again, whose
    // keywords are then written again (idempotent), never rows whose keywords are lost.
    await keywords.flush();
    const rows = await stillThere(pendingRows.splice(0));
    for (const row of rows.gone) {
      if (pendingMoves.has(row.path)) report.moved--;
      else report.indexed--;
    }
    if (rows.there.length > 0) await store.upsertMedia(rows.there);
    if (pendingMoveDeletes.length > 0) await store.deleteMedia(pendingMoveDeletes.splice(0));
  };
  let videoSecondsDone = 0;
  const meter = new ProgressMeter(toProcess.length, (p) =>
    onProgress?.(videoSecondsDone > 0 ? { ...p, videoSecondsDone } : p),
  );
  const fail = (file: ScannedFile, code: string, message: string) => {
    failures.push({ path: file.path, root: file.root, code, error: message });
    report.failed.push({ path: file.path, error: message });
    meter.advance(1, file.path);
  };

  // Photos run on the encoder's own thread count again after a run with videos ([Note: a
  // video pass uses every core]); an encoder loaded with another is loaded again on use.
  if (photos.length > 0) await encoder.useImageThreads(undefined);
  await embedPhotos(photos, {
    encoder,
    thumbnailsDir: settings.thumbnailsDir,
    thumbnailSize: settings.thumbnailSize,
    maxPixels: settings.maxPixels,
    batchSize: settings.batchSize,
    decodeConcurrency: settings.decodeConcurrency,
    ...(signal ? { signal } : {}),
    ...(options.pause ? { pause: options.pause } : {}),
    needsEmbedding: (file, hash) => {
      const from = vanished.take(hash);
      if (!from) return true;
      pendingMoves.set(file.path, from);
      return false;
    },
    onSkipped: async (file) => {
      const moved = pendingMoves.get(file.path);
      if (!moved) return;
      const [from] = await store.getRows([moved.id]);
      if (!from) return;
      pendingRows.push({ ...from, ...fileFields(file) });
      pendingMoveDeletes.push(from.id);
      report.moved++;
      meter.advance(1, file.path);
    },
    onEmbedded: async (items: DecodedPhoto[], vectors: Float32Array[]) => {
      items.forEach((item, i) => {
        const vector = vectors[i];
        if (vector) pendingRows.push(rowFor(item, vector, encoder.id));
      });
      keywords.add(items.map((item) => ({ path: item.file.path, hash: item.hash })));
      report.indexed += items.length;
      if (
        pendingRows.length >= WRITE_BATCH_ROWS ||
        performance.now() - lastFlush >= (settings.writeIntervalMs ?? WRITE_INTERVAL_MS)
      ) {
        await flush();
      }
      meter.advance(items.length, items.at(-1)?.file.path ?? null);
    },
    onFailed: async (file, code, message) => {
      fail(file, code, message);
      await Promise.resolve();
    },
  });
  await flush();
  // Ends ExifTool if a sidecar started it; on an error, the engine's shutdown ends it.
  await keywords.finish();

  await runVideoPass(videos, {
    store,
    encoder,
    // A run of photos alone starts no ffmpeg process.
    ffmpeg: videos.length > 0 ? await settings.ffmpeg() : 'no video in this run',
    thumbnailsDir: settings.thumbnailsDir,
    thumbnailSize: settings.thumbnailSize,
    batchSize: settings.batchSize,
    maxInterval: settings.maxFrameInterval,
    ...(settings.videoInferenceThreads !== undefined
      ? { inferenceThreads: settings.videoInferenceThreads }
      : {}),
    vanished,
    ...(signal ? { signal } : {}),
    ...(options.pause ? { pause: options.pause } : {}),
    onIndexed: () => report.indexed++,
    onMoved: () => report.moved++,
    onFailed: fail,
    onProgress: (file, seconds, finished) => {
      videoSecondsDone += seconds;
      meter.advance(finished ? 1 : 0, file, false);
    },
  });
  onProgress?.(meter.snapshot(null, 'finishing'));

  if (signal?.aborted) {
    report.cancelled = true;
    return report;
  }
  const gone = vanished.remaining().map((row) => row.id);
  if (gone.length > 0) {
    await store.deleteMedia(gone);
    await store.frames.deleteVideos(gone);
  }
  report.removed = gone.length;

  // Failures are current after a complete run: clear the old ones under these roots,
  // except under folders that could not be read this time (nothing is known there).
  for (const problem of irregular) {
    const root = absoluteRoots.find((r) => isInsideFolder(problem.path, r)) ?? '';
    failures.push({ path: problem.path, root, code: problem.code, error: problem.error });
    report.failed.push({ path: problem.path, error: problem.error });
  }
  for (const problem of unreadable) {
    const root = absoluteRoots.find((r) => isAtOrInsideFolder(problem.path, r)) ?? '';
    failures.push({ path: problem.path, root, code: problem.code, error: problem.error });
  }
  const oldFailures = (await store.listFailures())
    .filter(
      (f) => scopes.some(({ folder }) => isAtOrInsideFolder(f.path, folder)) && !offline(f.path),
    )
    .map((f) => f.path);
  await store.clearFailures(oldFailures);
  await store.recordFailures(failures);
  return report;
}

/** The folders to scan, each with the root its files belong to (`within` or the roots). */
function scanScopes(
  roots: readonly string[],
  within: readonly string[] | undefined,
): { root: string; folder: string }[] {
  if (!within) return roots.map((root) => ({ root, folder: root }));
  return within.flatMap((folder) => {
    const absolute = path.resolve(folder);
    const root = roots.find((r) => isAtOrInsideFolder(absolute, r));
    return root ? [{ root, folder: absolute }] : [];
  });
}

/** Rows whose file was not found, by content hash; identical copies share a hash. */
class VanishedRows {
  private readonly byHash = new Map<string, VanishedFile[]>();

  add(row: VanishedFile): void {
    const list = this.byHash.get(row.hash);
    if (list) list.push(row);
    else this.byHash.set(row.hash, [row]);
  }

  /** One row with this hash, removed from the set (a file that moved), or undefined. */
  take(hash: string): VanishedFile | undefined {
    const list = this.byHash.get(hash);
    const row = list?.shift();
    if (list?.length === 0) this.byHash.delete(hash);
    return row;
  }

  /** Every row not taken: files that are gone. */
  remaining(): VanishedFile[] {
    return [...this.byHash.values()].flat();
  }
}

function fileFields(file: ScannedFile) {
  return {
    id: mediaIdFor(file.path),
    path: file.path,
    root: file.root,
    size: file.size,
    mtime: file.mtime,
  };
}

function rowFor(item: DecodedPhoto, vector: Float32Array, model: string): MediaRow {
  const exif = item.info.exif;
  return {
    ...fileFields(item.file),
    kind: 'image',
    hash: item.hash,
    width: item.info.width,
    height: item.info.height,
    takenAt: exif?.takenAt ?? null,
    duration: null,
    thumbnail: item.thumbnail,
    camera: exif?.camera ?? null,
    lat: exif?.lat ?? null,
    lon: exif?.lon ?? null,
    model,
    vector,
  };
}
