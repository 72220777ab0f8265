/**
 * @file Progress accounting for long jobs (engine): counts, a smoothed rate and an ETA,
 * throttled so a fast job does not flood the UI or the terminal with events.
 */
import type { IndexProgress } from '../../shared/types.js';

/** Weight of the newest rate sample; ~10 samples of memory smooths per-batch jitter. */
const RATE_SMOOTHING = 0.1;
/** At most this many progress events per second reach listeners. */
const MAX_EVENTS_PER_SECOND = 10;

export class ProgressMeter {
  private done = 0;
  private rate = 0;
  private lastSample = performance.now();
  private lastSampleDone = 0;
  private lastEmit = 0;

  constructor(
    private readonly total: number,
    private readonly emit: (progress: IndexProgress) => void,
  ) {}

  advance(count: number, currentFile: string | null, force = false): void {
    this.done += count;
    const now = performance.now();
    const elapsed = (now - this.lastSample) / 1000;
    if (elapsed >= 0.25) {
      const sample = (this.done - this.lastSampleDone) / elapsed;
      this.rate = this.rate === 0 ? sample : this.rate + RATE_SMOOTHING * (sample - this.rate);
      this.lastSample = now;
      this.lastSampleDone = this.done;
    }
    if (force || now - this.lastEmit >= 1000 / MAX_EVENTS_PER_SECOND || this.done === this.total) {
      this.lastEmit = now;
      this.emit(this.snapshot(currentFile));
    }
  }

  snapshot(currentFile: string | null, phase: IndexProgress['phase'] = 'indexing'): IndexProgress {
    const left = Math.max(0, this.total - this.done);
    return {
      phase,
      done: this.done,
      total: this.total,
      rate: this.rate,
      etaSeconds: this.rate > 0 ? left / this.rate : null,
      currentFile,
    };
  }
}
