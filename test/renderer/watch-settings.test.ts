/**
 * @file The Library view's watched-folders settings (WatchSettings.svelte) against a fake
 * backend: the box and the interval read settings:get, change through settings:set, and the
 * folders polled now are named.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelInput } from '../../electron/shared/contract.js';
import WatchSettings from '../../renderer/src/components/library/WatchSettings.svelte';
import { installFakeBackend, settings } from './fake-backend.js';

afterEach(() => cleanup());

describe('watched folders settings', () => {
  it('turns watching off and sets the polling interval through settings:set', async () => {
    const sets: ChannelInput<'settings:set'>[] = [];
    installFakeBackend({
      'settings:set': (change) => {
        sets.push(change);
        return { ...settings, ...change } as typeof settings;
      },
    });
    render(WatchSettings, {
      roots: [
        { path: '/photos', files: 3, failed: 0, offline: null, watch: 'events' },
        { path: '/mnt/nas', files: 9, failed: 0, offline: null, watch: 'polling' },
      ],
    });
    const box = screen.getByRole('checkbox', { name: 'Watch folders for changes' });
    await waitFor(() => expect(box).toHaveProperty('disabled', false));
    expect(box).toHaveProperty('checked', true);
    expect(screen.getByText(/polled now: \/mnt\/nas\)/)).toBeTruthy();

    const interval = screen.getByRole('spinbutton', { name: /Check polled folders every/ });
    expect(interval).toHaveProperty('value', '30');
    await fireEvent.change(interval, { target: { value: '120' } });
    await waitFor(() => expect(sets).toEqual([{ watchPollSeconds: 120 }]));

    await fireEvent.click(box);
    await waitFor(() => expect(sets.at(-1)).toEqual({ watch: false }));
    expect(box).toHaveProperty('checked', false);
    await waitFor(() => expect(interval).toHaveProperty('disabled', true));
  });
});
