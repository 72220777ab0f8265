/**
 * @file The inspector on a paused video frame and a model's first load, against a fake
 * backend: I on the video (or "Inspect frame") pauses the player and opens the inspector
 * on the engine's frame at the player's time, every vision:* and lens:* call carries that
 * time, answers of two times never mix, and closing shows the same player paused there;
 * vision:loading events of the task the inspector waits on show as a progress bar in bytes,
 * then "Preparing…", gone on ready; a download stopped part-way offers "Continue download".
 * jsdom cannot play media: play and pause are stubbed (never in the components).
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { Channel, JobSnapshot } from '../../electron/shared/contract.js';
import type { VisionDetection, VisionDetections } from '../../electron/shared/types.js';
import Lightbox from '../../renderer/src/components/search/Lightbox.svelte';
import { clearInspectorCache, InspectorState } from '../../renderer/src/lib/inspector.svelte.js';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';
import {
  CodedError,
  detectionsAnswer,
  frameAnswer,
  installFakeBackend,
  loadingEvent,
  type Handlers,
} from './fake-backend.js';
import { deferred, makeResults, makeVideoResult, modelSummary } from './fixtures.js';

const VIDEO = '/videos/beach.mp4';
const FRAME = { width: 1280, height: 720 };

/** What the detector finds in the frame at each time: one box at 4 s, two at 9 s. */
const BY_TIME: Record<number, VisionDetection[]> = {
  4: [{ label: 'orange', score: 0.9, box: [100, 100, 300, 200] }],
  9: [
    { label: 'orange', score: 0.9, box: [600, 300, 800, 400] },
    { label: 'orange', score: 0.8, box: [900, 300, 1000, 400] },
  ],
};

function detectByTime({ time }: { time?: number | undefined }): VisionDetections {
  return detectionsAnswer(BY_TIME[time ?? -1] ?? [], FRAME);
}

function calls(invoke: ReturnType<typeof installFakeBackend>['invoke'], channel: Channel) {
  return invoke.mock.calls.filter(([c]) => c === channel).map(([, input]) => input);
}

