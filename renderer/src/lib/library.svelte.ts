/**
 * @file Library state (renderer): the folders Lantern indexes with their counts, the files
 * it could not read, and the actions on them. `library:changed` keeps the status current
 * while indexing runs.
 */
import type { JobSnapshot } from '../../../electron/shared/contract.js';
import type { FailedFile, LibraryStatus } from '../../../electron/shared/types.js';
import { ApiError, errorMessage, invoke, on } from './api.js';

export class LibraryState {
  status = $state.raw<LibraryStatus | null>(null);
  failures = $state.raw<FailedFile[]>([]);
  error = $state<string | null>(null);

  roots = $derived(this.status?.roots.map((root) => root.path) ?? []);

  subscribe(): () => void {
    return on('library:changed', (status) => {
      this.status = status;
    });
  }

  async load(): Promise<void> {
    await this.#attempt(async () => {
      const [status, failures] = await Promise.all([
        invoke('library:status', {}),
        invoke('library:failures', {}),
      ]);
      this.status = status;
      this.failures = failures;
    });
  }

  /**
   * Adds folders and starts indexing them; returns the job so callers can follow it.
   * Throws the ApiError: the control that asked shows it next to itself.
   */
  async addRoots(paths: string[]): Promise<JobSnapshot> {
    const wanted = paths.map((path) => path.trim()).filter(Boolean);
    if (wanted.length === 0) {
      throw new ApiError(
        'INVALID_INPUT',
        'Type the full path of a folder to add, e.g. /home/me/Pictures.',
      );
    }
    const job = await invoke('library:addRoots', { paths: wanted });
    // The new folders belong in the status now, not only once indexing reports.
    void this.load();
    return job;
  }

  async removeRoot(path: string): Promise<void> {
    await this.#attempt(async () => {
      this.status = await invoke('library:removeRoot', { path });
      this.failures = await invoke('library:failures', {});
    });
  }

  /** Re-index one folder, or every folder when `path` is absent. */
  async reindex(path?: string): Promise<JobSnapshot | null> {
    return this.#attempt(() => invoke('library:reindex', path ? { path } : {}));
  }

  /** Run an action; a failure becomes the sentence shown, success clears the last one. */
  async #attempt<T>(action: () => Promise<T>): Promise<T | null> {
    try {
      const value = await action();
      this.error = null;
      return value;
    } catch (error) {
      this.error = errorMessage(error);
      return null;
    }
  }
}
