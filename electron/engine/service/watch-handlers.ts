/**
 * @file Watched folders in the engine service (the app's engine and `lantern serve`): a
 * FolderWatcher runs while a writable library is open and watching is on in the settings;
 * its batches run as index jobs, so they queue behind the person's own jobs, show their
 * progress like any index run, and stop when the service closes ([Note: watching folders]
 * in engine/watch/folder-watcher.ts).
 */
import type { StoredSettings } from './settings.js';
import type { JobQueue } from './jobs.js';
import type { LibraryStatus } from '../../shared/types.js';
import type { Library } from '../library.js';
import { isAtOrInsideFolder } from '../library-folders.js';
import { FolderWatcher, type WatchBatch } from '../watch/folder-watcher.js';
import { indexWatchBatch } from '../watch/library-target.js';

export interface ServiceWatchOptions {
  jobs: JobQueue;
  /** Tell the renderer the library changed (a root went offline or came back, a batch ran). */
  publishStatus: () => Promise<unknown>;
  /** `lantern serve --poll SECONDS`: poll every root at this interval. */
  forcePollSeconds?: number;
}

export class ServiceWatch {
  private watcher: FolderWatcher | null = null;
  /** The watch job waiting in the queue, which later batches join instead of queueing more. */
  private queued: { id: string; batch: WatchBatch } | null = null;

  constructor(private readonly options: ServiceWatchOptions) {}

  /** Watch `library`'s roots as the settings say (or stop, when off or nothing is open). */
  async restart(
    library: Library | null,
    settings: Pick<StoredSettings, 'watch' | 'watchPollSeconds'>,
  ): Promise<void> {
    await this.stop();
    if (!library || library.readOnly || !settings.watch) return;
    const forced = this.options.forcePollSeconds;
    const watcher = new FolderWatcher(
      {
        roots: () => library.roots,
        index: (batch) => Promise.resolve(this.enqueue(library, batch)),
      },
      {
        pollSeconds: forced ?? settings.watchPollSeconds,
        forcePolling: forced !== undefined,
        onRootState: () => void this.options.publishStatus().catch(() => undefined),
        onError: (error) => console.warn(`Watching folders: ${String(error)}`),
      },
    );
    this.watcher = watcher;
    // Not awaited: getting native watches ready on a large library takes a while, and the
    // library answers meanwhile. stop() waits for it.
    void watcher
      .start()
      .catch((error: unknown) => console.warn(`Watching folders: ${String(error)}`));
  }

  async stop(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = null;
    this.queued = null;
    await watcher?.stop();
  }

  /** The status with how each root is watched, and roots the watcher found unmounted offline. */
  decorate(status: LibraryStatus): LibraryStatus {
    const states = this.watcher?.states();
    return {
      ...status,
      roots: status.roots.map((root) => {
        const state = states?.get(root.path);
        if (!state) return { ...root, watch: 'off' };
        if (state.mode === 'offline')
          return { ...root, watch: 'off', offline: root.offline ?? state.why ?? 'offline' };
        return { ...root, watch: state.mode };
      }),
    };
  }

  /** Queue the batch as an index job, or add it to the watch job still waiting. */
  private enqueue(library: Library, batch: WatchBatch): null {
    const waiting = this.queued;
    const stillQueued =
      waiting &&
      this.options.jobs.list().some((job) => job.id === waiting.id && job.state === 'queued');
    if (waiting && stillQueued) {
      waiting.batch = mergeBatches(waiting.batch, batch);
      return null;
    }
    const entry = { id: '', batch };
    const snapshot = this.options.jobs.enqueue('index', jobLabel(batch), async (context) => {
      if (this.queued === entry) this.queued = null;
      // A root removed while the job waited is not indexed again (that would add it back).
      const roots = entry.batch.roots.filter((root) => library.roots.includes(root));
      const within =
        entry.batch.within?.filter((folder) =>
          roots.some((root) => isAtOrInsideFolder(folder, root)),
        ) ?? null;
      if (roots.length === 0) return null;
      try {
        return await indexWatchBatch(
          library,
          { ...entry.batch, roots, within },
          {
            signal: context.signal,
            pause: context.pause,
            onProgress: context.progress,
          },
        );
      } finally {
        await this.options.publishStatus().catch(() => undefined);
      }
    });
    entry.id = snapshot.id;
    if (snapshot.state === 'queued') this.queued = entry;
    return null;
  }
}

/** "Watched folders", with why when it is not changes (start, resume, back online). */
function jobLabel(batch: WatchBatch): string {
  return batch.reason === 'changes' ? 'Watched folders' : `Watched folders (${batch.reason})`;
}

/** One batch covering both: folders where both name folders, else the roots whole. */
function mergeBatches(a: WatchBatch, b: WatchBatch): WatchBatch {
  const roots = [...new Set([...a.roots, ...b.roots])];
  const within =
    a.within && b.within
      ? [...new Set([...a.within, ...b.within])]
      : a.within || b.within
        ? [...new Set([...(a.within ?? a.roots), ...(b.within ?? b.roots)])]
        : null;
  return { roots, within, events: a.events + b.events, reason: a.reason };
}
