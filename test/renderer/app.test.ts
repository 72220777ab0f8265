/**
 * @file The whole renderer against a fake backend: first-run setup (choose and download
 * a model, with progress and cancel), indexing progress, search with results and errors,
 * the library's failed files, and the status bar's execution provider.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { JobSnapshot, ModelSummary } from '../../electron/shared/contract.js';
import App from '../../renderer/src/App.svelte';
import { installFakeBackend, readyInfo, status } from './fake-backend.js';
import { makeResults, modelSummary } from './fixtures.js';

const model: ModelSummary = modelSummary();

const job = (over: Partial<JobSnapshot>): JobSnapshot => ({
  id: 'j1',
  kind: 'index',
  state: 'running',
  label: '/photos',
  progress: {
    phase: 'indexing',
    done: 40,
    total: 100,
    rate: 12.5,
    etaSeconds: 4.8,
    currentFile: '/photos/blue.png',
  },
  report: null,
  clips: null,
  error: null,
  ...over,
});

describe('App', () => {
  it('first run: lists models with their facts, downloads one with progress and cancel', async () => {
    const fake = installFakeBackend({
      'app:info': () => ({
        ...readyInfo,
        ready: false,
        model: null,
        notReadyReason: 'No CLIP model is installed yet.',
      }),
      'models:list': () => [model],
      'models:fetch': () =>
        job({ id: 'd1', kind: 'download', label: model.id, progress: null, state: 'queued' }),
      'jobs:cancel': () => job({ id: 'd1', kind: 'download', label: model.id, state: 'cancelled' }),
    });
    render(App);

    await screen.findByRole('heading', { name: 'Welcome to Lantern' });
    const card = (await screen.findByRole('heading', { name: 'CLIP ViT-B/32' })).closest(
      'li',
    ) as HTMLElement;
    expect(card.textContent).toContain('605 MB');
    expect(card.textContent).toContain('fast');
    expect(card.textContent).toContain('MIT');
    expect(card.textContent).toContain('huggingface.co/openai/clip-vit-base-patch32');

    await fireEvent.click(within(card).getByRole('button', { name: 'Download CLIP ViT-B/32' }));
    expect(fake.invoke).toHaveBeenCalledWith('models:fetch', { id: model.id });

    fake.emit(
      'job:progress',
      job({
        id: 'd1',
        kind: 'download',
        label: model.id,
        progress: {
          phase: 'indexing',
          done: 302_500_000,
          total: 605_000_000,
          rate: 5e6,
          etaSeconds: 60,
          currentFile: null,
        },
      }),
    );
    const bar = await screen.findByRole('progressbar', { name: 'Downloading CLIP ViT-B/32' });
    expect(bar.getAttribute('value')).toBe('302500000');
    expect(card.textContent).toContain('303 MB of 605 MB');

    await fireEvent.click(screen.getByRole('button', { name: 'Cancel download' }));
    expect(fake.invoke).toHaveBeenCalledWith('jobs:cancel', { id: 'd1' });
  });

  it('shows indexing progress in the Progress region, with pause', async () => {
    const fake = installFakeBackend({ 'jobs:pause': () => job({ state: 'paused' }) });
    render(App);
    await screen.findByRole('searchbox', { name: 'Search' });
    fake.emit('job:progress', job({}));
    const region = await screen.findByRole('region', { name: 'Progress' });
    expect(within(region).getByRole('progressbar', { name: 'Indexing /photos' })).toBeTruthy();
    expect(region.textContent).toContain('40 of 100');
    expect(region.textContent).toContain('13 files/s');
    expect(region.textContent).toContain('about 5 s left');
    expect(region.textContent).toContain('blue.png');

    await fireEvent.click(within(region).getByRole('button', { name: 'Pause indexing' }));
    expect(fake.invoke).toHaveBeenCalledWith('jobs:pause', { id: 'j1' });
    await within(region).findByRole('button', { name: 'Resume indexing' });

    fake.emit(
      'job:progress',
      job({
        state: 'done',
        report: {
          indexed: 99,
          unchanged: 0,
          removed: 0,
          moved: 0,
          failed: [{ path: '/photos/bad.jpg', error: 'x' }],
          offline: [],
          cancelled: false,
        },
      }),
    );
    await waitFor(() => expect(region.textContent).toContain('99 indexed'));
    expect(region.textContent).toContain('1 failed');
  });

  it('searches as you type and shows results named by file, or the error sentence', async () => {
    const fake = installFakeBackend({
      'search:query': (input) => {
        if (input.query === 'nothing')
          throw new Error('The search is empty: type a few words to search for.');
        return { results: makeResults(3), hidden: 0 };
      },
    });
    render(App);
    const box = await screen.findByRole('searchbox', { name: 'Search' });
    await fireEvent.input(box, { target: { value: 'blue' } });
    const results = await screen.findByRole('list', { name: 'Results' });
    expect(within(results).getByRole('button', { name: 'img-2.jpg' })).toBeTruthy();
    expect(fake.invoke).toHaveBeenCalledWith(
      'search:query',
      expect.objectContaining({ query: 'blue' }),
    );

    await fireEvent.input(box, { target: { value: 'nothing' } });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The search is empty: type a few words to search for.');
  });

  it('says the model loads on first use, then names its provider once a search has run', async () => {
    let loaded = false;
    installFakeBackend({
      'app:info': () => ({ ...readyInfo, provider: loaded ? 'cpu' : null, providerNotes: [] }),
      'search:query': () => {
        loaded = true; // the engine loads the text encoder for the first search
        return { results: makeResults(2), hidden: 0 };
      },
    });
    render(App);
    const box = await screen.findByRole('searchbox', { name: 'Search' });
    const bar = screen.getByRole('contentinfo');
    expect(bar.textContent).toContain('Model ready (loads on first use)');
    await fireEvent.input(box, { target: { value: 'blue' } });
    await screen.findByRole('list', { name: 'Results' });
    await waitFor(() => expect(bar.textContent).toContain('Running on cpu'));
  });

  it('lists failed files with their reasons in the library, and the provider in the status bar', async () => {
    installFakeBackend({
      'library:failures': () => [
        {
          path: '/photos/broken.jpg',
          root: '/photos',
          code: 'DECODE_FAILED',
          error: 'The image could not be decoded: the file may be damaged.',
        },
      ],
    });
    render(App);
    await screen.findByRole('searchbox', { name: 'Search' });
    expect(screen.getByRole('contentinfo').textContent).toContain('Running on cpu');
    expect(screen.getByText('Why not a GPU?')).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Library' }));
    const failed = await screen.findByRole('list', { name: 'Failed files' });
    const item = within(failed).getByRole('listitem');
    expect(item.textContent).toContain('broken.jpg');
    expect(item.textContent).toContain('The image could not be decoded');
    expect(screen.getByRole('row', { name: /\/photos/ })).toBeTruthy();
  });

  it('shows export jobs in the Progress region, and a missing ffmpeg in the status bar', async () => {
    const problem = 'ffmpeg was not found. Install ffmpeg, or set its path in the settings.';
    const fake = installFakeBackend({
      'app:info': () => ({ ...readyInfo, ffmpeg: null, ffmpegProblem: problem }),
    });
    render(App);
    await screen.findByRole('searchbox', { name: 'Search' });
    const bar = screen.getByRole('contentinfo');
    expect(bar.textContent).toContain('ffmpeg not found');
    expect(bar.textContent).toContain(problem);

    fake.emit(
      'job:progress',
      job({ id: 'e1', kind: 'export', label: 'beach.mp4: 2 clips', progress: null }),
    );
    const region = await screen.findByRole('region', { name: 'Progress' });
    expect(
      within(region).getByRole('progressbar', { name: 'Exporting beach.mp4: 2 clips' }),
    ).toBeTruthy();
    expect(within(region).getByRole('button', { name: 'Cancel export' })).toBeTruthy();
  });

  it('shows the ffmpeg in use in the status bar', async () => {
    installFakeBackend();
    render(App);
    await screen.findByRole('searchbox', { name: 'Search' });
    expect(screen.getByRole('contentinfo').textContent).toContain('ffmpeg 7.1');
  });

  it('shows an offline folder as offline, and a model re-index with the model still serving', async () => {
    installFakeBackend({
      'library:status': () => ({
        ...status,
        roots: [
          { path: '/photos', files: 3, failed: 0, offline: null },
          {
            path: '/media/usb',
            files: 120,
            failed: 0,
            offline: 'not found: is the disk or share connected?',
          },
        ],
        reindex: { model: 'clip-vit-l14', servingModel: 'clip-vit-b32', done: 40, total: 123 },
      }),
    });
    render(App);
    await screen.findByRole('searchbox', { name: 'Search' });
    await fireEvent.click(screen.getByRole('button', { name: 'Library' }));
    const usb = await screen.findByRole('row', { name: /\/media\/usb/ });
    expect(usb.textContent).toContain('Offline');
    expect(usb.textContent).toContain('120');
    expect(usb.textContent).toContain('is the disk or share connected?');
    expect(screen.getByRole('row', { name: /\/photos/ }).textContent).toContain('Indexed');
    const notice = screen.getByText(/Re-indexing for model clip-vit-l14: 40 of 123/);
    expect(notice).toBeTruthy();
    expect(screen.getByText(/Searches use the index of clip-vit-b32/).textContent).toMatch(
      /once every folder can be read: \/media\/usb\s+is offline/,
    );
  });
});
