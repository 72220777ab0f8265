/**
 * @file A detector's or segmenter's first load as the inspector shows it (renderer): the
 * engine sends `vision:loading` while it reads the model file (bytes) and prepares its
 * session; the inspector shows the load of a task it is waiting on, and nothing once that
 * load is ready or failed, or once it stops waiting.
 */
import type { VisionLoading } from '../../../electron/shared/types.js';

export type VisionTask = VisionLoading['task'];

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * "120 of 583 MB": both counts in the total's decimal unit, with the total's digits (as
 * formatBytes writes it), so the pair reads as one measure that grows.
 */
export function formatLoaded(loaded: number, total: number): string {
  let unit = 0;
  let scale = 1;
  while (total / scale >= 1000 && unit < BYTE_UNITS.length - 1) {
    scale *= 1000;
    unit += 1;
  }
  const digits = unit === 0 || total / scale >= 100 ? 0 : 1;
  const part = (bytes: number) => (bytes / scale).toFixed(digits);
  return `${part(Math.min(loaded, total))} of ${part(total)} ${BYTE_UNITS[unit]}`;
}

export class ModelLoads {
  /** The load to show for each task, while the inspector waits on that task. */
  shown = $state<Partial<Record<VisionTask, VisionLoading>>>({});
  /** How many calls of each task are in flight: events of another task are not ours. */
  readonly #waiting: Record<VisionTask, number> = { detect: 0, segment: 0 };

  /** A call of `task` starts; returns the function to call when it ends. */
  wait(task: VisionTask): () => void {
    this.#waiting[task] += 1;
    return () => {
      this.#waiting[task] = Math.max(0, this.#waiting[task] - 1);
      // A missed "ready" (an engine without the event) must not leave a bar behind.
      if (this.#waiting[task] === 0) delete this.shown[task];
    };
  }

  /** One `vision:loading` event. */
  receive(event: VisionLoading): void {
    if (this.#waiting[event.task] === 0) return;
    if (event.phase === 'ready' || event.phase === 'failed') delete this.shown[event.task];
    else this.shown[event.task] = event;
  }
}
