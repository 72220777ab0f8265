/**
 * @file Watches a library's roots and keeps its index current (engine, plain Node): the
 * app's engine, `lantern serve` and `lantern watch` each run one over the library they
 * hold the writer lock of ([Note: library lock] in library-lock.ts), so the watcher
 * writes only through that library (its `target`).
 *
 * [Note: watching folders]
 * - Events: chokidar, native (inotify, FSEvents, ReadDirectoryChangesW) where it works;
 *   polling every `pollSeconds` for roots on network shares (native events never see
 *   what another machine writes), when the person forces it, and for a root whose native
 *   watch failed (inotify's watch limit, say).
 * - Batches: events are coalesced until `quietMs` pass without one, or `maxWaitMs` after
 *   the first, then the folders they touched are re-scanned by the ordinary indexer in one
 *   run (change-batch.ts). One run at a time; what arrives meanwhile forms the next batch.
 * - Offline: a root that cannot be read, or whose disk was unmounted (root-health.ts), is
 *   not watched and never indexed, so its rows stay; when it is back it is re-scanned whole.
 * - Sleep: a timer that finds the wall clock jumped past its period means the machine
 *   slept (events may have been lost): every root is re-scanned.
 */
import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { IndexReport } from '../../shared/types.js';
import { isSkippedFolder, mediaKindOf } from '../indexer/scan.js';
import { isAtOrInsideFolder } from '../library-folders.js';
import { PendingChanges, type ChangeBatch, type ChangeKind } from './change-batch.js';
import { networkMountType } from './network-mounts.js';
import { checkRoot } from './root-health.js';

export type BatchReason = 'changes' | 'start' | 'resume' | 'back online';

export interface WatchBatch extends ChangeBatch {
  reason: BatchReason;
}

/** The library the watcher keeps current: its roots, and an index run over some of them. */
export interface WatchTarget {
  roots(): readonly string[];
  /** Index the batch; null when the run did not happen (cancelled before it started). */
  index(batch: WatchBatch, signal: AbortSignal): Promise<IndexReport | null>;
}

export interface RootWatchState {
  mode: 'events' | 'polling' | 'offline';
  /** Why polling (a network share, forced, native events failed) or why offline. */
  why: string | null;
}

export interface WatchOptions {
  /** Seconds between two polls of a polled root. */
  pollSeconds: number;
  /** Poll every root (the person asked for it, e.g. `--poll`). */
  forcePolling?: boolean;
  /** A batch starts once no event has come for this long… */
  quietMs?: number;
  /** …or this long after its first event, so a long copy is indexed as it goes. */
  maxWaitMs?: number;
  /** How often roots are checked (offline, back, added or removed, the clock). */
  checkMs?: number;
  /** A clock jump past the check period by more than this means the machine slept. */
  sleepGapMs?: number;
  /** Re-scan every root when watching starts (what changed while nobody watched). */
  rescanOnStart?: boolean;
  /** The wall clock (tests move it to play a sleep). */
  now?: () => number;
  onBatch?: (batch: WatchBatch, report: IndexReport | null, seconds: number) => void;
  onRootState?: (root: string, state: RootWatchState) => void;
  onError?: (error: unknown) => void;
}

interface WatchedRoot {
  state: RootWatchState;
  watcher: FSWatcher | null;
  /** The device the root was on when last online (root-health.ts). */
  device: number | null;
}

/** Native watching failures that polling gets round (watch limits, unsupported file systems). */
const NATIVE_FAILURES = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'ENOSYS', 'EPERM', 'EINVAL']);

export class FolderWatcher {
  private readonly roots = new Map<string, WatchedRoot>();
  private readonly pending = new PendingChanges();
  private readonly controller = new AbortController();
  private readonly now: () => number;
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly checkMs: number;
  private readonly sleepGapMs: number;
  private batchTimer: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  private firstEventAt: number | null = null;
  private lastCheckAt = 0;
  private nextReason: BatchReason = 'changes';
  private running: Promise<void> | null = null;
  private checking: Promise<void> | null = null;
  private stopped = false;
  private starting: Promise<void> | null = null;

  constructor(
    private readonly target: WatchTarget,
    private readonly options: WatchOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.quietMs = options.quietMs ?? 1000;
    this.maxWaitMs = options.maxWaitMs ?? 5000;
    this.checkMs = options.checkMs ?? 5000;
    this.sleepGapMs = options.sleepGapMs ?? 30_000;
  }

