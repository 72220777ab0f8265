/**
 * @file The indexing engine's levers, as behaviour (never speed): onnxruntime's
 * spin-waiting is off in every session's options, an index run tunes libvips (one
 * thread per decode, no cache), the photo pipeline encodes the next batch while the
 * previous one is being written, and video sampling runs ahead into a second buffer
 * while the encoder works, with frames and vectors exactly as one buffer gave them.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClipEncoder } from '../../electron/engine/clip/encoder.js';
import { embedPhotos, type DecodedPhoto } from '../../electron/engine/indexer/embed-pipeline.js';
import type { ScannedFile } from '../../electron/engine/indexer/scan.js';
import { indexVideo } from '../../electron/engine/video/index-videos.js';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';
import type { ImagePreprocessOptions } from '../../native/image/index.js';
import { ortOptions } from '../../native/onnx/session.js';
import { writePhoto } from '../fixtures/photos.js';
import { openToyLibrary, removeDir, tempDir } from '../fixtures/library.js';
import { writeColourVideo } from '../fixtures/videos.js';

const PRE: ImagePreprocessOptions = {
  size: 8,
  resize: 'shortest-crop',
  interpolation: 'bicubic',
  rescale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
};
const STRIDE = 3 * PRE.size * PRE.size;

/** A resolvable gate: the test decides when an awaited step may finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * A stand-in encoder whose vector of each image is its tensor's mean: the rows tell
 * which pixels they came from. `hold(call)` keeps a call waiting until the test lets go.
 */
function fakeEncoder(hold: (call: number) => Promise<void> = () => Promise.resolve()) {
  const log: string[] = [];
  let calls = 0;
  const encoder = {
    id: 'fake',
    dim: 1,
    imageStride: STRIDE,
    model: { vision: PRE },
    prepareImages: () => undefined,
    async encodeImages(batch: Float32Array, count: number): Promise<Float32Array[]> {
      const call = ++calls;
      // Read now, as the real encoder copies the batch when it posts it to its thread.
      const vectors = Array.from({ length: count }, (_, i) => {
        let sum = 0;
        for (let j = 0; j < STRIDE; j++) sum += batch[i * STRIDE + j]!;
        return Float32Array.of(sum / STRIDE);
      });
      log.push(`encode ${call} start`);
      await hold(call);
      log.push(`encode ${call} end`);
      return vectors;
    },
  };
  return { encoder: encoder as unknown as ClipEncoder, log };
}

describe('session options', () => {
  it('turns onnxruntime spin-waiting off, on the CPU and beside GPU providers', () => {
    for (const provider of ['cpu', 'cuda'] as const) {
      expect(ortOptions({}, provider).extra).toMatchObject({
        session: { intra_op: { allow_spinning: '0' } },
      });
    }
  });

  it('skips pre-packing on the CPU only ([Note: no pre-packing])', () => {
    const session = (provider: 'cpu' | 'cuda') =>
      (ortOptions({}, provider).extra as { session: Record<string, unknown> }).session;
    expect(session('cpu')['disable_prepacking']).toBe('1');
    expect(session('cuda')['disable_prepacking']).toBeUndefined();
  });

  it('plans no memory pattern on the CPU ([Note: no memory pattern]) and DirectML', () => {
    for (const provider of ['cpu', 'dml'] as const)
      expect(ortOptions({}, provider).enableMemPattern).toBe(false);
    // Unmeasured GPU providers keep onnxruntime's default.
    expect(ortOptions({}, 'cuda').enableMemPattern).toBeUndefined();
  });
});

