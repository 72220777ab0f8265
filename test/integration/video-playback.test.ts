/**
 * @file Playing videos Chromium cannot ([Note: playing what Chromium cannot]): which files
 * play as they are, the proxy stream from a start time (encoded from AVI/MPEG-4 Part 2,
 * copied from H.264 in Matroska), ffmpeg stopping when the reader goes away, and both
 * transports answering `stream=` (the browser shell's /media and the desktop app's
 * media://) with the stream's start in a header. Real ffmpeg on generated videos.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveMedia } from '../../electron/cli/serve-http.js';
import {
  playbackInfo,
  STREAM_START_HEADER,
} from '../../electron/engine/service/playback-stream.js';
import { createMediaHandler } from '../../electron/main/media-protocol.js';
import { locateFfmpeg, probeVideo, sampleFrames } from '../../native/ffmpeg/index.js';
import type { FfmpegTools } from '../../native/ffmpeg/index.js';
import { openPlaybackStream, planPlayback } from '../../native/ffmpeg/playback.js';
import { TOY_COLOURS } from '../toy-models/colours.js';
import { writeColourVideo, type ColourVideo } from '../fixtures/videos.js';

let dir = '';
let ff: FfmpegTools;
const stretches = [
  { colour: 'red' as const, seconds: 4 },
  { colour: 'green' as const, seconds: 4 },
  { colour: 'blue' as const, seconds: 4 },
];
/** 12 s red, green, blue: MPEG-4 Part 2 + MP3 in AVI, as older cameras wrote. */
let avi: ColourVideo;
/** The same in H.264 (keyframe every 2 s, B-frames) in Matroska: only the box is wrong. */
let mkv: ColourVideo;
/** H.264 + AAC in MP4: plays as it is. */
let mp4: ColourVideo;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-playback-'));
  ff = await locateFfmpeg();
  const media = path.join(dir, 'media');
  [avi, mkv, mp4] = await Promise.all([
    writeColourVideo(media, ff, { name: 'camcorder', codec: 'mpeg4', audio: true, stretches }),
    writeColourVideo(media, ff, {
      name: 'download',
      extension: 'mkv',
      gop: 50,
      bFrames: 2,
      audio: true,
      stretches,
    }),
    writeColourVideo(media, ff, { name: 'phone', audio: true, stretches }),
  ]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Everything a readable stream yields, as one buffer. */
async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The mean colour of the first frame of a file, and the toy colour nearest to it. */
async function firstColour(file: string): Promise<string> {
  for await (const frame of sampleFrames(file, ff)) {
    const sums = [0, 0, 0];
    for (let i = 0; i < frame.rgb.length; i++) sums[i % 3]! += frame.rgb[i]!;
    const mean = sums.map((s) => s / (frame.width * frame.height));
    const distance = (rgb: readonly number[]) =>
      rgb.reduce((d, v, i) => d + (v - mean[i]!) ** 2, 0);
    return Object.entries(TOY_COLOURS).sort((a, b) => distance(a[1]) - distance(b[1]))[0]![0];
  }
  throw new Error('no frame');
}

describe('planPlayback', () => {
  it('plays H.264 + AAC in MP4 as it is, and encodes it only when asked', async () => {
    const probe = await probeVideo(mp4.path, ff);
    expect(planPlayback(probe).mode).toBe('direct');
    expect(planPlayback(probe, { transcode: true })).toMatchObject({
      mode: 'stream',
      video: 'encode',
      audio: 'encode',
    });
  });

  it('encodes MPEG-4 Part 2 in AVI, with its MP3 sound as AAC', async () => {
    const plan = planPlayback(await probeVideo(avi.path, ff));
    expect(plan).toMatchObject({ mode: 'stream', video: 'encode', audio: 'encode' });
    expect(plan.mode === 'stream' && plan.mime).toBe('video/mp4; codecs="avc1.640028, mp4a.40.2"');
    expect(plan.reason).toMatch(/MPEG4 in AVI .* converts it as it plays/);
  });

  it('copies H.264 that only sits in Matroska, and its AAC sound', async () => {
    const plan = planPlayback(await probeVideo(mkv.path, ff));
    expect(plan).toMatchObject({ mode: 'stream', video: 'copy', audio: 'copy' });
  });

  it('names no sound track in the MIME type of a silent video', async () => {
    const silent = await writeColourVideo(path.join(dir, 'silent'), ff, {
      name: 'silent',
      codec: 'mpeg4',
      stretches: [{ colour: 'red', seconds: 1 }],
    });
    const plan = planPlayback(await probeVideo(silent.path, ff));
    expect(plan).toMatchObject({
      mode: 'stream',
      audio: 'none',
      mime: 'video/mp4; codecs="avc1.640028"',
    });
  });
});

describe('openPlaybackStream', () => {
  it('encodes an AVI from 5 s: H.264 + AAC starting on the green that plays at 5 s', async () => {
    const stream = await openPlaybackStream(avi.path, ff, { start: 5 });
    expect(stream.startAt).toBe(5);
    const out = path.join(dir, 'from-5.mp4');
    await writeFile(out, await readAll(stream.body));
    await stream.done;
    const written = await probeVideo(out, ff);
    expect(written.videoCodec).toBe('h264');
    expect(written.audioCodec).toBe('aac');
    expect(Math.abs(written.duration - 7)).toBeLessThanOrEqual(0.3);
    expect(await firstColour(out)).toBe('green');
  });

  it('copies from the keyframe before the start and says where it lies', async () => {
    const stream = await openPlaybackStream(mkv.path, ff, { start: 5.3 });
    // Keyframes every 2 s: the copy starts on the one at 4 s (times count from the file's
    // start, which the AAC priming puts a few hundredths early).
    expect(stream.startAt).toBeCloseTo(4, 1);
    const out = path.join(dir, 'copy-from-4.mp4');
    await writeFile(out, await readAll(stream.body));
    await stream.done;
    const written = await probeVideo(out, ff);
    expect(written.videoCodec).toBe('h264');
    expect(Math.abs(written.duration - 8)).toBeLessThanOrEqual(0.3);
    expect(await firstColour(out)).toBe('green');
  });

  it('ends ffmpeg when the reader goes away mid-stream', async () => {
    const stream = await openPlaybackStream(avi.path, ff, { start: 0 });
    for await (const chunk of stream.body as AsyncIterable<Buffer>) {
      expect(chunk.length).toBeGreaterThan(0);
      break; // leaving the loop destroys the stream, as a closed request does
    }
    // Unread, ffmpeg would block on a full pipe for ever; stopped, it exits.
    await expect(stream.done).resolves.toBeUndefined();
  });
});

describe('media:playback answer', () => {
  it('says stream with the MIME type for an AVI, direct for an MP4, and why without ffmpeg', async () => {
    await expect(playbackInfo(avi.path, ff, false)).resolves.toMatchObject({
      mode: 'stream',
      mime: 'video/mp4; codecs="avc1.640028, mp4a.40.2"',
    });
    const direct = await playbackInfo(mp4.path, ff, false);
    expect(direct).toMatchObject({ mode: 'direct', mime: null });
    expect(Math.abs(direct.duration - 12)).toBeLessThanOrEqual(0.1);
    await expect(playbackInfo(mp4.path, 'No ffmpeg was found.', false)).resolves.toEqual({
      mode: 'direct',
      mime: null,
      duration: 0,
      reason: 'No ffmpeg was found.',
    });
  });
});

describe('transports', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    const roots = [path.join(dir, 'media')];
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      void serveMedia(roots, url, request, response, ff);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('browser shell: /media?…&stream=6 answers fragmented MP4 from 6 s', async () => {
    const response = await fetch(`${base}/media?path=${encodeURIComponent(avi.path)}&stream=6`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^video\/mp4; codecs=/);
    expect(response.headers.get(STREAM_START_HEADER)).toBe('6.000000');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = Buffer.from(await response.arrayBuffer());
    // An MP4 opens with its ftyp box; a fragmented one has a moof after the empty moov.
    expect(body.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(body.includes(Buffer.from('moof'))).toBe(true);
  });

  it('browser shell: a stream of a file outside the roots is the same 404', async () => {
    const response = await fetch(
      `${base}/media?path=${encodeURIComponent(path.join(dir, 'x.avi'))}&stream=0`,
    );
    expect(response.status).toBe(404);
  });

  it('desktop app: media://local/<path>?stream=2 answers the stream with its start', async () => {
    const handler = createMediaHandler({
      roots: () => Promise.resolve([path.join(dir, 'media')]),
      ffmpeg: () => Promise.resolve(ff),
    });
    const response = await handler(
      new Request(`media://local/${encodeURIComponent(mkv.path)}?stream=2.5`),
    );
    expect(response.status).toBe(200);
    expect(Number(response.headers.get(STREAM_START_HEADER))).toBeCloseTo(2, 1);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.subarray(4, 8).toString('latin1')).toBe('ftyp');
  });

  it('desktop app: without ffmpeg the stream is refused with the reason', async () => {
    const handler = createMediaHandler({
      roots: () => Promise.resolve([path.join(dir, 'media')]),
      ffmpeg: () => Promise.resolve('No ffmpeg was found; install it.'),
    });
    const response = await handler(
      new Request(`media://local/${encodeURIComponent(avi.path)}?stream=0`),
    );
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('No ffmpeg was found; install it.');
  });
});
