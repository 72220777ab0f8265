/**
 * @file Keyboard focus never falls out of the lightbox to the page body, where Esc and Tab
 * would do nothing ([Note: focus stays in the lightbox] in Lightbox.svelte): not when a
 * focused control goes away or is blurred, not after an export is started, and a key
 * pressed on the body still reaches the dialog. jsdom does not drop focus from a button
 * that is disabled (Chromium does): the export test checks that the button stays enabled.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import Lightbox from '../../renderer/src/components/search/Lightbox.svelte';
import ExportClips from '../../renderer/src/components/video/ExportClips.svelte';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';
import { installFakeBackend } from './fake-backend.js';
import { deferred, makeResults, makeScenes, makeVideoResult } from './fixtures.js';

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

function openLightbox(results = makeResults(3)) {
  const onclose = vi.fn();
  render(Lightbox, {
    results,
    index: 0,
    query: 'waves',
    jobs: new JobsState(),
    ffmpegProblem: null,
    onindex: vi.fn(),
    onclose,
    onsimilar: vi.fn(),
  });
  return { dialog: screen.getByRole('dialog'), onclose };
}

/** Esc as a person presses it: on whatever holds focus now. */
async function pressEscape() {
  await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
}

describe('Focus in the lightbox', () => {
  it('comes back to the dialog when the focused Dismiss removes its alert, so Esc closes', async () => {
    installFakeBackend();
    const { dialog, onclose } = openLightbox();
    // jsdom has no clipboard: Copy path fails with an alert that can be dismissed.
    await fireEvent.click(screen.getByRole('button', { name: 'Copy path' }));
    const dismiss = await screen.findByRole('button', { name: 'Dismiss error' });
    dismiss.focus();
    await fireEvent.click(dismiss);
    expect(screen.queryByRole('alert')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(dialog));
    await pressEscape();
    expect(onclose).toHaveBeenCalledTimes(1);
  });

  it('comes back to the dialog when a focused control loses focus to nowhere', async () => {
    installFakeBackend();
    const { dialog } = openLightbox();
    const copy = screen.getByRole('button', { name: 'Copy path' });
    copy.focus();
    // What Chromium does to a focused button that becomes disabled (Previous at the start).
    copy.blur();
    await waitFor(() => expect(document.activeElement).toBe(dialog));
  });

  it('takes a key pressed on the page body: Esc closes, Tab moves into the dialog', async () => {
    installFakeBackend();
    const { dialog, onclose } = openLightbox();
    await fireEvent.keyDown(document.body, { key: 'Tab' });
    expect(dialog.contains(document.activeElement)).toBe(true);
    await fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(onclose).toHaveBeenCalledTimes(1);
  });

  it('stays on Export clip while the export starts, so Esc still closes the lightbox', async () => {
    const answer = deferred<JobSnapshot>();
    const fake = installFakeBackend({
      'scenes:find': () => makeScenes(),
      'clip:export': () => answer.promise,
    });
    const { onclose } = openLightbox([makeVideoResult()]);
    const exportClip = screen.getByRole('button', { name: 'Export clip' });
    exportClip.focus();
    await fireEvent.click(exportClip);
    // Disabling the pressed button would drop focus to the body in Chromium.
    expect(exportClip).toHaveProperty('disabled', false);
    expect(exportClip.getAttribute('aria-disabled')).toBe('true');
    await fireEvent.click(exportClip);
    const exports = () => fake.invoke.mock.calls.filter(([channel]) => channel === 'clip:export');
    expect(exports()).toHaveLength(1);
    answer.resolve(exportJob());
    await screen.findByRole('list', { name: 'Export queue' });
    expect(exportClip.getAttribute('aria-disabled')).toBe('false');
    expect(document.activeElement).toBe(exportClip);
    await pressEscape();
    expect(onclose).toHaveBeenCalledTimes(1);
  });
});

describe('Focus in the export controls', () => {
  it('goes back to Export clip when the finished export is dismissed from the queue', async () => {
    const fake = installFakeBackend({ 'clip:export': () => exportJob() });
    const jobs = new JobsState();
    const stop = jobs.subscribe();
    render(ExportClips, {
      path: '/videos/beach.mp4',
      range: { start: 4, end: 9 },
      scenes: makeScenes(),
      jobs,
      ffmpegProblem: null,
    });
    const exportClip = screen.getByRole('button', { name: 'Export clip' });
    await fireEvent.click(exportClip);
    const queue = await screen.findByRole('list', { name: 'Export queue' });
    fake.emit('job:progress', exportJob({ state: 'done', clips: [] }));
    const dismiss = await within(queue).findByRole('button', { name: 'Dismiss' });
    dismiss.focus();
    await fireEvent.click(dismiss);
    await waitFor(() => expect(screen.queryByRole('list', { name: 'Export queue' })).toBeNull());
    expect(document.activeElement).toBe(exportClip);
    stop();
  });
});
