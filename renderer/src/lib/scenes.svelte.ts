/**
 * @file The matched scenes of one video (renderer): asked of `scenes:find` with the
 * current search's words when the lightbox opens a video. An answer for a video or query
 * that is no longer shown is dropped.
 */
import type { Scene } from '../../../electron/shared/types.js';
import { errorMessage, invoke } from './api.js';

export class SceneList {
  /** Best first, as the engine ranks them. */
  scenes = $state.raw<Scene[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Whether `scenes` answers a query (false when there was nothing to ask). */
  searched = $state(false);

  /** In time order, for the timeline and for a highlight reel that plays forwards. */
  inOrder = $derived([...this.scenes].sort((a, b) => a.start - b.start));

  #sequence = 0;

  async load(query: string, video: string): Promise<void> {
    const sequence = ++this.#sequence;
    const words = query.trim();
    if (!words) {
      this.scenes = [];
      this.loading = false;
      this.searched = false;
      this.error = null;
      return;
    }
    this.loading = true;
    try {
      const scenes = await invoke('scenes:find', { query: words, video });
      if (sequence !== this.#sequence) return;
      this.scenes = scenes;
      this.error = null;
    } catch (error) {
      if (sequence !== this.#sequence) return;
      this.scenes = [];
      this.error = errorMessage(error);
    }
    this.loading = false;
    this.searched = true;
  }
}
