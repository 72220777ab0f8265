/**
 * @file Files that must not hang, exhaust or stall the indexer (issue 7): symlinks to a
 * FIFO and to /dev/zero, a folder with a photo's name, a sparse file over the size
 * limit and a JPEG whose EXIF directories loop, beside ordinary photos. Each run of the
 * command line has a kill timer, so a hang fails the test instead of hanging the suite.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, open, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DEFAULT_MAX_FILE_BYTES,
  readMediaFile,
  assertRegularFile,
} from '../../native/image/index.js';
import sharp from 'sharp';
import { exifBombJpeg, loopingExifTiff, withPngExifChunk } from '../fixtures/exif-bomb.js';
import { CLIP, decode } from '../fixtures/images.js';
import { startLantern, type CliResult } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

/** Far above what a healthy run takes on a loaded machine, far below "forever". */
const KILL_AFTER_MS = 90_000;

/** Run the CLI; a run still going after KILL_AFTER_MS is killed and reported as hung. */
async function lanternWithin(args: string[]): Promise<CliResult & { hung: boolean }> {
  const { child, done } = startLantern(args);
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, KILL_AFTER_MS);
  try {
    return { ...(await done), hung };
  } finally {
    clearTimeout(timer);
  }
}

/** A rejection's code and message, or 'resolved'; the promise is raced against a kill timer. */
async function failureOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('hung')), 20_000);
  });
  try {
    await Promise.race([promise, hang]);
    return { message: 'resolved' };
  } catch (error) {
    return error as { code?: string; message: string };
  } finally {
    clearTimeout(timer);
  }
}

describe('hostile files', () => {
  let root: string;
  let outside: string;
  let db: string;
  let global: string[];
  const at = (name: string) => path.join(root, name);

  beforeAll(async () => {
    root = await tempDir('lantern-hostile-');
    outside = await tempDir('lantern-hostile-targets-');
    db = await tempDir();
    global = ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip'];
    await writePhoto(root, { colour: 'red' });
    await writePhoto(root, { colour: 'green' });
    await writePhoto(root, { colour: 'blue', format: 'png' });
    // The FIFO itself lives outside the root: only the link with a photo's name is seen.
    const fifo = path.join(outside, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await symlink(fifo, at('x.jpg'));
    await symlink('/dev/zero', at('y.jpg'));
    await mkdir(at('z.jpg'));
    // Sparse: one byte over the limit costs no disk.
    const huge = await open(at('huge.jpg'), 'w');
    await huge.truncate(DEFAULT_MAX_FILE_BYTES + 1);
    await huge.close();
    await writeFile(at('bomb.jpg'), await exifBombJpeg());
  });

  afterAll(async () => {
    await removeDir(root);
    await removeDir(outside);
    await removeDir(db);
  });

  it(
    'indexing finishes, indexes the good photos and records each bad file with its reason',
    { timeout: KILL_AFTER_MS + 30_000 },
    async () => {
      const result = await lanternWithin(['index', root, ...global, '--json']);
      expect(result.hung).toBe(false);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as {
        indexed: number;
        failed: { path: string; error: string }[];
      };
      expect(report.indexed).toBe(3);
      const reasons = Object.fromEntries(
        report.failed.map((f) => [path.basename(f.path), f.error]),
      );
      expect(reasons['x.jpg']).toMatch(/is not a regular file \(a FIFO\)/);
      expect(reasons['y.jpg']).toMatch(/is not a regular file \(a character device\)/);
      expect(reasons['huge.jpg']).toMatch(/over the limit of 1024 MiB/);
      expect(reasons['bomb.jpg']).toMatch(/malformed EXIF block/);
      // A folder named like a photo is a folder: scanned into, never read as a file.
      expect(reasons['z.jpg']).toBeUndefined();
      expect(Object.keys(reasons).sort()).toEqual(['bomb.jpg', 'huge.jpg', 'x.jpg', 'y.jpg']);
    },
  );

  it.each([
    ['x.jpg', /is not a regular file \(a FIFO\)/],
    ['y.jpg', /is not a regular file \(a character device\)/],
    ['z.jpg', /is not a regular file \(a folder\)/],
    ['bomb.jpg', /malformed EXIF block/],
  ])(
    'lantern similar %s answers with a clear error',
    { timeout: KILL_AFTER_MS + 30_000 },
    async (name, reason) => {
      const result = await lanternWithin(['similar', at(name), ...global, '--json']);
      expect(result.hung).toBe(false);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(reason);
    },
  );

  it('readMediaFile refuses what is not a regular file and what is over the limit', async () => {
    expect(await failureOf(readMediaFile(at('x.jpg')))).toMatchObject({
      code: 'READ_FAILED',
      message: 'x.jpg is not a regular file (a FIFO); Lantern only reads regular files.',
    });
    expect(await failureOf(readMediaFile(at('y.jpg')))).toMatchObject({ code: 'READ_FAILED' });
    expect(await failureOf(readMediaFile(at('z.jpg')))).toMatchObject({ code: 'READ_FAILED' });
    expect(await failureOf(readMediaFile(at('huge.jpg')))).toMatchObject({ code: 'TOO_LARGE' });
    expect(await failureOf(readMediaFile(at('red.jpg'), { maxBytes: 10 }))).toMatchObject({
      code: 'TOO_LARGE',
    });
    expect(await failureOf(assertRegularFile(at('x.jpg')))).toMatchObject({
      code: 'READ_FAILED',
    });
    expect((await readMediaFile(at('red.jpg'))).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });
});

describe('decodeImage: EXIF guard and time budget', () => {
  it('refuses a PNG whose eXIf directories loop, before the decoder reads them', async () => {
    const png = await sharp({
      create: { width: 16, height: 16, channels: 3, background: { r: 0, g: 0, b: 255 } },
    })
      .png()
      .toBuffer();
    const bomb = withPngExifChunk(png, loopingExifTiff(150));
    expect(await failureOf(decode(bomb, { name: 'bomb.png' }))).toMatchObject({
      code: 'DECODE_FAILED',
      message: expect.stringMatching(/^bomb\.png has a malformed EXIF block/) as string,
    });
  });

  it("abandons a decode over its budget and never writes the caller's tensor", async () => {
    // 12 MP of PNG: no shrink-on-load, so the decode takes far longer than 1 ms anywhere.
    const png = await sharp({
      create: { width: 4000, height: 3000, channels: 3, background: { r: 9, g: 99, b: 199 } },
    })
      .png()
      .toBuffer();
    const target = new Float32Array(3 * CLIP.size * CLIP.size).fill(7);
    expect(await failureOf(decode(png, { name: 'slow.png', target, timeoutMs: 1 }))).toMatchObject({
      code: 'DECODE_FAILED',
      message: expect.stringMatching(
        /^slow\.png took longer than 0\.001 s to decode; skipped/,
      ) as string,
    });
    // Let the abandoned decode finish (sharp counts its tasks), then look at the slot.
    while (sharp.counters().queue + sharp.counters().process > 0)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(target.every((value) => value === 7)).toBe(true);
  });
});
