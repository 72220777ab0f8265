/**
 * @file The first-run model picker against a fake backend, as a new user meets it: sizes
 * (an exact one, or "about 1.7 GB" where the catalog publishes only a rough one), a
 * download a restart left unfinished, the progress line (bytes, speed, time left), pause,
 * resume, a failure with its reason and a Retry, "verifying checksum…", then the model put
 * in use by id and the next step (add a folder) on the same page; and "Use folder" feedback.
 */
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { JobSnapshot, ModelSummary } from '../../electron/shared/contract.js';
import App from '../../renderer/src/App.svelte';
import { installFakeBackend, readyInfo, settings, status } from './fake-backend.js';
import { modelSummary } from './fixtures.js';

const b32: ModelSummary = modelSummary({
  partialBytes: 100_000_000,
  source: 'https://example.org/b32',
  description: 'Fast.',
  quality: 'baseline',
});

const l14: ModelSummary = {
  ...b32,
  id: 'clip-vit-l14',
  name: 'CLIP ViT-L/14',
  sizeBytes: null,
  approxSizeBytes: 1_700_000_000,
  partialBytes: null,
  speed: 'slow: about 1.7 GB download',
  verified: false,
};

const notReady = {
  ...readyInfo,
  ready: false,
  model: null,
  notReadyReason: 'No model is installed yet: download one below.',
};

const download = (over: Partial<JobSnapshot>): JobSnapshot => ({
  id: 'd1',
  kind: 'download',
  state: 'running',
  label: b32.id,
  progress: {
    phase: 'indexing',
    done: 302_500_000,
    total: 605_000_000,
    rate: 5e6,
    etaSeconds: 60,
    currentFile: 'vision_model.onnx',
  },
  report: null,
  clips: null,
  error: null,
  ...over,
});

/** A backend that becomes ready once a model is put in use, with no folder added yet. */
function firstRun() {
  let model: string | null = null;
  return installFakeBackend({
    'app:info': () => (model ? { ...readyInfo, model } : notReady),
    'settings:get': () => ({ ...settings, model }),
    'settings:set': (change) => {
      model = change.model ?? model;
      return { ...settings, model };
    },
    'library:status': () => ({ ...status, roots: [], images: 0, failed: 0 }),
    // As the engine does: the failures are unreadable until a model has opened the library.
    'library:failures': () => {
      if (!model) throw new Error('No model is installed yet.');
      return [];
    },
    'models:list': () => [b32, l14],
    'models:fetch': () => download({ state: 'queued', progress: null }),
    'jobs:pause': () => download({ state: 'paused' }),
    'jobs:resume': () => download({}),
  });
}

const cardOf = async (name: string): Promise<HTMLElement> =>
  (await screen.findByRole('heading', { name })).closest('li') as HTMLElement;

describe('Model picker', () => {
  it('gives the L/14 card its rough size, never "size unknown"', async () => {
    firstRun();
    render(App);
    const card = await cardOf('CLIP ViT-L/14');
    expect(card.textContent).toContain('about 1.7 GB');
    expect(card.textContent).not.toContain('size unknown');
  });

  it('continues a partial download with progress, pause, a failure and Retry, then verifies, uses the model by id and shows the next step', async () => {
    const fake = firstRun();
    render(App);
    const card = await cardOf('CLIP ViT-B/32');
    // Left unfinished by a restart: said, and Download continues it.
    expect(card.textContent).toContain('Partly downloaded, 100 MB of 605 MB');
    await fireEvent.click(
      within(card).getByRole('button', { name: 'Continue download of CLIP ViT-B/32' }),
    );
    expect(fake.invoke).toHaveBeenCalledWith('models:fetch', { id: 'clip-vit-b32' });

    fake.emit('job:progress', download({}));
    const bar = await within(card).findByRole('progressbar', { name: 'Downloading CLIP ViT-B/32' });
    expect(bar.getAttribute('value')).toBe('302500000');
    expect(card.textContent).toContain('303 MB of 605 MB');
    expect(card.textContent).toContain('5.0 MB/s');
    expect(card.textContent).toMatch(/about 1 min left/);
    // Shown once, on the card: the progress region leaves downloads to the picker.
    expect(screen.queryByRole('region', { name: 'Progress' })).toBeNull();

    await fireEvent.click(within(card).getByRole('button', { name: 'Pause download' }));
    expect(fake.invoke).toHaveBeenCalledWith('jobs:pause', { id: 'd1' });
    await fireEvent.click(await within(card).findByRole('button', { name: 'Resume download' }));
    expect(fake.invoke).toHaveBeenCalledWith('jobs:resume', { id: 'd1' });

    const reason = 'example.org answered HTTP 500 for vision_model.onnx of clip-vit-b32.';
    fake.emit(
      'job:progress',
      download({ state: 'failed', error: { code: 'DOWNLOAD_FAILED', message: reason } }),
    );
    const alert = await within(card).findByRole('alert');
    expect(alert.textContent).toContain(reason);
    await fireEvent.click(within(card).getByRole('button', { name: 'Retry download' }));
    expect(fake.invoke.mock.calls.filter(([channel]) => channel === 'models:fetch')).toHaveLength(
      2,
    );

    fake.emit(
      'job:progress',
      download({
        id: 'd2',
        progress: {
          phase: 'verifying',
          done: 605_000_000,
          total: 605_000_000,
          rate: 0,
          etaSeconds: null,
          currentFile: 'text_model.onnx',
        },
      }),
    );
    expect((await cardOf('CLIP ViT-B/32')).textContent).toContain('Verifying checksum…');

    fake.emit('job:progress', download({ id: 'd2', state: 'done', verified: true }));
    // Put in use by its id (the job's label), not its name; then the next step of setup.
    await screen.findByRole('heading', { name: 'Add your first folder' });
    expect(fake.invoke).toHaveBeenCalledWith('settings:set', { model: 'clip-vit-b32' });
    const region = screen.getByRole('region', { name: 'Progress' });
    expect(region.textContent).toContain('checksum verified');
  });

  it('"Use folder" says what it found, or why not', async () => {
    const fake = installFakeBackend({
      'app:info': () => notReady,
      'models:list': () => [b32],
      'models:useFolder': ({ path }) => {
        if (path === '/nowhere') throw new Error('There is no folder at /nowhere.');
        return { models: [b32], found: 2 };
      },
    });
    render(App);
    const input = await screen.findByLabelText('Or use a folder that already holds model files');
    await fireEvent.input(input, { target: { value: '/opt/models' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Use folder' }));
    expect(await screen.findByText('Found 2 models in /opt/models.')).toBeTruthy();
    expect(fake.invoke).toHaveBeenCalledWith('models:useFolder', { path: '/opt/models' });

    await fireEvent.input(input, { target: { value: '/nowhere' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Use folder' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'There is no folder at /nowhere.',
    );
    expect(screen.queryByText(/Found 2 models/)).toBeNull();
  });
});