  /** Watch every root; resolves once their watchers are ready. */
  start(): Promise<void> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    this.lastCheckAt = this.now();
    await this.syncRoots();
    if (this.options.rescanOnStart !== false) {
      for (const [root, watched] of this.roots)
        if (watched.state.mode !== 'offline') this.pending.addRoot(root);
      this.nextReason = 'start';
      this.scheduleBatch(0);
    }
    if (!this.stopped) this.checkTimer = setInterval(() => void this.check(), this.checkMs);
  }

  /** How each root is watched now. */
  states(): Map<string, RootWatchState> {
    return new Map([...this.roots].map(([root, watched]) => [root, { ...watched.state }]));
  }

  /** Stop watching; a run in progress stops after its current batch of files. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.controller.abort();
    if (this.batchTimer) clearTimeout(this.batchTimer);
    if (this.checkTimer) clearInterval(this.checkTimer);
    await this.starting?.catch(() => undefined);
    if (this.checkTimer) clearInterval(this.checkTimer);
    await this.checking;
    for (const watched of this.roots.values()) await watched.watcher?.close();
    this.roots.clear();
    await this.running;
  }

  /** One check: the clock, roots added or removed, roots gone offline or back. */
  private check(): Promise<void> {
    this.checking ??= this.checkOnce()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => (this.checking = null));
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    const now = this.now();
    const slept = now - this.lastCheckAt > this.checkMs + this.sleepGapMs;
    this.lastCheckAt = now;
    await this.syncRoots();
    if (slept && !this.stopped) {
      for (const [root, watched] of this.roots)
        if (watched.state.mode !== 'offline') this.pending.addRoot(root);
      this.nextReason = 'resume';
      this.scheduleBatch(0);
    }
  }

  /** Start watching new roots, stop watching removed ones, follow offline and back. */
  private async syncRoots(): Promise<void> {
    const wanted = new Set(this.target.roots().map((root) => path.resolve(root)));
    for (const [root, watched] of this.roots) {
      if (wanted.has(root)) continue;
      this.roots.delete(root);
      this.pending.drop(root);
      await watched.watcher?.close();
    }
    for (const root of wanted) {
      if (this.stopped) return;
      const watched = this.roots.get(root);
      const health = await checkRoot(root, watched?.device ?? null);
      if (!watched) {
        const entry: WatchedRoot = {
          state: { mode: 'offline', why: null },
          watcher: null,
          device: null,
        };
        this.roots.set(root, entry);
        if (health.offline) this.setState(root, entry, { mode: 'offline', why: health.offline });
        else {
          await this.watchRoot(root, entry, health.device);
          // A root added while watching: what changed between its own index run and its
          // watch starting is caught by one re-scan (unchanged files are only stat'ed).
          if (this.checkTimer) {
            this.pending.addRoot(root);
            this.scheduleBatch(0);
          }
        }
        continue;
      }
      if (health.offline && watched.state.mode !== 'offline') {
        await watched.watcher?.close();
        watched.watcher = null;
        this.pending.drop(root);
        this.setState(root, watched, { mode: 'offline', why: health.offline });
      } else if (!health.offline && watched.state.mode === 'offline') {
        await this.watchRoot(root, watched, health.device);
        this.pending.addRoot(root);
        this.nextReason = 'back online';
        this.scheduleBatch(0);
      }
    }
  }

  private async watchRoot(
    root: string,
    watched: WatchedRoot,
    device: number | null,
    nativeFailed?: string,
  ): Promise<void> {
    watched.device = device;
    const network = nativeFailed ? null : await networkMountType(root);
    const why = nativeFailed
      ? `native events failed (${nativeFailed})`
      : this.options.forcePolling
        ? 'polling was asked for'
        : network
          ? `a network share (${network}) sends no native events`
          : null;
    const polling = why !== null;
    const intervalMs = this.options.pollSeconds * 1000;
    // [Note: chokidar's handles do not hold the process] chokidar 5 can open a native watch
    // after its close() has resolved, when the watched tree is being deleted meanwhile (a
    // test removing its folders as `lantern serve` stops, a person deleting a watched folder
    // as the app quits): 24 of 30 tries in a plain script. Such a watch kept finished
    // processes running. With `persistent: false` chokidar's watches never keep the process
    // alive; this class's own check timer does while it watches (the `lantern watch`
    // command), and the desktop engine and `lantern serve` live by their channel and server.
    // test/integration/watch-stop.test.ts.
    const watcher = watch(root, {
      persistent: false,
      ignoreInitial: true,
      usePolling: polling,
      interval: intervalMs,
      binaryInterval: intervalMs,
      ignorePermissionErrors: true,
      ignored: (file: string, stats?: Stats) => isIgnored(root, file, stats),
    });
    watched.watcher = watcher;
    const on = (kind: ChangeKind | 'media') => (file: string) => this.onEvent(root, file, kind);
    watcher
      .on('add', on('media'))
      .on('change', on('media'))
      .on('unlink', on('media'))
      .on('addDir', on('folder-added'))
      .on('unlinkDir', on('folder-removed'))
      .on('error', (error) => void this.onWatchError(root, watched, watcher, error, polling));
    // An error before 'ready' (a watch limit met while the tree is walked) ends the wait
    // too: onWatchError replaces this watcher with a poller.
    await new Promise<void>((resolve) =>
      watcher.once('ready', () => resolve()).once('error', () => resolve()),
    );
    if (watched.watcher !== watcher) return; // replaced by the fallback meanwhile
    // stop() came while this root's watcher was getting ready: it closes what it found.
    if (this.stopped) {
      watched.watcher = null;
      await watcher.close();
      return;
    }
    this.setState(root, watched, { mode: polling ? 'polling' : 'events', why });
  }

  /** A native watch that fails (watch limit, unsupported file system) falls back to polling. */
  private async onWatchError(
    root: string,
    watched: WatchedRoot,
    failed: FSWatcher,
    error: unknown,
    polling: boolean,
  ): Promise<void> {
    if (watched.watcher !== failed || this.stopped) return; // already replaced or closed
    const code = (error as NodeJS.ErrnoException | null)?.code ?? '';
    if (polling || !NATIVE_FAILURES.has(code)) {
      this.options.onError?.(error);
      return;
    }
    watched.watcher = null;
    await failed.close();
    await this.watchRoot(root, watched, watched.device, code);
    // Events may have been missed between the failure and the poller's start.
    this.pending.addRoot(root);
    this.scheduleBatch(0);
  }

  private onEvent(root: string, file: string, kind: ChangeKind | 'media'): void {
    if (this.stopped) return;
    if (kind === 'media' && !mediaKindOf(file)) return;
    if (kind !== 'media' && file === root) return; // the root's own addDir/unlinkDir
    this.pending.add(root, file, kind === 'media' ? 'file' : kind);
    this.scheduleBatch(this.quietMs);
  }

  /** (Re)arm the batch timer: `delayMs` from now, but no later than maxWaitMs after the first event. */
  private scheduleBatch(delayMs: number): void {
    if (this.stopped) return;
    const now = this.now();
    this.firstEventAt ??= now;
    const left = this.maxWaitMs - (now - this.firstEventAt);
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = setTimeout(() => this.runBatches(), Math.max(0, Math.min(delayMs, left)));
  }

  private runBatches(): void {
    this.batchTimer = null;
    if (this.running || this.stopped) return; // the running loop takes what is pending next
    this.running = this.batchLoop()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.running = null;
        if (!this.pending.empty) this.scheduleBatch(this.quietMs);
      });
  }

  private async batchLoop(): Promise<void> {
    while (!this.pending.empty && !this.stopped) {
      this.firstEventAt = null;
      const reason = this.nextReason;
      this.nextReason = 'changes';
      const taken = await this.pending.take();
      if (!taken) return;
      // A root that went offline since its events came is not indexed (its rows stay).
      const online = (root: string) => this.roots.get(root)?.state.mode !== 'offline';
      const roots = taken.roots.filter(online);
      if (roots.length === 0) continue;
      const within =
        taken.within?.filter((folder) => roots.some((root) => isAtOrInsideFolder(folder, root))) ??
        null;
      const batch: WatchBatch = { roots, within, events: taken.events, reason };
      const started = performance.now();
      const report = await this.target.index(batch, this.controller.signal);
      this.options.onBatch?.(batch, report, (performance.now() - started) / 1000);
    }
    // A re-scan asked for with nothing to scan (no roots online) names no later batch.
    if (this.pending.empty) this.nextReason = 'changes';
  }

  private setState(root: string, watched: WatchedRoot, state: RootWatchState): void {
    const changed = watched.state.mode !== state.mode || watched.state.why !== state.why;
    watched.state = state;
    if (changed) this.options.onRootState?.(root, state);
  }
}

/**
 * What the indexer's scan skips is not watched either: hidden files and folders, system and
 * package folders (node_modules, @eaDir…), files that are not media. Else a photo in
 * node_modules would be indexed by a batch (which scans the folder it names) and never by a
 * full run.
 */
function isIgnored(root: string, file: string, stats?: Stats): boolean {
  if (file === root) return false;
  if (isSkippedFolder(path.basename(file))) return true;
  return stats?.isFile() === true && mediaKindOf(file) === null;
}
