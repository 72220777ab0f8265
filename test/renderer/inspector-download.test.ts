/**
 * @file Getting a missing detector from the inspector, against a fake backend: MODEL_MISSING
 * offers "Download <name> (<size>)" from models:list; an unverified model asks for a second
 * click, then models:fetch carries allowUnverified; the job's progress shows in the panel and,
 * once the job is done, vision:detect is asked again by itself and its boxes are drawn.
 * Cancelling leaves the panel usable, with the download offered again as "Continue download".
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Channel, JobSnapshot } from '../../electron/shared/contract.js';
import type { VisionDetection } from '../../electron/shared/types.js';
import Lightbox from '../../renderer/src/components/search/Lightbox.svelte';
import { clearInspectorCache } from '../../renderer/src/lib/inspector.svelte.js';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';
import { CodedError, detectionsAnswer, installFakeBackend } from './fake-backend.js';
import { makeResults, modelSummary } from './fixtures.js';

const MISSING =
  'The detection model owlvit-b32 is not downloaded yet: download it in the model list ' +
  '(Settings), or run `npx lantern models fetch owlvit-b32`.';

const RED: VisionDetection[] = [{ label: 'red', score: 0.9, box: [10, 20, 110, 220] }];

const models = [
  modelSummary(),
  // One id that begins another: the sentence names owlvit-b32, not this one.
  modelSummary({ id: 'owlvit', name: 'OWL-ViT', task: 'detect', sizeBytes: 1 }),
  modelSummary({
    id: 'owlvit-b32',
    name: 'OWL-ViT B/32',
    task: 'detect',
    sizeBytes: 612_000_000,
    verified: false,
  }),
];

function download(state: JobSnapshot['state']): JobSnapshot {
  return {
    id: 'job-1',
    kind: 'download',
    state,
    label: 'owlvit-b32',
    progress:
      state === 'running'
        ? {
            phase: 'indexing',
            done: 300e6,
            total: 612e6,
            rate: 0,
            etaSeconds: null,
            currentFile: null,
          }
        : null,
    report: null,
    clips: null,
    error: null,
    ...(state === 'done' ? { verified: false } : {}),
  };
}

function calls(invoke: ReturnType<typeof installFakeBackend>['invoke'], channel: Channel) {
  return invoke.mock.calls.filter(([c]) => c === channel).map(([, input]) => input);
}

/** The lightbox's inspector on a photo whose detector is not downloaded until `installed`. */
async function openMissing() {
  const model = { installed: false };
  const fake = installFakeBackend({
    'models:list': () => models,
    'vision:detect': ({ prompts }) => {
      if (!model.installed) throw new CodedError('MODEL_MISSING', MISSING);
      return detectionsAnswer(RED.filter((d) => prompts.includes(d.label)));
    },
    'models:fetch': () => download('queued'),
    'jobs:cancel': () => download('cancelled'),
  });
  const jobs = new JobsState();
  const stop = jobs.subscribe();
  render(Lightbox, {
    results: makeResults(3),
    index: 1,
    query: '',
    jobs,
    ffmpegProblem: null,
    onindex: vi.fn(),
    onclose: vi.fn(),
    onsimilar: vi.fn(),
  });
  await fireEvent.click(screen.getByRole('button', { name: 'Inspect' }));
  const field = screen.getByRole('textbox', { name: 'Prompt' });
  await fireEvent.input(field, { target: { value: 'red' } });
  await fireEvent.submit(field.closest('form') as HTMLFormElement);
  return { ...fake, model, stop };
}

const boxes = () => screen.queryAllByRole('button', { name: /^red \d\.\d\d$/ });

let stopJobs: (() => void) | undefined;
beforeEach(() => clearInspectorCache());
afterEach(() => {
  stopJobs?.();
  cleanup();
});

describe('a missing model in the inspector', () => {
  it('offers the download, confirms an unverified model, follows the job and asks again', async () => {
    const fake = await openMissing();
    const { invoke, model, stop } = fake;
    stopJobs = stop;
    const offer = await screen.findByRole('button', { name: 'Download OWL-ViT B/32 (612 MB)' });
    expect(screen.getByRole('alert').textContent).toContain('owlvit-b32 is not downloaded yet');

    // No published checksum: the first click asks, the second starts the download.
    await fireEvent.click(offer);
    expect(calls(invoke, 'models:fetch')).toEqual([]);
    expect(screen.getByText(/has no published checksum/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Download OWL-ViT B/32 anyway' }));
    await waitFor(() =>
      expect(calls(invoke, 'models:fetch')).toEqual([{ id: 'owlvit-b32', allowUnverified: true }]),
    );

    fake.emit('job:progress', download('running'));
    const bar = await screen.findByRole('progressbar', { name: 'Downloading OWL-ViT B/32' });
    expect(bar).toBeTruthy();
    expect(calls(invoke, 'vision:detect')).toHaveLength(1);

    model.installed = true;
    fake.emit('job:progress', download('done'));
    await waitFor(() => expect(boxes()).toHaveLength(1));
    expect(calls(invoke, 'vision:detect')).toEqual([
      { path: '/photos/img-1.jpg', prompts: ['red'] },
      { path: '/photos/img-1.jpg', prompts: ['red'] },
    ]);
    expect(screen.queryByRole('button', { name: /^Download OWL-ViT/ })).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a cancelled download offers the button again and the panel stays usable', async () => {
    const fake = await openMissing();
    const { invoke, stop } = fake;
    stopJobs = stop;
    await fireEvent.click(
      await screen.findByRole('button', { name: /^Download OWL-ViT B\/32 \(/ }),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Download OWL-ViT B/32 anyway' }));
    fake.emit('job:progress', download('running'));
    await fireEvent.click(await screen.findByRole('button', { name: /^Cancel/ }));
    await waitFor(() => expect(calls(invoke, 'jobs:cancel')).toEqual([{ id: 'job-1' }]));

    // What arrived is kept: the offer continues the download rather than starting one.
    expect(await screen.findByRole('button', { name: 'Continue download' })).toBeTruthy();
    expect(screen.getByText(/cancelled/)).toBeTruthy();
    // Nothing was asked again, and another prompt is still taken (and still told why not).
    expect(calls(invoke, 'vision:detect')).toHaveLength(1);
    const field = screen.getByRole('textbox', { name: 'Prompt' });
    await fireEvent.input(field, { target: { value: 'blue' } });
    await fireEvent.submit(field.closest('form') as HTMLFormElement);
    await waitFor(() => expect(calls(invoke, 'vision:detect')).toHaveLength(2));
    expect((await screen.findByRole('alert')).textContent).toContain('owlvit-b32');
  });
});
