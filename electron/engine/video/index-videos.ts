/**
 * @file Video indexing (engine): probe → sample frames (scene changes plus a maximum
 * interval, raw RGB from ffmpeg, no temporary files) → the same batched CLIP encoder as
 * photos → one `frames` row per sample and one `media` row per video (poster, duration,
 * summary vector). A video's frames are written before its media row, so a video with a
 * media row is complete ([Note: resumable indexing] in indexer/indexer.ts).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import {
  probeVideo,
  sampleFrames,
  type FfmpegTools,
  type VideoProbe,
} from '../../../native/ffmpeg/index.js';
import { assertRegularFile, preprocessRaw } from '../../../native/image/index.js';
import type { FrameRow, MediaRow } from '../../../native/store/index.js';
import type { ClipEncoder } from '../clip/encoder.js';
import type { PauseGate } from '../util/pause-gate.js';
import { normalize } from '../util/vectors.js';
import type { ScannedFile } from '../indexer/scan.js';

export interface VideoIndexOptions {
  encoder: ClipEncoder;
  ffmpeg: FfmpegTools;
  thumbnailsDir: string;
  thumbnailSize: number;
  batchSize: number;
  /** Longest gap between two sampled frames, seconds (scene changes add more). */
  maxInterval: number;
  signal?: AbortSignal;
  pause?: PauseGate;
  onSeconds?: (seconds: number, file: string) => void;
}

export interface IndexedVideo {
  row: MediaRow;
  frames: FrameRow[];
}

/** Bytes read from each end of a video for its fingerprint. */
const FINGERPRINT_BYTES = 1 << 20;
/** Side of sampled frames: enough for a 224 model input after its centre crop. */
const SAMPLE_SHORT_SIDE = 256;
/** Frames whose mean brightness is below this (0..255) do not make a poster. */
const DARK_FRAME = 24;

/**
 * A content fingerprint for a video: SHA-256 of its size and its first and last MiB.
 * Hashing every byte of a many-gigabyte video on each scan would cost more than
 * indexing it; size plus both ends tells a moved file from a different one in practice.
 */
export async function videoFingerprint(file: string, size: number): Promise<string> {
  // Opening a FIFO for reading blocks until a writer appears: check the type first.
  await assertRegularFile(file);
  const handle = await open(file, 'r');
  try {
    const hash = createHash('sha256').update(`lantern-video-v1:${size}:`);
    const head = Buffer.alloc(Math.min(FINGERPRINT_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    hash.update(head);
    if (size > FINGERPRINT_BYTES) {
      const tail = Buffer.alloc(Math.min(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES));
      await handle.read(tail, 0, tail.length, size - tail.length);
      hash.update(tail);
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

export function frameThumbnailPath(dir: string, hash: string, t: number): string {
  return path.join(dir, 'frames', hash.slice(0, 2), hash, `${Math.round(t * 1000)}.webp`);
}

function meanBrightness(rgb: Buffer): number {
  let sum = 0;
  // Every 7th byte: a cheap, unbiased sample of all three channels.
  let count = 0;
  for (let i = 0; i < rgb.length; i += 7) {
    sum += rgb[i] ?? 0;
    count++;
  }
  return count === 0 ? 0 : sum / count;
}

/** Sample, embed and describe one video. Throws the adapters' coded errors. */
export async function indexVideo(
  file: ScannedFile,
  hash: string,
  id: string,
  options: VideoIndexOptions,
): Promise<IndexedVideo> {
  const { encoder, batchSize, signal } = options;
  encoder.prepareImages(); // loads while ffmpeg probes and samples ([Note: each encoder loads on first use])
  const probe: VideoProbe = await probeVideo(file.path, options.ffmpeg, signal ? { signal } : {});
  const stride = encoder.imageStride;
  // [Note: sampling runs ahead of the encoder] Two batch buffers: ffmpeg and the
  // preprocessing fill one while the encoder works on the other, so both cores stay busy
  // (with one buffer, sampling stopped for every encode). Encodes run one at a time, in
  // order, so the frames come out in time order as before.
  const buffers = [new Float32Array(batchSize * stride), new Float32Array(batchSize * stride)];
  let filling = 0;
  let pending: { t: number }[] = [];
  const frames: FrameRow[] = [];
  let poster: { path: string; brightness: number } | null = null;
  let reported = 0;
  let encoding: Promise<void> = Promise.resolve();

  const flush = async () => {
    // The previous batch is encoded, so its buffer (the next one to fill) is free.
    await encoding;
    if (pending.length === 0) return;
    const times = pending;
    const batch = buffers[filling]!;
    pending = [];
    filling = 1 - filling;
    encoding = encoder.encodeImages(batch, times.length).then((vectors) => {
      times.forEach((frame, i) => {
        const vector = vectors[i];
        if (vector) frames.push({ videoId: id, t: frame.t, vector });
      });
    });
    // Awaited at the next flush; this only keeps a failure seen while sampling goes on
    // from being reported as unhandled.
    encoding.catch(() => undefined);
  };

  try {
    for await (const frame of sampleFrames(file.path, options.ffmpeg, {
      maxInterval: options.maxInterval,
      shortSide: SAMPLE_SHORT_SIDE,
      probe,
      ...(signal ? { signal } : {}),
    })) {
      await options.pause?.wait(signal);
      const thumbnail = frameThumbnailPath(options.thumbnailsDir, hash, frame.t);
      await preprocessRaw(frame.rgb, frame.width, frame.height, {
        preprocess: encoder.model.vision,
        target: buffers[filling]!,
        offset: pending.length * stride,
        poster: { path: thumbnail, size: options.thumbnailSize },
        name: `${path.basename(file.path)} at ${frame.t.toFixed(1)} s`,
      });
      const brightness = meanBrightness(frame.rgb);
      // The first frame bright enough, else the brightest: never a black poster.
      if (!poster || (poster.brightness < DARK_FRAME && brightness > poster.brightness)) {
        poster = { path: thumbnail, brightness };
      }
      pending.push({ t: frame.t });
      if (pending.length === batchSize) await flush();
      options.onSeconds?.(frame.t - reported, file.path);
      reported = frame.t;
    }
    await flush();
    await encoding;
  } finally {
    // Sampling failed or was cancelled: the encode in flight still ends before we return.
    await encoding.catch(() => undefined);
  }
  options.onSeconds?.(Math.max(0, probe.duration - reported), file.path);

  const summary = new Float32Array(encoder.dim);
  for (const frame of frames)
    for (let i = 0; i < summary.length; i++)
      summary[i] = (summary[i] ?? 0) + (frame.vector[i] ?? 0);
  const row: MediaRow = {
    id,
    path: file.path,
    root: file.root,
    kind: 'video',
    size: file.size,
    mtime: file.mtime,
    hash,
    width: probe.displayWidth,
    height: probe.displayHeight,
    takenAt: probe.capturedAt,
    duration: probe.duration,
    thumbnail: poster?.path ?? null,
    camera: null,
    lat: probe.location?.lat ?? null,
    lon: probe.location?.lon ?? null,
    model: encoder.id,
    vector: normalize(summary),
  };
  return { row, frames };
}
