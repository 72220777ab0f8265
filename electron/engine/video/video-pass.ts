/**
 * @file The indexer's video pass (engine): after the photos, each new or changed video is
 * probed, sampled and embedded (index-videos.ts), a moved video keeps its frames under
 * its new id, and every write follows [Note: resumable indexing]: frames first, the
 * media row last.
 */
import { mediaIdFor, type LibraryStore, type MediaRow } from '../../../native/store/index.js';
import type { FfmpegTools } from '../../../native/ffmpeg/index.js';
import type { ClipEncoder } from '../clip/encoder.js';
import { isGone, type ScannedFile } from '../indexer/scan.js';
import type { PauseGate } from '../util/pause-gate.js';
import { indexVideo, videoFingerprint } from './index-videos.js';

export interface VideoPassContext {
  store: LibraryStore;
  encoder: ClipEncoder;
  /** The ffmpeg to use, or the sentence saying why there is none. */
  ffmpeg: FfmpegTools | string;
  thumbnailsDir: string;
  thumbnailSize: number;
  batchSize: number;
  maxInterval: number;
  /** Intra-op threads of the image encoder for the videos' frames ([Note: a video pass uses every core]). */
  inferenceThreads?: number;
  /** Rows whose file was not found, by content hash (indexer.ts): a match is a move. */
  vanished: { take(hash: string): { id: string } | undefined };
  signal?: AbortSignal;
  pause?: PauseGate;
  onIndexed: (row: MediaRow) => void;
  onMoved: (row: MediaRow) => void;
  onFailed: (file: ScannedFile, code: string, message: string) => void;
  onProgress: (file: string, seconds: number, finished: boolean) => void;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'DECODE_FAILED';
}

export async function runVideoPass(
  videos: readonly ScannedFile[],
  context: VideoPassContext,
): Promise<void> {
  const { store, encoder, signal } = context;
  for (const file of videos) {
    await context.pause?.wait(signal);
    if (signal?.aborted) return;
    if (typeof context.ffmpeg === 'string') {
      context.onFailed(file, 'NOT_FOUND', context.ffmpeg);
      context.onProgress(file.path, 0, true);
      continue;
    }
    try {
      const hash = await videoFingerprint(file.path, file.size);
      const id = mediaIdFor(file.path);
      const moved = context.vanished.take(hash);
      if (moved) {
        const [from] = await store.getRows([moved.id]);
        if (from) {
          const frames = await store.frames.ofVideo(from.id);
          await store.frames.upsert(frames.map((frame) => ({ ...frame, videoId: id })));
          const row: MediaRow = {
            ...from,
            id,
            path: file.path,
            root: file.root,
            size: file.size,
            mtime: file.mtime,
          };
          await store.upsertMedia([row]);
          await store.deleteMedia([from.id]);
          await store.frames.deleteVideos([from.id]);
          context.onMoved(row);
          context.onProgress(file.path, 0, true);
          continue;
        }
      }
      // [Note: a video pass uses every core] The photos' pass runs the image encoder on
      // onnxruntime's own choice of threads, one core's worth here, beside the decodes
      // that pace it ([Note: onnxruntime's own thread count] in native/onnx/session.ts).
      // A video's frames come from ffmpeg at a fraction of a photo decode's cost (2.4
      // CPU-s for the 164 frames of the bench's 5-minute 1080p video), so the encoder
      // paces them and the second core sat mostly idle: the 5 minutes indexed in 13.1 s
      // with the cores 65 % busy (ffmpeg counted). The video pass asks for every core
      // (Library's default; a count the library was opened with stays): 8.4 s, 93 % busy,
      // the same vectors (video-threads.test.ts). It reloads an image encoder the photos'
      // pass loaded, once; the next photos' pass goes back to the photos' count.
      if (context.inferenceThreads !== undefined)
        await encoder.useImageThreads(context.inferenceThreads);
      const { row, frames } = await indexVideo(file, hash, id, {
        encoder,
        ffmpeg: context.ffmpeg,
        thumbnailsDir: context.thumbnailsDir,
        thumbnailSize: context.thumbnailSize,
        batchSize: context.batchSize,
        maxInterval: context.maxInterval,
        ...(signal ? { signal } : {}),
        ...(context.pause ? { pause: context.pause } : {}),
        onSeconds: (seconds, current) => context.onProgress(current, seconds, false),
      });
      if (signal?.aborted) return;
      // [Note: no row for a file gone meanwhile] (indexer.ts): sampling takes a while.
      if (await isGone(file.path)) {
        context.onProgress(file.path, 0, true);
        continue;
      }
      // Frames of an earlier version of this file go first; the media row comes last.
      await store.frames.deleteVideos([id]);
      await store.frames.upsert(frames);
      await store.upsertMedia([row]);
      context.onIndexed(row);
    } catch (error) {
      if (signal?.aborted) return;
      context.onFailed(file, codeOf(error), error instanceof Error ? error.message : String(error));
    }
    context.onProgress(file.path, 0, true);
  }
}
