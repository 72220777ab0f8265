/**
 * @file The main process's side of the engine worker (main process). Forks the worker,
 * matches replies to requests, forwards events, restarts the worker when it dies and
 * closes it gracefully on quit. Electron is injected (`spawn`), so this runs in tests.
 *
 * [Note: engine restarts] When the worker dies, every call in flight fails with a
 * sentence that says what happened; every job it was running is pushed to the renderer
 * as `failed` with the same reason (so no progress bar waits forever); the worker is
 * forked again after a short back-off, and the fresh library status is pushed. A worker
 * that keeps dying is left down and every call says to restart Lantern.
 */
import type { EngineChannel, EventName, Events, JobSnapshot, Result } from '../shared/contract.js';
import type { EncodedError } from '../shared/errors.js';
import type { WorkerMessage, WorkerRequest } from '../worker/protocol.js';

/** What the host needs of an Electron UtilityProcess. */
export interface WorkerProcess {
  postMessage(message: WorkerRequest): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface EngineHostOptions {
  spawn: () => WorkerProcess;
  emit: <E extends EventName>(event: E, payload: Events[E]) => void;
  /** Crashes tolerated within `crashWindowMs` before the worker is left down. */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** First back-off before a restart; doubles with each crash in the window. */
  restartDelayMs?: number;
  log?: (message: string) => void;
}

type Pending =
  | { type: 'invoke'; resolve: (result: Result<unknown>) => void }
  | { type: 'mediaRoots'; resolve: (roots: string[]) => void }
  | { type: 'close'; resolve: () => void };

/** The request types the host sends, without the id it assigns. */
type Outgoing =
  | { type: 'invoke'; channel: EngineChannel; input: unknown }
  | { type: 'mediaRoots' }
  | { type: 'close' };

const ACTIVE_STATES: ReadonlySet<JobSnapshot['state']> = new Set(['queued', 'running', 'paused']);

export class EngineHost {
  private worker: WorkerProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  /** Requests made while the worker is being restarted; sent once it is forked again. */
  private queued: { message: Outgoing; pending: Pending }[] = [];
  private nextId = 1;
  private state: 'idle' | 'running' | 'restarting' | 'down' | 'closing' | 'closed' = 'idle';
  private crashes: number[] = [];
  private downReason = '';
  private readonly activeJobs = new Map<string, JobSnapshot>();
  private roots: Promise<string[]> | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly maxCrashes: number;
  private readonly crashWindowMs: number;
  private readonly restartDelayMs: number;
  private readonly log: (message: string) => void;

  constructor(private readonly options: EngineHostOptions) {
    this.maxCrashes = options.maxCrashes ?? 3;
    this.crashWindowMs = options.crashWindowMs ?? 60_000;
    this.restartDelayMs = options.restartDelayMs ?? 500;
    this.log = options.log ?? ((message) => console.error(message));
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.fork();
  }

  invoke(channel: EngineChannel, input: unknown): Promise<Result<unknown>> {
    return new Promise((resolve) => {
      const refusal = this.refusal();
      if (refusal) resolve({ ok: false, error: refusal });
      else this.request({ type: 'invoke', channel, input }, { type: 'invoke', resolve });
    });
  }

  /**
   * The folders media:// may serve. Cached, because the grid asks for every thumbnail;
   * dropped when the library changes or the worker restarts, and on `refresh` (a miss is
   * re-checked once against fresh roots before it is refused).
   */
  mediaRoots(refresh = false): Promise<string[]> {
    if (refresh || !this.roots) {
      const fetching = new Promise<string[]>((resolve) => {
        if (this.refusal()) resolve([]);
        else this.request({ type: 'mediaRoots' }, { type: 'mediaRoots', resolve });
      });
      this.roots = fetching;
      // An empty answer (worker starting or down) is not worth keeping.
      void fetching.then((roots) => {
        if (roots.length === 0 && this.roots === fetching) this.roots = null;
      });
    }
    return this.roots;
  }