let pause: MockInstance<HTMLMediaElement['pause']>;
beforeEach(() => {
  clearInspectorCache();
  vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue();
  pause = vi.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(() => {});
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function openVideo(handlers: Handlers = {}) {
  const fake = installFakeBackend({
    'vision:frame': ({ time }) => frameAnswer(time, FRAME),
    'vision:detect': detectByTime,
    ...handlers,
  });
  const onclose = vi.fn();
  render(Lightbox, {
    results: [makeVideoResult()],
    index: 0,
    query: '',
    jobs: new JobsState(),
    ffmpegProblem: null,
    onindex: vi.fn(),
    onclose,
    onsimilar: vi.fn(),
  });
  const video = screen.getByRole('dialog').querySelector('video');
  if (!video) throw new Error('no <video> in the lightbox');
  return { ...fake, video, onclose };
}

async function addPrompt(text: string) {
  const field = screen.getByRole('textbox', { name: 'Prompt' });
  await fireEvent.input(field, { target: { value: text } });
  await fireEvent.submit(field.closest('form') as HTMLFormElement);
}

const boxes = () => screen.queryAllByRole('button', { name: /^orange \d\.\d\d$/ });
const inspector = () => screen.queryByRole('region', { name: 'Inspector' });

describe('the inspector on a paused video frame', () => {
  it('opens with I on the video: paused, the engine’s frame, and vision:detect at that time', async () => {
    const { invoke, video, onclose } = openVideo();
    video.currentTime = 12.5;
    await fireEvent.keyDown(video, { key: 'i' });

    expect(pause).toHaveBeenCalled();
    const panel = inspector();
    expect(panel).toBeTruthy();
    expect(within(panel!).getByText('Frame at 0:12.5')).toBeTruthy();
    const image = await within(panel!).findByRole('img', { name: 'beach.mp4, frame at 0:12.5' });
    expect(image.getAttribute('src')).toBe('data:image/jpeg;base64,frame-12.5');
    expect(calls(invoke, 'vision:frame')).toEqual([{ path: VIDEO, time: 12.5 }]);
    // The player is kept, out of sight, under the inspector.
    expect(video.isConnected).toBe(true);
    expect(video.closest('[hidden]')).not.toBeNull();

    await addPrompt('orange');
    await waitFor(() => expect(calls(invoke, 'vision:detect')).toHaveLength(1));
    expect(calls(invoke, 'vision:detect')).toEqual([
      { path: VIDEO, time: 12.5, prompts: ['orange'] },
    ]);

    // Esc closes the inspector, not the lightbox: the same player, paused at the same time.
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(inspector()).toBeNull();
    expect(onclose).not.toHaveBeenCalled();
    const again = screen.getByRole('dialog').querySelector('video');
    expect(again).toBe(video);
    expect(again!.closest('[hidden]')).toBeNull();
    expect(again!.currentTime).toBe(12.5);
  });

  it('keeps the answers of two times apart, and reuses each time’s own', async () => {
    const { invoke, video } = openVideo();
    const inspectFrame = () => screen.getByRole('button', { name: 'Inspect frame' });

    video.currentTime = 4;
    await fireEvent.click(inspectFrame());
    await addPrompt('orange');
    await waitFor(() => expect(boxes()).toHaveLength(1));
    await fireEvent.click(screen.getByRole('button', { name: 'Close inspector' }));

    video.currentTime = 9;
    await fireEvent.click(inspectFrame());
    await addPrompt('orange');
    await waitFor(() => expect(boxes()).toHaveLength(2));
    await fireEvent.click(screen.getByRole('button', { name: 'Close inspector' }));

    // Back at 4 s: that frame's one box, from the cache.
    video.currentTime = 4;
    await fireEvent.click(inspectFrame());
    await addPrompt('orange');
    await waitFor(() => expect(boxes()).toHaveLength(1));
    expect(calls(invoke, 'vision:detect')).toEqual([
      { path: VIDEO, time: 4, prompts: ['orange'] },
      { path: VIDEO, time: 9, prompts: ['orange'] },
    ]);
  });

  it('passes the time to the lenses and leaves Score out', async () => {
    const { invoke, video } = openVideo({
      'lens:classify': ({ labels }) => ({
        path: VIDEO,
        candidates: labels.map((text, i) => ({ text, cosine: 0.3, probability: 1 - i / 2 })),
      }),
      'lens:describe': () => ({ path: VIDEO, captions: [] }),
    });
    video.currentTime = 9;
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'I' });
    await fireEvent.click(screen.getByRole('tab', { name: 'Lenses' }));
    expect(screen.queryByRole('region', { name: 'Score' })).toBeNull();

    const labels = screen.getByRole('textbox', { name: 'Labels' });
    await fireEvent.input(labels, { target: { value: 'sea, sky' } });
    await fireEvent.submit(labels.closest('form') as HTMLFormElement);
    await fireEvent.click(await screen.findByRole('button', { name: 'Describe' }));
    await waitFor(() => expect(calls(invoke, 'lens:describe')).toHaveLength(1));
    expect(calls(invoke, 'lens:classify')).toEqual([
      { path: VIDEO, time: 9, labels: ['sea', 'sky'] },
    ]);
    expect(calls(invoke, 'lens:describe')).toEqual([{ path: VIDEO, time: 9, limit: 5 }]);
  });

  it('exports a frame with its time', () => {
    installFakeBackend();
    const state = new InspectorState(VIDEO, { time: 9 });
    state.add('orange');
    expect(state.exportInput('mask')).toMatchObject({ path: VIDEO, time: 9, kind: 'mask' });
    expect(state.exportInput('annotated')).toMatchObject({ path: VIDEO, time: 9 });
    // A photo's input has no time at all (the contract is strict).
    expect(new InspectorState('/photos/a.jpg').exportInput('annotated')).toBeNull();
    const photo = new InspectorState('/photos/a.jpg');
    photo.add('red');
    expect(photo.exportInput('annotated')).not.toHaveProperty('time');
  });
});

