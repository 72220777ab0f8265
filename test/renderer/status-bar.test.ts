/**
 * @file The status bar counts the library in words that agree with the number: "1 video",
 * "4 photos" (it once read "1 videos").
 */
import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import StatusBar from '../../renderer/src/components/common/StatusBar.svelte';
import { readyInfo, status } from './fake-backend.js';

afterEach(cleanup);

describe('StatusBar', () => {
  it.each([
    [4, 1, '4 photos · 1 video'],
    [1, 0, '1 photo · 0 videos'],
    [12_345, 2, '12,345 photos · 2 videos'],
  ])('%i photos and %i videos read "%s"', (images, videos, text) => {
    render(StatusBar, {
      info: readyInfo,
      status: { ...status, images, videos },
      connection: 'open',
    });
    expect(screen.getByText(text)).toBeTruthy();
  });
});
