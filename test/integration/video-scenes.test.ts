/**
 * @file Video end to end on the toy models: generated videos of coloured stretches are
 * indexed (frames sampled by ffmpeg, embedded by the toy CLIP, stored in LanceDB), then
 * `scenes "blue"` finds the blue stretch within one sampling interval, videos appear in
 * ordinary search with their time range, clips are cut and read back by ffprobe, and
 * bad files are recorded with their reasons. Through the engine and the command line.
 */
import { copyFile, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { locateFfmpeg, probeVideo, type FfmpegTools } from '../../native/ffmpeg/index.js';
import { lantern } from '../fixtures/cli.js';
import { openToyLibrary, removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import {
  writeAudioOnly,
  writeColourVideo,
  writeTruncatedCopy,
  type ColourVideo,
} from '../fixtures/videos.js';

const INTERVAL = 2;

describe('video scenes', () => {
  let root: string;
  let db: string;
  let out: string;
  let ff: FfmpegTools;
  let library: Library;
  let mp4: ColourVideo;
  let webm: ColourVideo;
  let avi: ColourVideo;

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    out = await tempDir();
    ff = await locateFfmpeg();
    // Blue from 4 s to 9 s: boundaries that fall between regular samples.
    mp4 = await writeColourVideo(root, ff, {
      name: 'street',
      stretches: [
        { colour: 'red', seconds: 4 },
        { colour: 'blue', seconds: 5 },
        { colour: 'green', seconds: 5 },
      ],
      audio: true,
    });
    webm = await writeColourVideo(root, ff, {
      name: 'garden',
      codec: 'vp9',
      stretches: [
        { colour: 'yellow', seconds: 3 },
        { colour: 'purple', seconds: 3 },
      ],
    });
    avi = await writeColourVideo(root, ff, {
      name: 'old-camera',
      codec: 'mjpeg',
      stretches: [
        { colour: 'white', seconds: 3 },
        { colour: 'orange', seconds: 3 },
      ],
    });
    await writeTruncatedCopy(mp4.path, path.join(root, 'broken.mp4'));
    await writeAudioOnly(root, ff);
    await writePhoto(root, { colour: 'blue', name: 'blue-photo.jpg' });
    library = await openToyLibrary(db);
    const report = await library.index([root]);
    expect(report.indexed).toBe(4);
    expect(report.failed.map((f) => path.basename(f.path)).sort()).toHaveLength(2);
  }, 180_000);

  /** The temporary library on the toy models, as command-line options. */
  const libraryArgs = () => ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip'];

  afterAll(async () => {
    await library.close();
    for (const dir of [root, db, out]) await removeDir(dir);
  });

  it('finds the blue stretch within one sampling interval', async () => {
    const [scene] = await library.scenes('blue', { video: mp4.path });
    expect(scene).toBeDefined();
    expect(Math.abs((scene?.start ?? 0) - 4)).toBeLessThanOrEqual(INTERVAL);
    expect(Math.abs((scene?.end ?? 0) - 9)).toBeLessThanOrEqual(INTERVAL);
    expect(scene?.peak).toBeGreaterThanOrEqual(4);
    expect(scene?.peak).toBeLessThanOrEqual(9);
  });

  it('ends the blue scene at the cut to green, not a moment into the green shot', async () => {
    // A keyframe every second puts samples on both cuts (4 s, 9 s): the scene is exactly
    // the blue shot, to within a frame (1/25 s); a ¼ s pad showed red before and green after.
    const [scene] = await library.scenes('blue', { video: mp4.path });
    expect(Math.abs((scene?.start ?? 0) - 4)).toBeLessThan(0.04);
    expect(Math.abs((scene?.end ?? 0) - 9)).toBeLessThan(0.04);
  });

  it('finds scenes across the library in every container', async () => {
    const purple = await library.scenes('purple');
    expect(purple[0]?.path).toBe(webm.path);
    expect(Math.abs((purple[0]?.start ?? 0) - 3)).toBeLessThanOrEqual(INTERVAL);
    const orange = await library.scenes('orange');
    expect(orange[0]?.path).toBe(avi.path);
  });

  it('puts videos into ordinary search results with their time range', async () => {
    const results = await library.search('blue', { noCutoff: true, limit: 20 });
    const video = results.find((r) => r.kind === 'video');
    expect(video).toMatchObject({ path: mp4.path, kind: 'video' });
    expect(Math.abs((video?.start ?? 0) - 4)).toBeLessThanOrEqual(INTERVAL);
    expect(results.some((r) => r.path.endsWith('blue-photo.jpg'))).toBe(true);
    expect(await library.search('blue', { kind: 'image' })).not.toContainEqual(
      expect.objectContaining({ kind: 'video' }),
    );
  });

  it('records why the truncated and the audio-only files failed', async () => {
    const failed = await library.failures();
    const reasons = new Map(failed.map((f) => [path.basename(f.path), f.error]));
    expect([...reasons.keys()].sort()).toEqual(['broken.mp4', 'voice.mp4']);
    expect(reasons.get('broken.mp4')).toMatch(/truncated|incomplete|damaged|cut short|end/i);
    expect([...reasons.values()].join(' ')).toMatch(/audio/i);
  });

  it('keeps a moved video without sampling it again', async () => {
    await mkdir(path.join(root, 'moved'), { recursive: true });
    const target = path.join(root, 'moved', 'garden.webm');
    await rename(webm.path, target);
    const report = await library.index([root]);
    expect(report).toMatchObject({ moved: 1, indexed: 0 });
    expect((await library.scenes('purple'))[0]?.path).toBe(target);
    await rename(target, webm.path);
    await library.index([root]);
  });

  it('cuts an accurate clip whose duration ffprobe confirms', async () => {
    const result = await lantern([
      'cut',
      mp4.path,
      '--start',
      '4',
      '--end',
      '9',
      '--out',
      path.join(out, 'blue.mp4'),
      '--mode',
      'accurate',
      '--json',
      ...libraryArgs(),
    ]);
    expect(result.stderr).toBe('');
    const clip = JSON.parse(result.stdout) as {
      out: string;
      start: number;
      end: number;
      duration: number;
    };
    expect(clip.out).toBe(path.join(out, 'blue.mp4'));
    const probe = await probeVideo(clip.out, ff);
    expect(Math.abs(probe.duration - 5)).toBeLessThanOrEqual(0.1);
    // Never over an existing file without --overwrite.
    const again = await lantern([
      'cut',
      mp4.path,
      '--start',
      '4',
      '--end',
      '9',
      '--out',
      clip.out,
      ...libraryArgs(),
    ]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('cuts a fast clip and reports where it really starts and ends', async () => {
    const result = await lantern([
      'cut',
      mp4.path,
      '--start',
      '4.5',
      '--end',
      '8',
      '--out',
      path.join(out, 'fast.mp4'),
      '--mode',
      'fast',
      '--json',
      ...libraryArgs(),
    ]);
    const clip = JSON.parse(result.stdout) as {
      out: string;
      start: number;
      end: number;
      duration: number;
    };
    expect(clip.start).toBeLessThanOrEqual(4.5);
    const probe = await probeVideo(clip.out, ff);
    expect(Math.abs(probe.duration - (clip.end - clip.start))).toBeLessThanOrEqual(0.1);
    expect(Math.abs(clip.duration - probe.duration)).toBeLessThanOrEqual(0.05);
  });

  it('lists scenes and exports them from the command line', async () => {
    const args = [...libraryArgs(), '--json'];
    const listed = await lantern(['scenes', 'blue', ...args]);
    const { scenes } = JSON.parse(listed.stdout) as {
      scenes: { path: string; start: number; end: number; score: number }[];
    };
    expect(scenes[0]).toMatchObject({ path: mp4.path });
    const exportDir = path.join(out, 'export');
    const exported = await lantern([
      'scenes',
      'blue',
      '--video',
      mp4.path,
      '--export',
      exportDir,
      '--mode',
      'accurate',
      ...args,
    ]);
    expect(exported.code).toBe(0);
    const { clips } = JSON.parse(exported.stdout) as { clips: { out: string; duration: number }[] };
    expect(clips.length).toBeGreaterThan(0);
    for (const clip of clips) {
      expect(path.dirname(clip.out)).toBe(exportDir);
      expect(path.basename(clip.out)).toMatch(/^street .*\.mp4$/);
      expect((await probeVideo(clip.out, ff)).duration).toBeGreaterThan(0);
    }
    await copyFile(clips[0]?.out ?? '', path.join(out, 'copy.mp4'));
  });
});
