/**
 * @file The lightbox: a modal dialog named by the file, showing the original through
 * mediaUrl, stepped with ←/→ and Home/End, closed with Esc; "Reveal in file manager"
 * only where the desktop shell can do it; a counted search's finding beside the score.
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { Shell } from '../../renderer/src/lib/api.js';
import Lightbox from '../../renderer/src/components/search/Lightbox.svelte';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';
import { makeResults } from './fixtures.js';

const shellKind = vi.hoisted((): { value: Shell } => ({ value: 'browser' }));

vi.mock(import('../../renderer/src/lib/api.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  invoke: vi.fn(),
  mediaUrl: (path: string) => `/media?path=${encodeURIComponent(path)}`,
  shell: () => shellKind.value,
}));

function setup(index = 1) {
  const props = {
    results: makeResults(5),
    index,
    query: '',
    jobs: new JobsState(),
    ffmpegProblem: null,
    onindex: vi.fn(),
    onclose: vi.fn(),
    onsimilar: vi.fn(),
  };
  render(Lightbox, props);
  return { ...props, dialog: screen.getByRole('dialog', { name: `img-${index}.jpg` }) };
}

describe('Lightbox', () => {
  it('is a modal dialog with the original image, its path and focus', () => {
    const { dialog } = setup();
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.activeElement).toBe(dialog);
    const image = screen.getByRole('img', { name: 'img-1.jpg' });
    expect(image.getAttribute('src')).toBe(
      `/media?path=${encodeURIComponent('/photos/img-1.jpg')}`,
    );
    expect(dialog.textContent).toContain('/photos/img-1.jpg');
    expect(dialog.textContent).toContain('640 × 480');
  });

  it('shows a score only for a file a search ranked, not for one listed by date', () => {
    const ranked = setup(1);
    expect(ranked.dialog.textContent).toContain('Score');
    cleanup();
    render(Lightbox, { ...ranked, results: makeResults(5).map((r) => ({ ...r, score: 0 })) });
    expect(screen.getByRole('dialog').textContent).not.toContain('Score');
  });

  it('says what a counted search found beside the score, as the tile does', () => {
    const results = makeResults(3);
    results[0] = { ...results[0]!, counted: { noun: 'orange squares', found: 2, wanted: 2 } };
    results[1] = { ...results[1]!, counted: { noun: 'orange squares', found: 1, wanted: 2 } };
    const exact = setup(0);
    cleanup();
    render(Lightbox, { ...exact, results });
    expect(screen.getByRole('dialog').textContent).toContain('2 orange squares found');
    cleanup();
    render(Lightbox, { ...exact, results, index: 1 });
    expect(screen.getByRole('dialog').textContent).toContain('orange squares: 1 found, 2 asked');
    cleanup();
    // An uncounted result says nothing of counting.
    render(Lightbox, { ...exact, results, index: 2 });
    expect(screen.getByRole('dialog').textContent).not.toContain('Counted');
  });

  it('steps with the arrow keys, jumps with Home and End, and closes with Esc', async () => {
    const { dialog, onindex, onclose } = setup(1);
    await fireEvent.keyDown(dialog, { key: 'ArrowRight' });
    expect(onindex).toHaveBeenLastCalledWith(2);
    await fireEvent.keyDown(dialog, { key: 'ArrowLeft' });
    expect(onindex).toHaveBeenLastCalledWith(0);
    await fireEvent.keyDown(dialog, { key: 'End' });
    expect(onindex).toHaveBeenLastCalledWith(4);
    await fireEvent.keyDown(dialog, { key: 'Home' });
    expect(onindex).toHaveBeenLastCalledWith(0);
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onclose).toHaveBeenCalledTimes(1);
  });

  it('does not step past either end', async () => {
    const { dialog, onindex } = setup(0);
    await fireEvent.keyDown(dialog, { key: 'ArrowLeft' });
    expect(onindex).toHaveBeenLastCalledWith(0);
    expect(screen.getByRole('button', { name: 'Previous' })).toHaveProperty('disabled', true);
  });

  it('offers Copy path and Find similar, and hides Reveal in the browser shell', async () => {
    const { onsimilar } = setup(2);
    expect(screen.queryByRole('button', { name: 'Reveal in file manager' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Copy path' })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Find similar' }));
    expect(onsimilar).toHaveBeenCalledWith('/photos/img-2.jpg');
  });

  it('shows Reveal in file manager in the desktop app', () => {
    shellKind.value = 'electron';
    try {
      setup(2);
      expect(screen.getByRole('button', { name: 'Reveal in file manager' })).toBeTruthy();
    } finally {
      shellKind.value = 'browser';
    }
  });
});
