/**
 * @file Job state: progress events update jobs, a job's end is reported once, and a late
 * live snapshot never brings a finished job back.
 */
import { describe, expect, it, vi } from 'vitest';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import { invoke } from '../../renderer/src/lib/api.js';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';

vi.mock(import('../../renderer/src/lib/api.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  invoke: vi.fn(),
}));

const snapshot = (state: JobSnapshot['state'], id = 'j1'): JobSnapshot => ({
  id,
  kind: 'index',
  state,
  label: '/photos',
  progress: null,
  report: null,
  clips: null,
  error: null,
});

describe('JobsState', () => {
  it('reports a job’s end once and keeps it finished', () => {
    const jobs = new JobsState();
    const finished = vi.fn();
    jobs.onFinished(finished);
    jobs.update(snapshot('running'));
    jobs.update(snapshot('done'));
    jobs.update(snapshot('running')); // late, from a list fetched earlier
    jobs.update(snapshot('done'));
    expect(finished).toHaveBeenCalledTimes(1);
    expect(jobs.byId['j1']?.state).toBe('done');
    expect(jobs.live).toEqual([]);
  });

  it('loads live jobs, and the end of known ones, but not old outcomes', async () => {
    const jobs = new JobsState();
    jobs.update(snapshot('running', 'known'));
    vi.mocked(invoke).mockResolvedValueOnce([
      snapshot('running', 'live'),
      snapshot('done', 'old'),
      snapshot('failed', 'known'),
    ]);
    await jobs.load();
    expect(Object.keys(jobs.byId).sort()).toEqual(['known', 'live']);
    expect(jobs.byId['known']?.state).toBe('failed');
  });

  it('hides dismissed jobs', () => {
    const jobs = new JobsState();
    jobs.update(snapshot('done'));
    expect(jobs.visible).toHaveLength(1);
    jobs.dismiss('j1');
    expect(jobs.visible).toHaveLength(0);
  });
});
