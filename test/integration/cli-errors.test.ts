/**
 * @file The `lantern` command line where things go wrong (issue 7, "CLI details"): each
 * error is one sentence that blames the right thing, names stay inert on a terminal, the
 * process exits after every error, and `lantern cut` needs no model and no library.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';
import { lantern, startLantern, type CliResult } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import { writeColourVideo, type ColourVideo } from '../fixtures/videos.js';

let work: string;
/** A model folder with nothing in it: what a machine that never downloaded one has. */
let noModels: string;
/** 12 s, a keyframe every 2 s. */
let video: ColourVideo;

beforeAll(async () => {
  work = await tempDir();
  noModels = path.join(work, 'no-models');
  await mkdir(noModels);
  video = await writeColourVideo(path.join(work, 'videos'), await locateFfmpeg(), {
    name: 'holiday',
    gop: 50,
    stretches: [
      { colour: 'red', seconds: 6 },
      { colour: 'green', seconds: 6 },
    ],
  });
});

afterAll(async () => {
  await removeDir(work);
});

/** The error is one line on stderr, says `pattern`, and the exit is `code`. */
function expectOneSentence(result: CliResult, pattern: RegExp, code = 2): void {
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^lantern: /);
  expect(result.stderr).toMatch(pattern);
  expect(result.code).toBe(code);
}

describe('lantern cut without a model or a library', () => {
  it('cuts with an empty model folder and a fresh --db, and creates no library', async () => {
    const db = path.join(work, 'never-made-db');
    const out = path.join(work, 'cut', 'first.mp4');
    const result = await lantern([
      'cut',
      video.path,
      ...['--start', '3', '--end', '5', '--out', out],
      ...['--models', noModels, '--db', db, '--json'],
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const clip = JSON.parse(result.stdout) as { out: string; start: number; end: number };
    expect(clip.out).toBe(out);
    expect(clip.start).toBeCloseTo(2, 3); // the keyframe before 3 s
    expect((await stat(out)).size).toBeGreaterThan(0);
    await expect(stat(db)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('lantern cut errors blame the right thing', () => {
  const cut = (out: string, ...more: string[]) =>
    lantern(['cut', video.path, '--start', '1', '--end', '2', '--out', out, ...more]);

  it('a bad --out extension is about the extension, listing the allowed ones', async () => {
    const result = await cut(path.join(work, 'out', 'clip.txt'));
    expectOneSentence(result, /\.txt.*extension.*\.mp4, .*\.mkv/);
    expect(result.stderr).not.toMatch(/holiday|could not be read|not a video file/);
  });

  it('an output folder that cannot be made is about the output folder', async () => {
    await writeFile(path.join(work, 'a-file'), 'not a folder');
    const result = await cut(path.join(work, 'a-file', 'clip.mp4'));
    expectOneSentence(result, /output folder .*a-file/, 1);
    expect(result.stderr).not.toMatch(/holiday|could not be read/);
  });

  it('a range past the end names the real duration', async () => {
    const result = await lantern([
      'cut',
      video.path,
      ...['--start', '500', '--end', '502', '--out', path.join(work, 'late.mp4')],
    ]);
    expectOneSentence(result, /500–502 s.*the video is 12 s long/);
  });

  it('an existing output names --overwrite', async () => {
    const out = path.join(work, 'exists.mp4');
    await writeFile(out, 'precious');
    expectOneSentence(await cut(out), /already exists.*--overwrite/);
  });

  it('--overwrite onto a folder is refused and leaves no partial file', async () => {
    const parent = path.join(work, 'onto');
    await mkdir(path.join(parent, 'taken.mp4'), { recursive: true });
    const result = await cut(path.join(parent, 'taken.mp4'), '--overwrite');
    expectOneSentence(result, /is a folder/);
    expect(await readdir(parent)).toEqual(['taken.mp4']);
  });

  it('control characters in a file name are escaped, never sent to the terminal', async () => {
    const name = 'evil\x1b[31mred\nlantern: forged line.mp4';
    const result = await lantern([
      'cut',
      path.join(work, name),
      ...['--start', '1', '--end', '2', '--out', path.join(work, 'evil-out.mp4')],
    ]);
    expectOneSentence(result, /evil\\x1b\[31mred\\nlantern: forged line\.mp4/, 1);
    expect(result.stderr).not.toContain('\x1b');
  });
});

describe('lantern index refuses what is not a folder, before any model loads', () => {
  // An empty model folder: had a model been loaded, the error would be the missing model.
  it('refuses a file, naming the folder that holds it', async () => {
    const photo = await writePhoto(path.join(work, 'photos'), { colour: 'red' });
    const result = await lantern(['index', photo, '--models', noModels, '--db', work]);
    expectOneSentence(result, /is a file, not a folder: give the folder that holds it/);
    expect(result.stderr).toContain(path.join(work, 'photos'));
  });

  it('refuses an empty folder name', async () => {
    const result = await lantern(['index', '', '--models', noModels, '--db', work]);
    expectOneSentence(result, /empty folder name/);
  });
});

describe('every error path exits', () => {
  const exitsWithOneSentence = async (db: string): Promise<CliResult> => {
    const run = startLantern([
      'search',
      'red',
      ...['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip'],
    ]);
    // Bounded, not timed: generous for a loaded machine, and the test fails (rather than
    // hangs) when the process never exits.
    const killer = setTimeout(() => run.child.kill('SIGKILL'), 45_000);
    const result = await run.done.finally(() => clearTimeout(killer));
    expect(result.signal).toBeNull();
    expect(result.code).not.toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^lantern: /);
    return result;
  };

  it('says plainly when the store folder is a file', async () => {
    const db = path.join(work, 'broken-db');
    await mkdir(db);
    await writeFile(path.join(db, 'store'), 'a file where the store folder should be');
    const result = await exitsWithOneSentence(db);
    expect(result.stderr).toMatch(/should be the library's database folder but is a file/);
  });

  it('exits with one sentence when the library store cannot be opened after the model loaded', async () => {
    // The model's table exists but is not a LanceDB table at all: found only when the store
    // opens it, after the model has loaded (its inference thread must be closed again).
    const db = path.join(work, 'garbage-table-db');
    const digest = createHash('sha256').update('toy-clip', 'utf8').digest('hex').slice(0, 8);
    const versions = path.join(db, 'store', `media-toy-clip-${digest}.lance`, '_versions');
    await mkdir(versions, { recursive: true });
    await writeFile(path.join(versions, '1.manifest'), 'not a manifest');
    const result = await exitsWithOneSentence(db);
    expect(result.stderr).toMatch(/library database/);
    // What could not be repaired was put back as it was.
    expect(await readdir(versions)).toContain('1.manifest');
  });
});
