/**
 * @file Integration tests of finding ffmpeg and probing videos (native/ffmpeg) with the
 * real binaries on generated videos in a temporary folder. Runs under vitest in plain
 * Node.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg, probeVideo, unpackedPath } from '../../native/ffmpeg/index.js';
import type { FfmpegTools, VideoProbe } from '../../native/ffmpeg/index.js';
import {
  clockwiseRotation,
  parseCaptureTime,
  parseClock,
  parseLocation,
  parseRational,
} from '../../native/ffmpeg/probe-json.js';
import {
  writeAudioOnly,
  writeColourVideo,
  writeNotMedia,
  writeRotatedVideo,
  writeTruncatedCopy,
  writeVfrVideo,
} from '../fixtures/videos.js';
import type { VideoCodec } from '../fixtures/videos.js';

let dir = '';
let ff: FfmpegTools;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-probe-'));
  ff = await locateFfmpeg();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The code of the VideoError a promise rejects with, or 'resolved'. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => String((error as { code?: unknown }).code),
  );
}

describe('locateFfmpeg', () => {
  it('finds a working ffmpeg and ffprobe and says which and where from', () => {
    expect(['bundled', 'system', 'configured']).toContain(ff.source);
    expect(ff.version).toMatch(/\S/);
    expect(path.basename(ff.ffmpeg)).toMatch(/^ffmpeg/);
    expect(path.basename(ff.ffprobe)).toMatch(/^ffprobe/);
  });

  it('takes a configured path first, with ffprobe beside it', async () => {
    const configured = await locateFfmpeg({
      env: { LANTERN_FFMPEG: ff.ffmpeg, LANTERN_FFPROBE: ff.ffprobe },
    });
    expect(configured).toMatchObject({
      source: 'configured',
      ffmpeg: ff.ffmpeg,
      version: ff.version,
    });
  });

  it('a configured path that does not run is FFMPEG_MISSING, not a silent fallback', async () => {
    const missing = path.join(dir, 'no-such-ffmpeg');
    const error = await locateFfmpeg({ ffmpeg: missing }).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'FFMPEG_MISSING' });
    expect((error as Error).message).toContain(missing);
  });

  it('with nothing bundled and nothing on PATH it says what to install', async () => {
    const error = await locateFfmpeg({ bundled: false, env: { PATH: dir } }).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ code: 'FFMPEG_MISSING' });
    expect((error as Error).message).toMatch(/install ffmpeg/);
  });

  it('points binaries inside app.asar at app.asar.unpacked', () => {
    const inside = path.join('/opt/Lantern/resources/app.asar/node_modules/x/ffmpeg');
    expect(unpackedPath(inside)).toBe(
      path.join('/opt/Lantern/resources/app.asar.unpacked/node_modules/x/ffmpeg'),
    );
    expect(unpackedPath('/usr/bin/ffmpeg')).toBe('/usr/bin/ffmpeg');
  });
});

describe('probeVideo: containers and codecs', () => {
  const cases: [VideoCodec, string][] = [
    ['h264', 'mp4'],
    ['vp9', 'webm'],
    ['mjpeg', 'avi'],
    ['mpeg4', 'avi'],
  ];
  it.each(cases)(
    '%s in %s: duration, frame rate, size, codecs, audio',
    async (codec, container) => {
      const video = await writeColourVideo(dir, ff, {
        name: `probe-${codec}`,
        codec,
        audio: true,
        stretches: [
          { colour: 'red', seconds: 1.5 },
          { colour: 'blue', seconds: 1.5 },
        ],
      });
      const probe = await probeVideo(video.path, ff);
      expect(Math.abs(probe.duration - 3)).toBeLessThanOrEqual(0.1);
      expect(probe).toMatchObject({
        frameRate: 25,
        variableFrameRate: false,
        width: 320,
        height: 240,
        displayWidth: 320,
        displayHeight: 240,
        rotation: 0,
        videoCodec: codec,
        hasAudio: true,
      } satisfies Partial<VideoProbe>);
      expect(probe.container).toContain(container);
      expect(probe.audioCodec).toBe(
        { h264: 'aac', vp9: 'opus', mjpeg: 'pcm_s16le', mpeg4: 'mp3' }[codec],
      );
      expect(probe.streams.map((s) => s.type)).toEqual(['video', 'audio']);
    },
  );

  it('reads when and where a video was shot from its container tags', async () => {
    const video = await writeColourVideo(dir, ff, {
      name: 'probe-shot',
      stretches: [{ colour: 'green', seconds: 1 }],
      metadata: { creation_time: '2021-07-04T10:05:00.000000Z', location: '+48.8584+002.2945/' },
    });
    const probe = await probeVideo(video.path, ff);
    expect(probe.capturedAt).toBe(Date.UTC(2021, 6, 4, 10, 5, 0));
    expect(probe.location).toEqual({ lat: 48.8584, lon: 2.2945 });
    const bare = await writeColourVideo(dir, ff, {
      name: 'probe-unshot',
      stretches: [{ colour: 'green', seconds: 1 }],
    });
    expect(await probeVideo(bare.path, ff)).toMatchObject({ capturedAt: null, location: null });
  });

  it('a video without sound has no audio codec', async () => {
    const video = await writeColourVideo(dir, ff, {
      name: 'silent',
      stretches: [{ colour: 'green', seconds: 1 }],
    });
    expect(await probeVideo(video.path, ff)).toMatchObject({ hasAudio: false, audioCodec: null });
  });

  it('a rotated video reports its rotation and the display size swapped', async () => {
    const probe = await probeVideo(await writeRotatedVideo(dir, ff), ff);
    expect([90, 270]).toContain(probe.rotation);
    expect([probe.width, probe.height]).toEqual([320, 240]);
    expect([probe.displayWidth, probe.displayHeight]).toEqual([240, 320]);
  });

  it('flags a variable frame rate', async () => {
    const probe = await probeVideo((await writeVfrVideo(dir, ff)).path, ff);
    expect(probe.variableFrameRate).toBe(true);
    expect(probe.frameRate).toBeCloseTo(20, 5); // 20 red + 60 blue frames in 4 s
    expect(Math.abs(probe.duration - 4)).toBeLessThanOrEqual(0.1);
  });
});

describe('probeVideo: files that cannot be indexed, each with its reason', () => {
  it('an MP4 cut short with its index at the front is DECODE_FAILED (truncated)', async () => {
    const whole = await writeColourVideo(dir, ff, {
      name: 'faststart',
      faststart: true,
      audio: true,
      stretches: [{ colour: 'red', seconds: 4 }],
    });
    const cut = await writeTruncatedCopy(whole.path, path.join(dir, 'cut-faststart.mp4'));
    const error = await probeVideo(cut, ff).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'DECODE_FAILED' });
    expect((error as Error).message).toMatch(/^cut-faststart\.mp4 is truncated/);
  });

  it('an MP4 cut short that lost its index at the end is DECODE_FAILED', async () => {
    const whole = await writeColourVideo(dir, ff, {
      name: 'index-last',
      stretches: [{ colour: 'red', seconds: 2 }],
    });
    const cut = await writeTruncatedCopy(whole.path, path.join(dir, 'cut-index-last.mp4'));
    expect(await codeOf(probeVideo(cut, ff))).toBe('DECODE_FAILED');
  });

  it.each([['vp9'], ['mjpeg']] as const)('a truncated %s file is DECODE_FAILED', async (codec) => {
    const whole = await writeColourVideo(dir, ff, {
      name: `whole-${codec}`,
      codec,
      stretches: [{ colour: 'red', seconds: 4 }],
    });
    const cut = await writeTruncatedCopy(
      whole.path,
      path.join(dir, `cut-${path.basename(whole.path)}`),
    );
    expect(await codeOf(probeVideo(cut, ff))).toBe('DECODE_FAILED');
  });

  it.each(['voice.mp4', 'voice.m4a'])(
    'audio only (%s) is UNSUPPORTED_FORMAT: no video stream',
    async (name) => {
      const error = await probeVideo(await writeAudioOnly(dir, ff, name), ff).catch(
        (e: unknown) => e as Error,
      );
      expect(error).toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
      expect((error as Error).message).toMatch(
        new RegExp(`^${name} has no video stream \\(it is audio only\\)`),
      );
    },
  );

  it('a text file is UNSUPPORTED_FORMAT', async () => {
    expect(await codeOf(probeVideo(await writeNotMedia(dir), ff))).toBe('UNSUPPORTED_FORMAT');
  });

  it('an empty file is EMPTY_FILE and a missing one READ_FAILED', async () => {
    const empty = path.join(dir, 'empty.mp4');
    await writeFile(empty, '');
    expect(await codeOf(probeVideo(empty, ff))).toBe('EMPTY_FILE');
    expect(await codeOf(probeVideo(path.join(dir, 'gone.mp4'), ff))).toBe('READ_FAILED');
  });

  it('a cancelled probe is CANCELLED', async () => {
    const video = await writeColourVideo(dir, ff, {
      name: 'cancel-probe',
      stretches: [{ colour: 'red', seconds: 1 }],
    });
    expect(await codeOf(probeVideo(video.path, ff, { signal: AbortSignal.abort() }))).toBe(
      'CANCELLED',
    );
  });
});

describe("reading ffprobe's JSON", () => {
  it('turns display matrices (counter-clockwise) and rotate tags (clockwise) into clockwise turns', () => {
    const matrix = (rotation: number) => ({
      side_data_list: [{ side_data_type: 'Display Matrix', rotation }],
    });
    expect(clockwiseRotation(matrix(-90))).toBe(90); // a phone held upright
    expect(clockwiseRotation(matrix(90))).toBe(270);
    expect(clockwiseRotation(matrix(180))).toBe(180);
    expect(clockwiseRotation(matrix(-89.9))).toBe(90);
    expect(clockwiseRotation({ tags: { rotate: '90' } })).toBe(90);
    expect(clockwiseRotation({})).toBe(0);
  });

  it("keeps a video's shooting clock, Apple's local date first, and no placeholder dates", () => {
    const now = Date.UTC(2026, 0, 1);
    // Apple's date is the phone's own clock: 12:22 where it was shot, whatever the offset.
    expect(
      parseCaptureTime(
        {
          'com.apple.quicktime.creationdate': '2023-06-14T12:22:31+0200',
          creation_time: '2023-06-14T10:22:31.000000Z',
        },
        now,
      ),
    ).toBe(Date.UTC(2023, 5, 14, 12, 22, 31));
    expect(parseCaptureTime({ creation_time: '2023-06-14T10:22:31.000000Z' }, now)).toBe(
      Date.UTC(2023, 5, 14, 10, 22, 31),
    );
    expect(parseCaptureTime({ CREATION_TIME: '2019-01-02 03:04:05' }, now)).toBe(
      Date.UTC(2019, 0, 2, 3, 4, 5),
    );
    for (const placeholder of ['1904-01-01T00:00:00.000000Z', '1970-01-01T00:00:00.000000Z'])
      expect(parseCaptureTime({ creation_time: placeholder }, now)).toBeNull();
    expect(parseCaptureTime({ creation_time: '2031-01-01T00:00:00Z' }, now)).toBeNull();
    expect(parseCaptureTime({ creation_time: 'yesterday' }, now)).toBeNull();
    expect(parseCaptureTime({ creation_time: '2023-13-40T10:00:00Z' }, now)).toBeNull();
    expect(parseCaptureTime(undefined, now)).toBeNull();
  });

  it('reads ISO 6709 locations in decimal degrees', () => {
    expect(parseLocation({ location: '+48.8584+002.2945/' })).toEqual({
      lat: 48.8584,
      lon: 2.2945,
    });
    expect(
      parseLocation({ 'com.apple.quicktime.location.ISO6709': '-33.8568+151.2153+005.000/' }),
    ).toEqual({ lat: -33.8568, lon: 151.2153 });
    expect(parseLocation({ location: '+00.0000+000.0000/' })).toBeNull();
    expect(parseLocation({ location: '+91.0000+000.0000/' })).toBeNull();
    expect(parseLocation({ location: 'somewhere' })).toBeNull();
    expect(parseLocation({})).toBeNull();
  });

  it('reads rationals and Matroska clock durations', () => {
    expect(parseRational('30000/1001')).toBeCloseTo(29.97, 2);
    expect(parseRational('0/0')).toBeNull();
    expect(parseRational(undefined)).toBeNull();
    expect(parseClock('00:01:06.500000000')).toBe(66.5);
    expect(parseClock('N/A')).toBeNull();
  });
});