  /** Asks the worker to finish or roll back its batch and close; kills it after `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const worker = this.worker;
    const wasRunning = this.state === 'running';
    this.state = 'closing';
    this.failQueued({ code: 'CANCELLED', message: 'Lantern is closing; this call was not run.' });
    if (worker && wasRunning) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const closed = new Promise<void>((resolve) => {
        this.send(worker, { type: 'close' }, { type: 'close', resolve });
        worker.on('exit', () => resolve());
      });
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      });
      if (await Promise.race([closed.then(() => false), timedOut]))
        this.log(`Lantern engine did not close within ${timeoutMs} ms; stopping it.`);
      clearTimeout(timer);
      worker.kill();
    }
    this.state = 'closed';
    this.worker = null;
    this.failPending({ code: 'CANCELLED', message: 'Lantern is closing; this call was not run.' });
  }

  private refusal(): EncodedError | null {
    if (this.state === 'closing' || this.state === 'closed')
      return { code: 'CANCELLED', message: 'Lantern is closing; this call was not run.' };
    if (this.state === 'down') return { code: 'INTERNAL', message: this.downReason };
    return null;
  }

  private request(message: Outgoing, pending: Pending): void {
    if (this.state === 'idle') this.fork();
    if (this.state === 'restarting' || !this.worker) this.queued.push({ message, pending });
    else this.send(this.worker, message, pending);
  }

  private send(worker: WorkerProcess, message: Outgoing, pending: Pending): void {
    const id = this.nextId++;
    this.pending.set(id, pending);
    try {
      worker.postMessage({ ...message, id });
    } catch (error) {
      this.pending.delete(id);
      settle(pending, {
        code: 'INTERNAL',
        message: `Could not reach the Lantern engine: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  private fork(): void {
    const worker = this.options.spawn();
    this.worker = worker;
    this.state = 'running';
    worker.on('message', (message) => this.receive(message as WorkerMessage));
    worker.on('exit', (code) => this.exited(worker, code));
    const queued = this.queued;
    this.queued = [];
    for (const { message, pending } of queued) this.send(worker, message, pending);
  }

  private receive(message: WorkerMessage): void {
    if (message.type === 'event') {
      if (message.event === 'job:progress') this.track(message.payload);
      if (message.event === 'library:changed') this.roots = null;
      this.options.emit(message.event, message.payload);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.type === 'result' && pending.type === 'invoke') pending.resolve(message.result);
    else if (message.type === 'mediaRoots' && pending.type === 'mediaRoots')
      pending.resolve(message.roots);
    else if (message.type === 'closed' && pending.type === 'close') pending.resolve();
    else settle(pending, { code: 'INTERNAL', message: 'The Lantern engine answered out of turn.' });
  }

  private track(job: JobSnapshot): void {
    if (ACTIVE_STATES.has(job.state)) this.activeJobs.set(job.id, job);
    else this.activeJobs.delete(job.id);
  }

  private exited(worker: WorkerProcess, code: number): void {
    if (worker !== this.worker || this.state === 'closing' || this.state === 'closed') return;
    this.worker = null;
    this.roots = null;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < this.crashWindowMs), now];
    const giveUp = this.crashes.length > this.maxCrashes;
    this.log(`Lantern engine stopped unexpectedly (exit code ${code}).`);

    const reason: EncodedError = giveUp
      ? {
          code: 'INTERNAL',
          message: `The Lantern engine keeps stopping (exit code ${code}); quit and restart Lantern.`,
        }
      : {
          code: 'INTERNAL',
          message: `The Lantern engine stopped unexpectedly (exit code ${code}) and is restarting; try again in a moment.`,
        };
    this.failPending(reason);
    for (const job of this.activeJobs.values())
      this.options.emit('job:progress', { ...job, state: 'failed', error: reason });
    this.activeJobs.clear();

    if (giveUp) {
      this.state = 'down';
      this.downReason = reason.message;
      this.failQueued(reason);
      return;
    }
    this.state = 'restarting';
    const delay = this.restartDelayMs * 2 ** (this.crashes.length - 1);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.state !== 'restarting') return;
      this.fork();
      void this.invoke('library:status', {}).then((status) => {
        if (status.ok)
          this.options.emit('library:changed', status.value as Events['library:changed']);
      });
    }, delay);
  }

  private failPending(error: EncodedError): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) settle(p, error);
  }

  private failQueued(error: EncodedError): void {
    const queued = this.queued;
    this.queued = [];
    for (const { pending } of queued) settle(pending, error);
  }
}

/** Answer a request that will get no reply: calls fail, roots are empty, closes complete. */
function settle(pending: Pending, error: EncodedError): void {
  if (pending.type === 'invoke') pending.resolve({ ok: false, error });
  else if (pending.type === 'mediaRoots') pending.resolve([]);
  else pending.resolve();
}
