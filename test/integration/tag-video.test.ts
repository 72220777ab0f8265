/**
 * @file Videos tagged from their frames, on toy-clip-gap (real CLIP's score shape): a
 * video red for 4 s then blue for 5 s, among real photos and a coloured photo, gets both
 * colour tags, each with the time range of its own stretch (within one sampling
 * interval) and not the other's; a photo's tags carry no ranges; an accepted video tag
 * keeps its state and gets its ranges back from a re-run; a video without frames falls
 * back to its media vector; tags:ofFiles and `lantern tag --json` answer the ranges.
 * Real ffmpeg, encoder, store, service and command line.
 */
import { execFile } from 'node:child_process';
import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { tagsOfFiles } from '../../electron/engine/tags/library-tags.js';
import {
  decideTags,
  type DecidableTag,
  type TagCalibration,
} from '../../electron/engine/tags/decide.js';
import { learnLibraryTag } from '../../electron/engine/tags/learned-tags.js';
import { libraryVocabulary } from '../../electron/engine/tags/library-vocabulary.js';
import { tagFolders } from '../../electron/engine/tags/tag-folders.js';
import { tagFrames } from '../../electron/engine/tags/video-tags.js';
import type { FileTag, FileTags } from '../../electron/shared/types.js';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';
import type { FrameRow } from '../../native/store/index.js';
import { lantern } from '../fixtures/cli.js';
import { openGapLibrary, removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import { writeColourVideo, type ColourVideo } from '../fixtures/videos.js';

const REAL = '/usr/share/backgrounds/mate/nature';
/** A keyframe every second (the fixture's default GOP): the video is sampled every 1 s. */
const INTERVAL = 1;
const RED_END = 4;
const BLUE_END = 9;

describe('tagging videos from their frames', () => {
  let root: string;
  let db: string;
  let library: Library | null = null;
  let video: ColourVideo;
  let solid: ColourVideo;
  let redPhoto: string;

  beforeAll(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    const ff = await locateFfmpeg();
    video = await writeColourVideo(root, ff, {
      name: 'red-then-blue',
      stretches: [
        { colour: 'red', seconds: RED_END },
        { colour: 'blue', seconds: BLUE_END - RED_END },
      ],
    });
    solid = await writeColourVideo(root, ff, {
      name: 'all-green',
      stretches: [{ colour: 'green', seconds: 3 }],
    });
    redPhoto = await writePhoto(root, { colour: 'red', name: 'red-photo.jpg' });
    // Real photos around them: the background each tag is calibrated against.
    for (const name of (await readdir(REAL)).filter((n) => n.endsWith('.jpg')).slice(0, 10))
      await copyFile(path.join(REAL, name), path.join(root, name));
    library = await openGapLibrary(db);
    const report = await library.index([root]);
    expect(report.failed).toEqual([]);
  }, 180_000);

  afterAll(async () => {
    await library?.close();
    await removeDir(root);
    await removeDir(db);
  });

  const open = () => library!;
  async function tagsOf(file: string): Promise<FileTag[]> {
    const media = await open().store.listMedia();
    const [tags] = await tagsOfFiles(
      open().store,
      await libraryVocabulary(db),
      media.filter((row) => row.path === file),
    );
    return tags?.tags ?? [];
  }
  const tagRun = async () => tagFolders(open(), await libraryVocabulary(db), null);
  const find = (tags: FileTag[], id: string) => tags.find((tag) => tag.tag === id);

  it('gives a red-then-blue video both colour tags with the range of each stretch, a photo none', async () => {
    await tagRun();
    const tags = await tagsOf(video.path);
    const red = find(tags, 'colours/red');
    const blue = find(tags, 'colours/blue');
    expect(red?.state).toBe('suggested');
    expect(blue?.state).toBe('suggested');
    // One range each, covering its stretch to within one sampling interval...
    expect(red?.ranges).toHaveLength(1);
    expect(blue?.ranges).toHaveLength(1);
    const [redStart, redEnd] = red!.ranges![0]!;
    const [blueStart, blueEnd] = blue!.ranges![0]!;
    expect(redStart).toBeLessThanOrEqual(INTERVAL);
    expect(Math.abs(redEnd - RED_END)).toBeLessThanOrEqual(INTERVAL);
    expect(Math.abs(blueStart - RED_END)).toBeLessThanOrEqual(INTERVAL);
    expect(Math.abs(blueEnd - BLUE_END)).toBeLessThanOrEqual(INTERVAL);
    // ...and not reaching into the other colour's stretch further than that.
    expect(redEnd).toBeLessThanOrEqual(RED_END + INTERVAL);
    expect(blueStart).toBeGreaterThanOrEqual(RED_END - INTERVAL);
    // The mean of red and blue frames is no colour the video shows: only red and blue.
    expect(
      tags
        .filter((tag) => tag.tag.startsWith('colours/'))
        .map((tag) => tag.tag)
        .sort(),
    ).toEqual(['colours/blue', 'colours/red']);
    // A photo is decided by its own vector, and has no timeline.
    const photo = await tagsOf(redPhoto);
    expect(find(photo, 'colours/red')).toBeDefined();
    for (const tag of photo) expect(tag.ranges).toBeUndefined();
  });

  it('refreshes the ranges of an accepted video tag on a re-run and keeps it accepted', async () => {
    const [media] = await open()
      .store.listMedia({ where: `kind = 'video'` })
      .then((rows) => rows.filter((row) => row.path === video.path));
    await open().store.tags.setState([media!.hash], 'colours/blue', 'accepted');
    // Stale ranges, as a run with another model or sampling would have left them.
    await open().store.tags.suggest([
      { hash: media!.hash, tag: 'colours/blue', score: 0.3, ranges: [[0, 1]] },
    ]);
    expect(find(await tagsOf(video.path), 'colours/blue')).toMatchObject({
      state: 'accepted',
      ranges: [[0, 1]],
    });
    await tagRun();
    const blue = find(await tagsOf(video.path), 'colours/blue');
    expect(blue?.state).toBe('accepted');
    expect(Math.abs((blue?.ranges?.[0]?.[0] ?? 0) - RED_END)).toBeLessThanOrEqual(INTERVAL);
    expect(Math.abs((blue?.ranges?.[0]?.[1] ?? 0) - BLUE_END)).toBeLessThanOrEqual(INTERVAL);
  });

  it('answers the ranges through tags:ofFiles and lantern tag --json', async () => {
    await open().close();
    library = null;
    const service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip-gap',
    });
    try {
      const answer = await service.invoke('tags:ofFiles', { paths: [video.path, redPhoto] });
      if (!answer.ok) throw new Error(JSON.stringify(answer.error));
      const [ofVideo, ofPhoto] = answer.value as FileTags[];
      expect(find(ofVideo!.tags, 'colours/red')?.ranges?.[0]?.[0]).toBeLessThanOrEqual(INTERVAL);
      expect(find(ofPhoto!.tags, 'colours/red')?.ranges).toBeUndefined();
    } finally {
      await service.close();
    }
    const global = ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip-gap'];
    const json = await lantern(['tag', root, ...global, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const files = (JSON.parse(json.stdout) as { files: FileTags[] }).files;
    const red = find(files.find((file) => file.path === video.path)!.tags, 'colours/red');
    expect(red?.ranges).toHaveLength(1);
    expect(red!.ranges![0]![1]).toBeLessThanOrEqual(RED_END + INTERVAL);
  }, 120_000);

  it('falls back to the media vector for a video without frames, with no ranges', async () => {
    library = await openGapLibrary(db);
    const [green] = (await open().store.listMedia()).filter((row) => row.path === solid.path);
    expect(find(await tagsOf(solid.path), 'colours/green')?.ranges).toHaveLength(1);
    // As a video indexed before frames existed.
    await open().store.frames.deleteVideos([green!.id]);
    await tagRun();
    const tags = await tagsOf(solid.path);
    expect(find(tags, 'colours/green')).toBeDefined();
    for (const tag of tags) expect(tag.ranges).toBeUndefined();
  }, 60_000);

  it('gives a learned tag the stretch of a video where it holds', async () => {
    // Examples: a red photo and two stills taken from the red stretch (a JPEG and a PNG:
    // different contents), as a person might have of a clip.
    const ff = await locateFfmpeg();
    const stills = ['still-1.jpg', 'still-2.png'].map((name) => path.join(root, name));
    for (const [i, still] of stills.entries())
      await promisify(execFile)(ff.ffmpeg, [
        ...['-v', 'error', '-y', '-ss', String(i + 1), '-i', video.path],
        ...['-frames:v', '1', still],
      ]);
    const examples = [redPhoto, ...stills];
    await open().index([root]);
    const answer = await learnLibraryTag(open().store, db, open().encoder.id, {
      name: 'Reddish',
      examples,
      negatives: [],
    });
    expect(answer.suggested.map((file) => file.path)).toContain(video.path);
    const learned = find(await tagsOf(video.path), 'learned/reddish');
    expect(learned?.state).toBe('suggested');
    // The red stretch only: the blue frames do not pass the learned tag.
    expect(learned?.ranges).toHaveLength(1);
    const [start, end] = learned!.ranges![0]!;
    expect(start).toBeLessThanOrEqual(INTERVAL);
    expect(Math.abs(end - RED_END)).toBeLessThanOrEqual(INTERVAL);
  }, 120_000);
});

