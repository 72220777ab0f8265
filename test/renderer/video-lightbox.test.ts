/**
 * @file A video in the lightbox: a <video> from mediaUrl with controls that starts at the
 * matched stretch once its metadata is read and stops at its end; "Play scene" replays
 * the selected range; a timeline scene plays its own range; the scenes are asked for only
 * while a text search is active. jsdom cannot play media, so play and pause are stubbed
 * here (never in the components).
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import Lightbox from '../../renderer/src/components/search/Lightbox.svelte';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';
import { installFakeBackend } from './fake-backend.js';
import { makeScenes, makeVideoResult } from './fixtures.js';

let play: MockInstance<HTMLMediaElement['play']>;
let pause: MockInstance<HTMLMediaElement['pause']>;

beforeEach(() => {
  play = vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue();
  pause = vi.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
});

function setup(query = 'waves') {
  const fake = installFakeBackend({ 'scenes:find': () => makeScenes() });
  const onindex = vi.fn();
  render(Lightbox, {
    results: [makeVideoResult(), makeVideoResult({ path: '/videos/dune.mp4' })],
    index: 0,
    query,
    jobs: new JobsState(),
    ffmpegProblem: null,
    onindex,
    onclose: vi.fn(),
    onsimilar: vi.fn(),
  });
  const dialog = screen.getByRole('dialog', { name: 'beach.mp4' });
  const video = dialog.querySelector('video');
  if (!video) throw new Error('no <video> in the lightbox');
  return { fake, dialog, video, onindex };
}

describe('Lightbox with a video', () => {
  it('shows the video from mediaUrl with controls, loading only its metadata', async () => {
    const { video } = setup();
    // The engine is asked how to open it first (media:playback: direct here).
    await vi.waitFor(() =>
      expect(video.getAttribute('src')).toBe(
        `/media?path=${encodeURIComponent('/videos/beach.mp4')}`,
      ),
    );
    expect(video.controls).toBe(true);
    expect(video.getAttribute('preload')).toBe('metadata');
  });

  it('plays the matched stretch when opened and stops at its end', async () => {
    const { video } = setup();
    await fireEvent(video, new Event('loadedmetadata'));
    expect(video.currentTime).toBe(4);
    expect(play).toHaveBeenCalledTimes(1);

    video.currentTime = 8.5;
    await fireEvent(video, new Event('timeupdate'));
    expect(pause).not.toHaveBeenCalled();
    video.currentTime = 9.05;
    await fireEvent(video, new Event('timeupdate'));
    expect(pause).toHaveBeenCalledTimes(1);
  });

  it('replays the selected range with Play scene, and a scene’s own range from the timeline', async () => {
    const { video } = setup();
    video.currentTime = 20;
    await fireEvent.click(screen.getByRole('button', { name: 'Play scene' }));
    expect(video.currentTime).toBe(4);
    expect(play).toHaveBeenCalledTimes(1);

    await fireEvent.click(
      await screen.findByRole('button', { name: 'Scene 0:30–0:45, score 0.34' }),
    );
    expect(video.currentTime).toBe(30);
    expect(play).toHaveBeenCalledTimes(2);
    video.currentTime = 45;
    await fireEvent(video, new Event('timeupdate'));
    expect(pause).toHaveBeenCalledTimes(1);
  });

  it('stops watching for the end once the person seeks elsewhere', async () => {
    const { video } = setup();
    await fireEvent.click(screen.getByRole('button', { name: 'Play scene' }));
    video.currentTime = 50;
    await fireEvent(video, new Event('seeked'));
    video.currentTime = 52;
    await fireEvent(video, new Event('timeupdate'));
    expect(pause).not.toHaveBeenCalled();
  });

  it('asks for scenes with the search words, and not without a text search', async () => {
    const first = setup('waves');
    await screen.findByRole('button', { name: 'Scene 0:04–0:09, score 0.31' });
    expect(first.fake.invoke).toHaveBeenCalledWith('scenes:find', {
      query: 'waves',
      video: '/videos/beach.mp4',
    });
    cleanup();

    const second = setup('');
    expect(second.fake.invoke).not.toHaveBeenCalledWith('scenes:find', expect.anything());
    // The timeline still shows the whole video with the matched range selected.
    expect(screen.getByRole('slider', { name: 'In point' }).getAttribute('aria-valuenow')).toBe(
      '4',
    );
  });

  it('leaves the arrow keys to the handles instead of stepping through results', async () => {
    const { dialog, onindex } = setup();
    const inPoint = screen.getByRole('slider', { name: 'In point' });
    await fireEvent.keyDown(inPoint, { key: 'ArrowRight' });
    await fireEvent.keyDown(inPoint, { key: 'End' });
    expect(inPoint.getAttribute('aria-valuenow')).toBe('8.9');
    await fireEvent.keyDown(screen.getByLabelText('Destination folder'), { key: 'ArrowRight' });
    expect(onindex).not.toHaveBeenCalled();
    // Elsewhere in the dialog they still step to the next result.
    await fireEvent.keyDown(dialog, { key: 'ArrowRight' });
    expect(onindex).toHaveBeenCalledWith(1);
  });
});
