/**
 * @file Exporting from a video in the lightbox: "Export clip" sends the selected range,
 * "Export all scenes" every matched scene (joined when asked), in the chosen mode and
 * folder; the export job's progress, cancel, and the clips it wrote with their real
 * times; errors and a missing ffmpeg as alerts with the engine's sentence.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ChannelInput, JobSnapshot } from '../../electron/shared/contract.js';
import VideoStage from '../../renderer/src/components/video/VideoStage.svelte';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';
import { installFakeBackend, type FakeShell } from './fake-backend.js';
import { makeScenes, makeVideoResult } from './fixtures.js';

const exportJob = (over: Partial<JobSnapshot> = {}): JobSnapshot => ({
  id: 'e1',
  kind: 'export',
  state: 'queued',
  label: 'beach.mp4: 1 clip',
  progress: null,
  report: null,
  clips: null,
  error: null,
  ...over,
});

async function setup(options: FakeShell & { ffmpegProblem?: string | null } = {}) {
  const exports: ChannelInput<'clip:export'>[] = [];
  const fake = installFakeBackend(
    {
      'scenes:find': () => makeScenes(),
      'clip:export': (input) => {
        exports.push(input);
        return exportJob({ id: `e${exports.length}` });
      },
      'jobs:cancel': ({ id }) => exportJob({ id, state: 'cancelled' }),
      'dialog:pickFolders': () => ['/exports'],
      'media:reveal': () => null,
    },
    options,
  );
  const jobs = new JobsState();
  const stop = jobs.subscribe();
  render(VideoStage, {
    result: makeVideoResult(),
    query: 'waves',
    jobs,
    ffmpegProblem: options.ffmpegProblem ?? null,
  });
  // The scenes have arrived once their buttons are drawn.
  await screen.findByRole('button', { name: 'Scene 0:04–0:09, score 0.31' });
  return { fake, exports, jobs, stop };
}

describe('Exporting clips', () => {
  it('asks for the scenes of this video that match the search', async () => {
    const { fake } = await setup();
    expect(fake.invoke).toHaveBeenCalledWith('scenes:find', {
      query: 'waves',
      video: '/videos/beach.mp4',
    });
    expect(screen.getByRole('status').textContent).toBe('2 matching scenes');
  });

  it('exports the selected range as one clip, fast, next to the video by default', async () => {
    const { exports } = await setup();
    expect(screen.getByRole('radio', { name: /^Fast/ })).toHaveProperty('checked', true);
    expect(screen.getByLabelText('Destination folder')).toHaveProperty('value', '/videos');
    await fireEvent.click(screen.getByRole('button', { name: 'Export clip' }));
    expect(exports).toEqual([
      {
        path: '/videos/beach.mp4',
        ranges: [{ start: 4, end: 9 }],
        mode: 'fast',
        outDir: '/videos',
        join: false,
      },
    ]);
  });

  it('exports the range the handles chose', async () => {
    const { exports } = await setup();
    const outPoint = screen.getByRole('slider', { name: 'Out point' });
    await fireEvent.keyDown(outPoint, { key: 'ArrowRight', shiftKey: true });
    await fireEvent.keyDown(screen.getByRole('slider', { name: 'In point' }), { key: 'ArrowLeft' });
    await fireEvent.click(screen.getByRole('button', { name: 'Export clip' }));
    expect(exports[0]?.ranges).toEqual([{ start: 3.9, end: 10 }]);
  });

  it('exports every scene joined into one reel, accurately, into a typed folder', async () => {
    const { exports } = await setup();
    await fireEvent.click(screen.getByRole('radio', { name: /^Accurate/ }));
    await fireEvent.input(screen.getByLabelText('Destination folder'), {
      target: { value: '/home/me/Reels' },
    });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Join into one highlight reel' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Export all scenes' }));
    expect(exports).toEqual([
      {
        path: '/videos/beach.mp4',
        // In time order, so the reel plays forwards.
        ranges: [
          { start: 4, end: 9 },
          { start: 30, end: 45 },
        ],
        mode: 'accurate',
        outDir: '/home/me/Reels',
        join: true,
      },
    ]);
  });

  it('picks the folder with the system dialog in the desktop app', async () => {
    const { exports } = await setup({ shell: 'electron' });
    await fireEvent.click(screen.getByRole('button', { name: 'Choose folder…' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Destination folder')).toHaveProperty('value', '/exports'),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Export clip' }));
    expect(exports[0]?.outDir).toBe('/exports');
  });

  it('queues the job with progress and cancel, then lists the clips with their real times', async () => {
    const { fake } = await setup({ shell: 'electron' });
    await fireEvent.click(screen.getByRole('button', { name: 'Export clip' }));
    const queue = await screen.findByRole('list', { name: 'Export queue' });
    fake.emit(
      'job:progress',
      exportJob({
        state: 'running',
        progress: {
          phase: 'indexing',
          done: 450,
          total: 1000,
          rate: 0.2,
          etaSeconds: 3,
          currentFile: '/videos/beach.mp4',
        },
      }),
    );
    const bar = await within(queue).findByRole('progressbar', {
      name: 'Exporting beach.mp4: 1 clip',
    });
    expect(bar.getAttribute('value')).toBe('450');
    expect(queue.textContent).toContain('45%');
    expect(within(queue).queryByRole('button', { name: 'Pause export' })).toBeNull();
    await fireEvent.click(within(queue).getByRole('button', { name: 'Cancel export' }));
    expect(fake.invoke).toHaveBeenCalledWith('jobs:cancel', { id: 'e1' });
  });

  it('shows the written clips with keyframe-aligned times and reveals one', async () => {
    const { fake } = await setup({ shell: 'electron' });
    await fireEvent.click(screen.getByRole('button', { name: 'Export clip' }));
    fake.emit(
      'job:progress',
      exportJob({
        state: 'done',
        clips: [{ out: '/videos/beach 0m03s-0m09s.mp4', start: 3.87, end: 9.12, duration: 5.25 }],
      }),
    );
    const clips = await screen.findByRole('list', { name: 'Exported clips' });
    expect(clips.textContent).toContain('beach 0m03s-0m09s.mp4');
    expect(clips.textContent).toContain('0:03.87–0:09.12');
    expect(clips.textContent).toContain('5.25 s');
    expect(
      screen.getByText('Exporting beach.mp4: 1 clip: finished — 1 clip written.'),
    ).toBeTruthy();
    await fireEvent.click(
      within(clips).getByRole('button', { name: 'Reveal beach 0m03s-0m09s.mp4' }),
    );
    expect(fake.invoke).toHaveBeenCalledWith('media:reveal', {
      path: '/videos/beach 0m03s-0m09s.mp4',
    });
  });

  it('shows a failed export as an alert with the engine’s sentence', async () => {
    const { fake } = await setup();
    await fireEvent.click(screen.getByRole('button', { name: 'Export clip' }));
    fake.emit(
      'job:progress',
      exportJob({
        state: 'failed',
        error: {
          code: 'READ_FAILED',
          message: 'The folder /videos is read-only. Choose another folder.',
        },
      }),
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The folder /videos is read-only. Choose another folder.');
  });

  it('says why when ffmpeg is missing, and does not offer to export', async () => {
    const problem = 'ffmpeg was not found. Install ffmpeg or set its path in the settings.';
    await setup({ ffmpegProblem: problem });
    expect(screen.getByRole('alert').textContent).toContain(problem);
    expect(screen.getByRole('button', { name: 'Export clip' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Export all scenes' })).toHaveProperty(
      'disabled',
      true,
    );
  });
});