describe('tagFrames: frames where a tag holds become ranges', () => {
  const tag: DecidableTag = {
    id: 'a',
    category: 'c',
    exclusive: false,
    vector: Float32Array.of(1, 0),
  };
  const calibrations = new Map<string, TagCalibration>([
    ['a', { threshold: 0.5, median: 0, spread: 0.1, offset: 0 }],
  ]);
  /** One frame a second; `pattern[i]` says whether the tag holds on the frame at i s. */
  const frames = (pattern: string): FrameRow[] =>
    [...pattern].map((c, t) => ({
      videoId: 'v',
      t,
      vector: c === '#' ? Float32Array.of(1, 0) : Float32Array.of(0, 1),
    }));
  const ranges = (pattern: string, duration: number) =>
    tagFrames(frames(pattern), duration, (v) => decideTags(v, [tag], calibrations))[0]?.ranges;

  it('merges consecutive frames, each covering its interval, and bridges one missed frame only', () => {
    expect(ranges('.###.....', 9)).toEqual([[1, 4]]);
    expect(ranges('.##.##...', 9)).toEqual([[1, 6]]);
    expect(ranges('.##..##..', 9)).toEqual([
      [1, 3],
      [5, 7],
    ]);
    expect(ranges('.........', 9)).toBeUndefined();
  });

  it('keeps a range one frame long at least, and ends the last one at the video end', () => {
    expect(ranges('....#....', 9)).toEqual([[4, 5]]);
    expect(ranges('.......##', 9)).toEqual([[7, 9]]);
    // The last sample at the very end (a duration probed short) still counts one interval.
    expect(ranges('........#', 8)).toEqual([[8, 9]]);
  });

  it('scores a video tag by its best frame', () => {
    const video = frames('.##');
    video[1]!.vector = Float32Array.of(0.6, 0.8);
    video[2]!.vector = Float32Array.of(0.9, Math.sqrt(1 - 0.81));
    expect(tagFrames(video, 3, (v) => decideTags(v, [tag], calibrations))[0]?.score).toBeCloseTo(
      0.9,
      4,
    );
  });
});
