/**
 * @file How the lightbox opens a video (renderer side of [Note: playing what Chromium
 * cannot]): a file the engine says plays as it is gets its media URL; one it says needs
 * the proxy is fed to a MediaSource from the stream URL, with the reason shown; a direct
 * file that fails to decode is asked for again as an encoded stream; and a range stops on
 * its own last frame even when playback overshoots its end. jsdom has no MediaSource:
 * a small stand-in records what the player does with it.
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Lightbox from '../../renderer/src/components/search/Lightbox.svelte';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';
import type { PlaybackInfo } from '../../electron/shared/types.js';
import { installFakeBackend } from './fake-backend.js';
import { makeScenes, makeVideoResult } from './fixtures.js';

/** The MediaSource stand-in: opens at once, records its duration and buffers. */
class FakeMediaSource extends EventTarget {
  static made: FakeMediaSource[] = [];
  readyState = 'closed';
  duration = NaN;
  mimes: string[] = [];
  constructor() {
    super();
    FakeMediaSource.made.push(this);
  }
  addSourceBuffer(mime: string) {
    this.mimes.push(mime);
    const buffer = new EventTarget() as SourceBuffer;
    Object.assign(buffer, {
      updating: false,
      buffered: { length: 0 },
      abort: vi.fn(),
      timestampOffset: 0,
    });
    return buffer;
  }
  open() {
    this.readyState = 'open';
    this.dispatchEvent(new Event('sourceopen'));
  }
}

let fetched: string[];

let pause: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  FakeMediaSource.made = [];
  fetched = [];
  vi.stubGlobal('MediaSource', FakeMediaSource);
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string) => {
      fetched.push(url);
      return new Promise(() => {}); // a stream that has not answered yet
    }),
  );
  URL.createObjectURL = vi.fn(() => 'blob:fake-source');
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue();
  pause = vi.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(() => {});
  vi.spyOn(HTMLMediaElement.prototype, 'load').mockImplementation(() => {});
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const AVI = '/videos/camcorder.avi';
const STREAM: PlaybackInfo = {
  mode: 'stream',
  mime: 'video/mp4; codecs="avc1.640028, mp4a.40.2"',
  duration: 42,
  reason: 'MPEG4 in AVI does not play in the app as it is; Lantern converts it as it plays.',
};

function open(
  playback: (input: { path: string; transcode?: boolean | undefined }) => PlaybackInfo,
) {
  const fake = installFakeBackend({
    'scenes:find': () => makeScenes(),
    'media:playback': playback,
  });
  render(Lightbox, {
    results: [makeVideoResult({ path: AVI })],
    index: 0,
    query: '',
    jobs: new JobsState(),
    ffmpegProblem: null,
    onindex: vi.fn(),
    onclose: vi.fn(),
    onsimilar: vi.fn(),
  });
  const video = screen.getByRole('dialog').querySelector('video');
  if (!video) throw new Error('no <video>');
  return { fake, video };
}

describe('opening a video', () => {
  it('streams what the engine says Chromium cannot play, from the stream URL', async () => {
    const { video } = open(() => STREAM);
    await vi.waitFor(() => expect(FakeMediaSource.made).toHaveLength(1));
    expect(video.getAttribute('src')).toBe('blob:fake-source');
    FakeMediaSource.made[0]!.open();
    expect(FakeMediaSource.made[0]!.duration).toBe(42);
    expect(FakeMediaSource.made[0]!.mimes).toEqual([STREAM.mime]);
    await vi.waitFor(() =>
      expect(fetched).toEqual([`/media?path=${encodeURIComponent(AVI)}&stream=0.000`]),
    );
    expect(screen.getByText(STREAM.reason)).toBeTruthy();
  });

  it('asks for an encoded stream when a file chosen for direct play fails to decode', async () => {
    const asked: { transcode?: boolean | undefined }[] = [];
    const { video } = open((input) => {
      asked.push(input);
      return input.transcode
        ? { ...STREAM, reason: 'converted' }
        : { ...STREAM, mode: 'direct', mime: null };
    });
    await vi.waitFor(() => expect(video.getAttribute('src')).toContain('/media?path='));
    Object.defineProperty(video, 'error', {
      value: { code: 3, message: 'DECODE' },
      configurable: true,
    });
    await fireEvent(video, new Event('error'));
    await vi.waitFor(() => expect(FakeMediaSource.made).toHaveLength(1));
    expect(asked).toEqual([{ path: AVI }, { path: AVI, transcode: true }]);
    FakeMediaSource.made[0]!.open();
    await vi.waitFor(() => expect(fetched[0]).toMatch(/&stream=0\.000&transcode=1$/));
  });

  it('shows why when the file fails to decode and cannot be converted either', async () => {
    const refusal = 'camcorder.avi needs converting to play, and this ffmpeg has no H.264 encoder.';
    const { video } = open((input) => {
      if (input.transcode) throw new Error(refusal);
      return { mode: 'direct', mime: null, duration: 0, reason: '' };
    });
    await vi.waitFor(() => expect(video.getAttribute('src')).toContain('/media?path='));
    Object.defineProperty(video, 'error', {
      value: { code: 4, message: 'SRC' },
      configurable: true,
    });
    await fireEvent(video, new Event('error'));
    await vi.waitFor(() => expect(screen.getByRole('alert').textContent).toContain(refusal));
    expect(FakeMediaSource.made).toHaveLength(0);
  });
});

describe('a range stops on its own last frame', () => {
  it('steps back when playback overshoots the end of the range', async () => {
    const { video } = open(() => ({ mode: 'direct', mime: null, duration: 0, reason: '' }));
    // makeVideoResult matches 4–9 s: opening plays that range.
    await fireEvent(video, new Event('loadedmetadata'));
    expect(video.currentTime).toBe(4);
    video.currentTime = 9.2; // a slow frame: already past the cut at 9 s
    await fireEvent(video, new Event('timeupdate'));
    expect(pause).toHaveBeenCalledTimes(1);
    expect(video.currentTime).toBeCloseTo(8.97, 5);
  });
});