describe('a model’s first load', () => {
  async function waitingOnDetect() {
    const answer = deferred<VisionDetections>();
    const fake = installFakeBackend({ 'vision:detect': () => answer.promise });
    render(Lightbox, {
      results: makeResults(2),
      index: 0,
      query: '',
      jobs: new JobsState(),
      ffmpegProblem: null,
      onindex: vi.fn(),
      onclose: vi.fn(),
      onsimilar: vi.fn(),
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Inspect' }));
    // Nothing waits yet: a load now is not the inspector's to show.
    fake.emit('vision:loading', loadingEvent({ loaded: 1_000_000 }));
    await addPrompt('red');
    expect(screen.queryByRole('progressbar')).toBeNull();
    return { ...fake, answer };
  }

  it('shows the bytes read while the detector loads, then preparing, gone once ready', async () => {
    const fake = await waitingOnDetect();
    const { answer } = fake;
    expect(screen.getByText('Loading the detector…')).toBeTruthy();

    fake.emit('vision:loading', loadingEvent({ loaded: 120_000_000 }));
    const bar = await screen.findByRole('progressbar', {
      name: 'Loading owlvit-b32: 120 of 583 MB',
    });
    expect((bar as HTMLProgressElement).value).toBe(120_000_000);
    expect((bar as HTMLProgressElement).max).toBe(583_000_000);
    // The live status line keeps its sentence (what a screen reader hears, and what says
    // the panel is still busy), without the spinner beside the bar.
    const status = screen.getAllByRole('status').find((s) => s.classList.contains('busy'));
    expect(status?.textContent).toContain('Loading the detector…');
    expect(status?.querySelector('.spinner')).toBeNull();

    // The segmenter is not what the inspector waits on.
    fake.emit('vision:loading', loadingEvent({ task: 'segment', model: 'toy-segment', loaded: 5 }));
    fake.emit('vision:loading', loadingEvent({ loaded: 583_000_000 }));
    await screen.findByRole('progressbar', { name: 'Loading owlvit-b32: 583 of 583 MB' });
    expect(screen.getAllByRole('progressbar')).toHaveLength(1);

    fake.emit('vision:loading', loadingEvent({ phase: 'preparing', loaded: 583_000_000 }));
    const preparing = await screen.findByRole('progressbar', { name: 'Preparing the detector…' });
    expect(preparing.hasAttribute('value')).toBe(false);

    fake.emit('vision:loading', loadingEvent({ phase: 'ready', loaded: 583_000_000 }));
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull());
    answer.resolve(detectionsAnswer([]));
    await waitFor(() => expect(screen.queryByText(/Loading the detector/)).toBeNull());
  });

  it('drops the bar when the call ends without a ready (a failed load says why itself)', async () => {
    const fake = await waitingOnDetect();
    const { answer } = fake;
    fake.emit('vision:loading', loadingEvent({ loaded: 120_000_000 }));
    await screen.findByRole('progressbar');
    answer.reject(new CodedError('MODEL_MISSING', 'The detection model owlvit-b32 is broken.'));
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull());
  });
});

describe('a download stopped part-way', () => {
  const MISSING = 'The detection model owlvit-b32 is not downloaded yet: download it first.';
  const owl = (over = {}) =>
    modelSummary({
      id: 'owlvit-b32',
      name: 'OWL-ViT B/32',
      task: 'detect',
      sizeBytes: 612_000_000,
      verified: false,
      ...over,
    });
  const pausedJob: JobSnapshot = {
    id: 'job-7',
    kind: 'download',
    state: 'paused',
    label: 'owlvit-b32',
    progress: {
      phase: 'indexing',
      done: 300e6,
      total: 612e6,
      rate: 0,
      etaSeconds: null,
      currentFile: null,
    },
    report: null,
    clips: null,
    error: null,
  };

  async function missing(handlers: Handlers, jobs = new JobsState()) {
    const fake = installFakeBackend({
      'vision:detect': () => {
        throw new CodedError('MODEL_MISSING', MISSING);
      },
      ...handlers,
    });
    render(Lightbox, {
      results: makeResults(2),
      index: 0,
      query: '',
      jobs,
      ffmpegProblem: null,
      onindex: vi.fn(),
      onclose: vi.fn(),
      onsimilar: vi.fn(),
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Inspect' }));
    await addPrompt('red');
    return fake;
  }

  it('resumes a paused download with Continue download', async () => {
    const jobs = new JobsState();
    jobs.update(pausedJob);
    const { invoke } = await missing(
      {
        'models:list': () => [owl()],
        'jobs:resume': () => ({ ...pausedJob, state: 'running' }),
      },
      jobs,
    );
    const button = await screen.findByRole('button', { name: 'Continue download' });
    expect(screen.getByText(/OWL-ViT B\/32 paused at 300 of 612 MB/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Download OWL-ViT/ })).toBeNull();
    await fireEvent.click(button);
    await waitFor(() => expect(calls(invoke, 'jobs:resume')).toEqual([{ id: 'job-7' }]));
    expect(calls(invoke, 'models:fetch')).toEqual([]);
    expect(
      await screen.findByRole('progressbar', { name: 'Downloading OWL-ViT B/32' }),
    ).toBeTruthy();
  });

  it('continues bytes left on disk by an earlier session, without asking again', async () => {
    const { invoke } = await missing({
      'models:list': () => [owl({ partialBytes: 200_000_000 })],
      'models:fetch': () => ({ ...pausedJob, id: 'job-8', state: 'queued', progress: null }),
    });
    const button = await screen.findByRole('button', { name: 'Continue download' });
    expect(screen.getByText(/already downloaded \(200 of 612 MB\)/)).toBeTruthy();
    await fireEvent.click(button);
    // Confirmed when that download began: no second question about the checksum.
    await waitFor(() =>
      expect(calls(invoke, 'models:fetch')).toEqual([{ id: 'owlvit-b32', allowUnverified: true }]),
    );
    expect(screen.queryByText(/has no published checksum/)).toBeNull();
  });
});
