/**
 * @file The job queue of the engine service: long work (indexing, model downloads) runs
 * one job at a time, in order, each pausable and cancellable, and every change is
 * published as a JobSnapshot for the UI's progress bars.
 */
import { encodeError, isCancelled } from '../../shared/errors.js';
import type { JobKind, JobSnapshot } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';
import type { ClipResult, IndexProgress, IndexReport } from '../../shared/types.js';
import { PauseGate } from '../util/pause-gate.js';

export interface JobContext {
  signal: AbortSignal;
  pause: PauseGate;
  progress: (progress: IndexProgress) => void;
  /**
   * Called each time the person pauses the job: work that cannot wait between batches (a
   * download stream) stops here and resumes later. Returns the function that unsubscribes.
   */
  onPause: (listener: () => void) => () => void;
}

/** What a job returns: an indexing report, the clips it wrote, a download's check, or nothing. */
export type JobWork = (
  context: JobContext,
) => Promise<
  | IndexReport
  | { clips: ClipResult[] }
  | { verified: boolean }
  | { tagged: { files: number; suggested: number } }
  | null
>;

interface Job {
  snapshot: JobSnapshot;
  work: JobWork;
  controller: AbortController;
  pause: PauseGate;
  pauseListeners: Set<() => void>;
  finished: Promise<void>;
  finish: () => void;
}

/** Finished jobs kept for `jobs:list`, so the UI can show what just ended. */
const KEEP_FINISHED = 20;

export class JobQueue {
  private readonly jobs: Job[] = [];
  private running: Job | null = null;
  private nextId = 1;

  constructor(private readonly publish: (snapshot: JobSnapshot) => void) {}

  enqueue(kind: JobKind, label: string, work: JobWork): JobSnapshot {
    let finish = () => undefined as void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const job: Job = {
      snapshot: {
        id: `job-${this.nextId++}`,
        kind,
        state: 'queued',
        label,
        progress: null,
        report: null,
        clips: null,
        error: null,
      },
      work,
      controller: new AbortController(),
      pause: new PauseGate(),
      pauseListeners: new Set(),
      finished,
      finish,
    };
    this.jobs.push(job);
    this.prune();
    this.update(job, {});
    void this.runNext();
    return job.snapshot;
  }

  list(): JobSnapshot[] {
    return this.jobs.map((job) => job.snapshot);
  }

  get busy(): boolean {
    return this.running !== null || this.jobs.some((job) => job.snapshot.state === 'queued');
  }

  pause(id: string): JobSnapshot {
    const job = this.find(id);
    if (job.snapshot.state === 'running' || job.snapshot.state === 'queued') {
      job.pause.pause();
      this.update(job, { state: 'paused' });
      for (const listener of job.pauseListeners) listener();
    }
    return job.snapshot;
  }

  resume(id: string): JobSnapshot {
    const job = this.find(id);
    if (job.snapshot.state === 'paused') {
      job.pause.resume();
      this.update(job, { state: job === this.running ? 'running' : 'queued' });
      void this.runNext();
    }
    return job.snapshot;
  }

  cancel(id: string): JobSnapshot {
    const job = this.find(id);
    if (
      job.snapshot.state === 'queued' ||
      (job.snapshot.state === 'paused' && job !== this.running)
    ) {
      this.update(job, { state: 'cancelled' });
      job.finish();
    } else if (job === this.running) {
      // The running job finishes its current batch, then stops (resumable indexing).
      job.controller.abort();
    }
    return job.snapshot;
  }

  /** Cancel everything and wait until the running job has stopped. */
  async shutdown(): Promise<void> {
    for (const job of this.jobs)
      if (job.snapshot.state === 'queued' || job.snapshot.state === 'paused')
        this.cancel(job.snapshot.id);
    const running = this.running;
    if (running) {
      running.pause.resume();
      running.controller.abort();
      await running.finished;
    }
  }

  private find(id: string): Job {
    const job = this.jobs.find((j) => j.snapshot.id === id);
    if (!job)
      throw new LanternError('NOT_FOUND', `There is no job ${id}; it may have finished long ago.`);
    return job;
  }

  private async runNext(): Promise<void> {
    if (this.running) return;
    const job = this.jobs.find((j) => j.snapshot.state === 'queued');
    if (!job) return;
    this.running = job;
    this.update(job, { state: 'running' });
    try {
      const outcome = await job.work({
        signal: job.controller.signal,
        pause: job.pause,
        progress: (progress) => this.update(job, { progress }),
        onPause: (listener) => {
          job.pauseListeners.add(listener);
          return () => job.pauseListeners.delete(listener);
        },
      });
      const report = outcome && 'indexed' in outcome ? outcome : null;
      const clips = outcome && 'clips' in outcome ? outcome.clips : null;
      const verified = outcome && 'verified' in outcome ? { verified: outcome.verified } : {};
      const tagged = outcome && 'tagged' in outcome ? { tagged: outcome.tagged } : {};
      const cancelled = job.controller.signal.aborted || report?.cancelled === true;
      this.update(job, {
        state: cancelled ? 'cancelled' : 'done',
        report,
        clips,
        ...verified,
        ...tagged,
      });
    } catch (error) {
      this.update(
        job,
        isCancelled(error)
          ? { state: 'cancelled' }
          : { state: 'failed', error: encodeError(error) },
      );
    } finally {
      this.running = null;
      job.finish();
    }
    await this.runNext();
  }

  private update(job: Job, change: Partial<JobSnapshot>): void {
    // A paused job keeps reporting 'paused' while its progress still trickles in.
    const state = change.state ?? job.snapshot.state;
    job.snapshot = { ...job.snapshot, ...change, state };
    this.publish(job.snapshot);
  }

  private prune(): void {
    const finished = this.jobs.filter((j) =>
      ['done', 'failed', 'cancelled'].includes(j.snapshot.state),
    );
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
      this.jobs.splice(this.jobs.indexOf(job), 1);
    }
  }
}
