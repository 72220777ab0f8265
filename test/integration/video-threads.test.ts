/**
 * @file The image encoder's thread count across an index run's passes ([Note: a video pass
 * uses every core] in engine/video/video-pass.ts): videos' frames are encoded on the
 * threads the indexer asks for, photos on the encoder's own count again, a count the
 * library was opened with is kept, and the vectors do not depend on it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';
import { writePhoto } from '../fixtures/photos.js';
import { writeColourVideo } from '../fixtures/videos.js';
import { openToyLibrary, removeDir, tempDir } from '../fixtures/library.js';

const VIDEO = {
  name: 'clip',
  stretches: [
    { colour: 'red' as const, seconds: 2 },
    { colour: 'blue' as const, seconds: 2 },
  ],
};

describe('the image encoder on a video pass', () => {
  let root: string;
  let dirs: string[];
  let libraries: Library[];

  beforeEach(async () => {
    root = await tempDir();
    dirs = [root];
    libraries = [];
  });

  afterEach(async () => {
    for (const library of libraries) await library.close();
    for (const dir of dirs) await removeDir(dir);
  });

  const open = async (extra: Parameters<typeof openToyLibrary>[1]) => {
    const db = await tempDir();
    dirs.push(db);
    const library = await openToyLibrary(db, extra);
    libraries.push(library);
    return library;
  };

  it('runs on the threads the indexer asks for, and photos on their own count after', async () => {
    const library = await open({ indexer: { videoInferenceThreads: 2 } });
    await writePhoto(root, { colour: 'green' });
    expect(await library.index([root])).toMatchObject({ indexed: 1, failed: [] });
    // The photos' encoder: onnxruntime's own choice.
    expect(await library.encoder.imageEncoderThreads()).toBeUndefined();

    await writeColourVideo(root, await locateFfmpeg(), VIDEO);
    expect(await library.index([root])).toMatchObject({ indexed: 1, unchanged: 1, failed: [] });
    expect(await library.encoder.imageEncoderThreads()).toBe(2);
    // The frames were encoded by the reloaded encoder, and right: the red scene is found.
    const scenes = await library.scenes('red');
    expect(scenes[0]?.start).toBeLessThan(2);

    await writePhoto(root, { colour: 'yellow' });
    expect(await library.index([root])).toMatchObject({ indexed: 1, unchanged: 2, failed: [] });
    expect(await library.encoder.imageEncoderThreads()).toBeUndefined();
  });

  it('lets an encode under way finish on the old count, and one asked after the change use the new', async () => {
    const library = await open({});
    const encoder = library.encoder;
    const image = new Float32Array(encoder.imageStride).fill(0.5);
    const [expected] = await encoder.encodeImages(image, 1);
    // An encode that has its side, then the change: it finishes on the old thread, which
    // stops once it is done.
    const before = encoder.encodeImages(image, 1);
    const toTwo = encoder.useImageThreads(2);
    const [first] = await Promise.all([before, toTwo]);
    expect([...first[0]!]).toEqual([...expected!]);
    // The change, then an encode waiting for the same side: the encode loads the new one.
    await encoder.encodeImages(image, 1);
    expect(await encoder.imageEncoderThreads()).toBe(2);
    const toOne = encoder.useImageThreads(1);
    const after = encoder.encodeImages(image, 1);
    const [, second] = await Promise.all([toOne, after]);
    expect([...second[0]!]).toEqual([...expected!]);
    expect(await encoder.imageEncoderThreads()).toBe(1);
  });

  it('keeps the thread count the library was opened with', async () => {
    const library = await open({ intraOpThreads: 1, indexer: { videoInferenceThreads: 2 } });
    await writePhoto(root, { colour: 'green' });
    await writeColourVideo(root, await locateFfmpeg(), VIDEO);
    expect(await library.index([root])).toMatchObject({ indexed: 2, failed: [] });
    expect(await library.encoder.imageEncoderThreads()).toBe(1);
  });

  it('gives the same vectors whatever the thread count', async () => {
    await writeColourVideo(root, await locateFfmpeg(), VIDEO);
    const vectors: number[][] = [];
    for (const threads of [1, 2]) {
      const library = await open({ indexer: { videoInferenceThreads: threads } });
      expect(await library.index([root])).toMatchObject({ indexed: 1, failed: [] });
      expect(await library.encoder.imageEncoderThreads()).toBe(threads);
      const [row] = await library.store.listMedia();
      const frames = await library.store.frames.ofVideo(row!.id);
      vectors.push(frames.flatMap((frame) => [...frame.vector]));
    }
    expect(vectors[0]!.length).toBeGreaterThan(0);
    expect(vectors[1]!.length).toBe(vectors[0]!.length);
    vectors[1]!.forEach((value, i) => expect(value).toBeCloseTo(vectors[0]![i]!, 5));
  });
});
