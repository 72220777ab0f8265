/**
 * @file A pause switch for long jobs (engine): the job awaits `wait()` between batches,
 * which resolves at once while running and holds while paused. Cancelling a paused job
 * must also release it, so `wait()` gives up when its signal aborts.
 */

export class PauseGate {
  private paused = false;
  private waiters: (() => void)[] = [];

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const release of this.waiters.splice(0)) release();
  }

  async wait(signal?: AbortSignal): Promise<void> {
    if (!this.paused || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const release = () => {
        signal?.removeEventListener('abort', release);
        resolve();
      };
      this.waiters.push(release);
      signal?.addEventListener('abort', release, { once: true });
    });
  }
}