describe('photo pipeline', () => {
  /** Batches of two photos decoded two at a time, with small thumbnails. */
  const SMALL_BATCHES = { thumbnailSize: 32, maxPixels: 1e8, batchSize: 2, decodeConcurrency: 2 };
  let root: string;
  let db: string;
  let files: ScannedFile[];

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    files = [];
    for (const colour of ['red', 'green', 'blue', 'yellow'] as const) {
      const file = await writePhoto(root, { colour });
      const info = await stat(file);
      files.push({ path: file, root, kind: 'image', size: info.size, mtime: info.mtimeMs });
    }
  });
  afterAll(async () => {
    await removeDir(root);
    await removeDir(db);
  });

  it('an index run tunes libvips: one thread per decode, no operation cache', async () => {
    const library = await openToyLibrary(db);
    try {
      await library.index([root]);
    } finally {
      await library.close();
    }
    expect(sharp.concurrency()).toBe(1);
    const cache = sharp.cache();
    expect(cache.items.max).toBe(0);
    expect(cache.files.max).toBe(0);
  });

  it('encodes the next batch while the previous one is being written, in order', async () => {
    const { encoder, log } = fakeEncoder();
    const firstWrite = gate();
    const written: string[][] = [];
    const thumbnailsDir = await tempDir();
    let writes = 0;
    const pipeline = embedPhotos(files, {
      encoder,
      thumbnailsDir,
      ...SMALL_BATCHES,
      onEmbedded: async (items: DecodedPhoto[]) => {
        const call = ++writes;
        log.push(`write ${call} start`);
        if (call === 1) await firstWrite.opened;
        written.push(items.map((item) => path.basename(item.file.path)));
        log.push(`write ${call} end`);
      },
      onSkipped: () => Promise.resolve(),
      onFailed: (file, code) => Promise.reject(new Error(`${file.path}: ${code}`)),
    });
    // The second batch's encode starts while the first batch's write is still held.
    await expect.poll(() => log.includes('encode 2 end')).toBe(true);
    expect(log).not.toContain('write 1 end');
    expect(log).not.toContain('write 2 start');
    firstWrite.open();
    await pipeline;
    await removeDir(thumbnailsDir);
    expect(log.indexOf('write 2 start')).toBeGreaterThan(log.indexOf('write 1 end'));
    expect(written).toEqual([
      ['red.jpg', 'green.jpg'],
      ['blue.jpg', 'yellow.jpg'],
    ]);
  });

  it('starts the next batch decoding while a photo of the batch before is still held', async () => {
    // [Note: decodes run on across batches]: green (2nd of batch 1) is held in its
    // onSkipped; blue (1st of batch 2) takes the free decode slot meanwhile. Were batches
    // decoded one after another, blue would wait for green, and the test would see that
    // after the held second.
    const { encoder } = fakeEncoder();
    const held = gate();
    const seen: string[] = [];
    const thumbnailsDir = await tempDir();
    const written: string[][] = [];
    const pipeline = embedPhotos(files, {
      encoder,
      thumbnailsDir,
      ...SMALL_BATCHES,
      needsEmbedding: (file) => {
        seen.push(path.basename(file.path));
        return path.basename(file.path) !== 'green.jpg';
      },
      onSkipped: () => held.opened,
      onEmbedded: (items: DecodedPhoto[]) => {
        written.push(items.map((item) => path.basename(item.file.path)));
        return Promise.resolve();
      },
      onFailed: (file, code) => Promise.reject(new Error(`${file.path}: ${code}`)),
    });
    const deadline = Date.now() + 5000;
    while (!seen.includes('blue.jpg') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const blueSeen = seen.includes('blue.jpg');
    held.open();
    await pipeline;
    await removeDir(thumbnailsDir);
    expect(blueSeen).toBe(true);
    // Batches still reach the encoder whole and in order.
    expect(written).toEqual([['red.jpg'], ['blue.jpg', 'yellow.jpg']]);
  });
});

describe('video indexing', () => {
  let dir: string;
  let video: ScannedFile;

  beforeAll(async () => {
    dir = await tempDir();
    const ff = await locateFfmpeg();
    const made = await writeColourVideo(dir, ff, {
      name: 'stretches',
      stretches: [
        { colour: 'red', seconds: 2 },
        { colour: 'green', seconds: 2 },
        { colour: 'blue', seconds: 2 },
        { colour: 'yellow', seconds: 2 },
      ],
    });
    const info = await stat(made.path);
    video = { path: made.path, root: dir, kind: 'video', size: info.size, mtime: info.mtimeMs };
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  async function index(encoder: ClipEncoder, batchSize: number, onSeconds?: () => void) {
    const ff = await locateFfmpeg();
    return indexVideo(video, 'hash', 'video-id', {
      encoder,
      ffmpeg: ff,
      thumbnailsDir: path.join(dir, `thumbs-${batchSize}`),
      thumbnailSize: 32,
      batchSize,
      maxInterval: 0.5,
      ...(onSeconds ? { onSeconds } : {}),
    });
  }

  it('samples ahead while a batch encodes, with frames and rows as one at a time gives', async () => {
    const held = gate();
    const { encoder, log } = fakeEncoder((call) => (call === 1 ? held.opened : Promise.resolve()));
    let sampledDuringEncode = 0;
    const running = index(encoder, 2, () => {
      if (log.includes('encode 1 start') && !log.includes('encode 1 end')) sampledDuringEncode++;
    });
    // Frames 3 and 4 fill the second buffer while the first batch is still encoding.
    await expect.poll(() => sampledDuringEncode).toBeGreaterThanOrEqual(2);
    expect(log).not.toContain('encode 2 start');
    held.open();
    const overlapped = await running;

    const serial = await index(fakeEncoder().encoder, 1);
    expect(overlapped.frames.length).toBeGreaterThan(4);
    const times = overlapped.frames.map((frame) => frame.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(overlapped.frames).toEqual(serial.frames);
    expect({ ...overlapped.row, thumbnail: null }).toEqual({ ...serial.row, thumbnail: null });
  });
});
