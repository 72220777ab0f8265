/**
 * @file A counted search's reason on a result tile (engine/search/counting.ts): the
 * tooltip says how many of the counted noun the detector found, and how many were asked
 * when that differs; an uncounted result's tooltip is as before.
 */
import { render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import ResultGrid from '../../renderer/src/components/search/ResultGrid.svelte';
import { makeResults } from './fixtures.js';

vi.mock(import('../../renderer/src/lib/api.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  invoke: vi.fn(),
  mediaUrl: (path: string) => `/media?path=${encodeURIComponent(path)}`,
  shell: () => 'browser' as const,
}));

describe('ResultTile: counted results', () => {
  it('puts what the detector found in the tooltip', () => {
    const [exact, other, plain] = makeResults(3);
    const results = [
      { ...exact!, counted: { noun: 'dogs', found: 2, wanted: 2 } },
      { ...other!, counted: { noun: 'dogs', found: 1, wanted: 2 } },
      plain!,
    ];
    render(ResultGrid, { results, onopen: vi.fn(), onsimilar: vi.fn() });
    const title = (name: string) => screen.getByRole('button', { name }).getAttribute('title');
    expect(title('img-0.jpg')).toBe('img-0.jpg — 2 dogs found — score 0.400');
    expect(title('img-1.jpg')).toBe('img-1.jpg — dogs: 1 found, 2 asked — score 0.400');
    expect(title('img-2.jpg')).toBe('img-2.jpg — score 0.400');
  });
});
