/**
 * @file Long-running jobs (renderer): indexing, model downloads and clip exports, loaded once from
 * `jobs:list` and kept current by `job:progress` events. Finished jobs stay listed until
 * dismissed, so the outcome is not missed.
 */
import { untrack } from 'svelte';
import { SvelteSet } from 'svelte/reactivity';
import type { JobSnapshot } from '../../../electron/shared/contract.js';
import { errorMessage, invoke, on } from './api.js';

const LIVE_STATES: ReadonlySet<JobSnapshot['state']> = new Set(['queued', 'running', 'paused']);

export function isLive(job: JobSnapshot): boolean {
  return LIVE_STATES.has(job.state);
}

/** What a job is, for people: "Indexing /photos", "Exporting beach.mp4: 3 clips". */
export function jobTitle(job: JobSnapshot): string {
  switch (job.kind) {
    case 'index':
      return `Indexing ${job.label}`;
    case 'export':
      return `Exporting ${job.label}`;
    case 'download':
      // Labelled with the model's id (the picker finds the job by it).
      return `Downloading model ${job.label}`;
    case 'tag':
      return `Tagging ${job.label}`;
    case 'xmp':
      return `Writing XMP sidecars of ${job.label}`;
  }
}

export class JobsState {
  /** Raw snapshots replaced whole: progress arrives up to ten times a second. */
  byId = $state.raw<Record<string, JobSnapshot>>({});
  /** Finished jobs the person has put away. */
  readonly dismissed = new SvelteSet<string>();
  error = $state<string | null>(null);
  /**
   * How many views show download jobs beside their model (the setup page's picker): while
   * one does, the progress region leaves downloads to it rather than showing them twice.
   */
  inlineDownloadViews = $state(0);

  /** Jobs to show: every live one and finished ones not yet dismissed, oldest first. */
  visible = $derived(Object.values(this.byId).filter((job) => !this.dismissed.has(job.id)));
  live = $derived(Object.values(this.byId).filter(isLive));

  #finishedListeners: ((job: JobSnapshot) => void)[] = [];

  /** Start listening; returns the function that stops. Call before `load`, so no update is lost. */
  subscribe(): () => void {
    return on('job:progress', (job) => this.update(job));
  }

  async load(): Promise<void> {
    try {
      // Live jobs, and known ones whose end was missed (e.g. while the socket was down);
      // outcomes of jobs this window never showed are old news.
      for (const job of await invoke('jobs:list', {}))
        if (isLive(job) || this.byId[job.id]) this.update(job);
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  update(job: JobSnapshot): void {
    const before = this.byId[job.id];
    // A finished job never runs again; a live snapshot arriving late (a list fetched
    // before the last event) must not bring it back.
    if (before && !isLive(before) && isLive(job)) return;
    this.byId = { ...this.byId, [job.id]: job };
    if ((!before || isLive(before)) && !isLive(job)) {
      for (const listener of this.#finishedListeners) listener(job);
    }
  }

  /** Called once when a job reaches done, failed or cancelled. */
  onFinished(listener: (job: JobSnapshot) => void): () => void {
    this.#finishedListeners.push(listener);
    return () => {
      this.#finishedListeners = this.#finishedListeners.filter((l) => l !== listener);
    };
  }

  /** Say a view shows downloads itself; returns the function that says it stopped. */
  showDownloadsInline(): () => void {
    // Called from an effect: read the count untracked, or the effect would rerun on its write.
    untrack(() => (this.inlineDownloadViews += 1));
    return () => untrack(() => (this.inlineDownloadViews -= 1));
  }

  /**
   * Start a failed or stopped download again: it resumes from the bytes already on disk.
   * The person confirmed the model when the first try began, so a model without a published
   * checksum is allowed again rather than asked about twice.
   */
  async retry(job: JobSnapshot): Promise<void> {
    if (job.kind !== 'download') return;
    try {
      const next = await invoke('models:fetch', { id: job.label, allowUnverified: true });
      this.dismissed.add(job.id);
      this.update(next);
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  dismiss(id: string): void {
    this.dismissed.add(id);
  }

  async control(action: 'pause' | 'resume' | 'cancel', id: string): Promise<void> {
    try {
      this.update(await invoke(`jobs:${action}`, { id }));
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  /** The newest job not dismissed of a kind whose label matches, e.g. a model's download. */
  find(kind: JobSnapshot['kind'], label: string): JobSnapshot | undefined {
    return this.visible.filter((job) => job.kind === kind && job.label === label).at(-1);
  }
}
