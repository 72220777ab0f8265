/**
 * @file The engine worker seen from both ends, without Electron: main's EngineHost
 * (electron/main/engine-host.ts) with a fake utility process, and the worker's
 * hostService (electron/worker/host.ts) with a fake parent port and service; then the
 * two joined through an in-memory pipe.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineHost, type WorkerProcess } from '../../electron/main/engine-host.js';
import type { EventName, Events, JobSnapshot, Result } from '../../electron/shared/contract.js';
import { hostService, type HostedService } from '../../electron/worker/host.js';
import type { WorkerMessage, WorkerRequest } from '../../electron/worker/protocol.js';

/** A utility process whose worker side the test plays by hand. */
class FakeWorker extends EventEmitter implements WorkerProcess {
  readonly sent: WorkerRequest[] = [];
  killed = false;
  postMessage(message: WorkerRequest): void {
    this.sent.push(message);
  }
  reply(message: WorkerMessage): void {
    this.emit('message', message);
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
  crash(code = 139): void {
    this.emit('exit', code);
  }
}

function setup(options: { maxCrashes?: number } = {}) {
  const workers: FakeWorker[] = [];
  const emitted: { event: EventName; payload: unknown }[] = [];
  const host = new EngineHost({
    spawn: () => {
      const worker = new FakeWorker();
      workers.push(worker);
      return worker;
    },
    emit: (event, payload) => emitted.push({ event, payload }),
    restartDelayMs: 10,
    log: () => undefined,
    ...options,
  });
  return { host, workers, emitted };
}

const job = (state: JobSnapshot['state']): JobSnapshot => ({
  id: 'job-1',
  kind: 'index',
  state,
  label: '/photos',
  progress: null,
  report: null,
  clips: null,
  error: null,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('EngineHost', () => {
  it('matches replies to requests by id, in any order', async () => {
    const { host, workers } = setup();
    host.start();
    const a = host.invoke('app:info', {});
    const b = host.invoke('library:status', {});
    const [first, second] = workers[0]!.sent;
    expect(first).toEqual({ type: 'invoke', id: 1, channel: 'app:info', input: {} });
    workers[0]!.reply({ type: 'result', id: second!.id, result: { ok: true, value: 'b' } });
    workers[0]!.reply({ type: 'result', id: first!.id, result: { ok: true, value: 'a' } });
    expect(await a).toEqual({ ok: true, value: 'a' });
    expect(await b).toEqual({ ok: true, value: 'b' });
  });

  it('forwards events and caches media roots until the library changes', async () => {
    const { host, workers, emitted } = setup();
    host.start();
    const worker = workers[0]!;
    const roots = host.mediaRoots();
    worker.reply({ type: 'mediaRoots', id: 1, roots: ['/photos', '/db/thumbnails'] });
    expect(await roots).toEqual(['/photos', '/db/thumbnails']);
    expect(await host.mediaRoots()).toEqual(['/photos', '/db/thumbnails']);
    expect(worker.sent).toHaveLength(1);

    const status = { roots: [] } as unknown as Events['library:changed'];
    worker.reply({ type: 'event', event: 'library:changed', payload: status });
    expect(emitted).toEqual([{ event: 'library:changed', payload: status }]);
    void host.mediaRoots();
    expect(worker.sent).toHaveLength(2);
  });

  it('after a crash: fails calls in flight, fails running jobs, restarts, pushes the status', async () => {
    vi.useFakeTimers();
    const { host, workers, emitted } = setup();
    host.start();
    workers[0]!.reply({ type: 'event', event: 'job:progress', payload: job('running') });
    const inFlight = host.invoke('search:query', { query: 'x' });
    workers[0]!.crash(139);

    const failed = await inFlight;
    expect(failed).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (!failed.ok)
      expect(failed.error.message).toMatch(/stopped unexpectedly \(exit code 139\).*restarting/);
    expect(emitted.at(-1)).toMatchObject({
      event: 'job:progress',
      payload: { id: 'job-1', state: 'failed', error: { code: 'INTERNAL' } },
    });

    // Calls made while it restarts wait for the new worker instead of failing.
    const waiting = host.invoke('app:info', {});
    expect(workers).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(workers).toHaveLength(2);
    const fresh = workers[1]!;
    expect(fresh.sent.map((m) => m.type === 'invoke' && m.channel)).toEqual([
      'app:info',
      'library:status',
    ]);
    fresh.reply({ type: 'result', id: fresh.sent[0]!.id, result: { ok: true, value: 'info' } });
    fresh.reply({
      type: 'result',
      id: fresh.sent[1]!.id,
      result: { ok: true, value: { roots: ['/p'] } },
    });
    expect(await waiting).toEqual({ ok: true, value: 'info' });
    await vi.advanceTimersByTimeAsync(0);
    expect(emitted.at(-1)).toEqual({ event: 'library:changed', payload: { roots: ['/p'] } });
  });

  it('gives up on a worker that keeps crashing, and says to restart Lantern', async () => {
    vi.useFakeTimers();
    const { host, workers } = setup({ maxCrashes: 2 });
    host.start();
    for (let i = 0; i < 3; i++) {
      workers.at(-1)!.crash(1);
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(workers).toHaveLength(3);
    const result = await host.invoke('app:info', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (!result.ok) expect(result.error.message).toMatch(/keeps stopping.*restart Lantern/);
    expect(await host.mediaRoots()).toEqual([]);
  });

  it('closes gracefully: asks the worker, waits for it, then ends it', async () => {
    const { host, workers } = setup();
    host.start();
    const closing = host.close(10_000);
    const worker = workers[0]!;
    const request = worker.sent.at(-1)!;
    expect(request.type).toBe('close');
    expect(worker.killed).toBe(false);
    worker.reply({ type: 'closed', id: request.id });
    await closing;
    expect(worker.killed).toBe(true);
    // Nothing is restarted or sent after a close.
    worker.crash(0);
    expect(workers).toHaveLength(1);
    expect(await host.invoke('app:info', {})).toMatchObject({
      ok: false,
      error: { code: 'CANCELLED' },
    });
  });

  it('kills a worker that does not close in time', async () => {
    vi.useFakeTimers();
    const { host, workers } = setup();
    host.start();
    const pending = host.invoke('library:status', {});
    const closing = host.close(10_000);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(workers[0]!.killed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect(workers[0]!.killed).toBe(true);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });
});

/** A parent port the test can drive, recording what the worker posts. */
class FakePort extends EventEmitter {
  readonly posted: WorkerMessage[] = [];
  postMessage(message: unknown): void {
    this.posted.push(structuredClone(message) as WorkerMessage);
  }
  request(data: unknown): void {
    this.emit('message', { data });
  }
}

function fakeService(overrides: Partial<HostedService> = {}) {
  const listeners = new Map<EventName, (payload: unknown) => void>();
  const invoke = vi.fn((channel: string, input: unknown): Promise<Result<unknown>> =>
    Promise.resolve({ ok: true, value: { channel, input } }),
  );
  const close = vi.fn(() => Promise.resolve());
  const service: HostedService = {
    invoke,
    on: <E extends EventName>(event: E, listener: (payload: Events[E]) => void) => {
      listeners.set(event, listener as (payload: unknown) => void);
      return () => listeners.delete(event);
    },
    mediaRoots: () => ['/photos', '/db/thumbnails'],
    close,
    ...overrides,
  };
  return { service, listeners, invoke, close };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('hostService (the worker side)', () => {
  it('answers invokes, media roots and close, and forwards every event', async () => {
    const port = new FakePort();
    const { service, listeners, close } = fakeService();
    hostService(port, Promise.resolve(service));
    port.request({ type: 'invoke', id: 1, channel: 'app:info', input: {} });
    port.request({ type: 'mediaRoots', id: 2 });
    await settle();
    expect([...listeners.keys()].sort()).toEqual([
      'duplicates:progress',
      'job:progress',
      'library:changed',
      'settings:changed',
      'vision:loading',
    ]);
    listeners.get('job:progress')?.(job('running'));
    port.request({ type: 'close', id: 3 });
    await settle();
    // Replies come as each answer is ready, not necessarily in request order.
    expect(port.posted).toHaveLength(4);
    expect(port.posted).toEqual(
      expect.arrayContaining([
        { type: 'result', id: 1, result: { ok: true, value: { channel: 'app:info', input: {} } } },
        { type: 'mediaRoots', id: 2, roots: ['/photos', '/db/thumbnails'] },
        { type: 'event', event: 'job:progress', payload: job('running') },
        { type: 'closed', id: 3 },
      ]),
    );
    expect(close).toHaveBeenCalledOnce();
  });

  it('refuses shell and unknown channels, and calls after close', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const port = new FakePort();
    const { service, invoke } = fakeService();
    hostService(port, Promise.resolve(service));
    port.request({ type: 'invoke', id: 1, channel: 'dialog:pickFolders', input: {} });
    port.request({ type: 'invoke', id: 2, channel: 'fs:read', input: {} });
    port.request({ type: 'bogus', id: 3 });
    port.request('not even an object');
    await settle();
    port.request({ type: 'close', id: 4 });
    port.request({ type: 'invoke', id: 5, channel: 'app:info', input: {} });
    await settle();
    expect(invoke).not.toHaveBeenCalled();
    expect(port.posted.map((m) => m.type === 'result' && m.result)).toEqual([
      {
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: 'The engine does not answer "dialog:pickFolders".',
        },
      },
      {
        ok: false,
        error: { code: 'INVALID_INPUT', message: 'The engine does not answer "fs:read".' },
      },
      {
        ok: false,
        error: { code: 'CANCELLED', message: 'Lantern is closing; this call was not run.' },
      },
      false, // `closed`, sent once the service has closed
    ]);
  });

  it('answers every call with the reason when the service fails to start', async () => {
    const port = new FakePort();
    const error = Object.assign(new Error('The library at /db is damaged; move it away.'), {
      code: 'STORE_FAILED',
    });
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    hostService(port, Promise.reject(error));
    port.request({ type: 'invoke', id: 1, channel: 'app:info', input: {} });
    port.request({ type: 'mediaRoots', id: 2 });
    port.request({ type: 'close', id: 3 });
    await settle();
    expect(port.posted).toEqual([
      {
        type: 'result',
        id: 1,
        result: {
          ok: false,
          error: { code: 'STORE_FAILED', message: 'The library at /db is damaged; move it away.' },
        },
      },
      { type: 'mediaRoots', id: 2, roots: [] },
      { type: 'closed', id: 3 },
    ]);
  });

  it('answers a result that cannot cross the process boundary with an error', async () => {
    const port = new FakePort();
    const { service } = fakeService({
      invoke: () => Promise.resolve({ ok: true, value: { callback: () => 1 } }),
    });
    hostService(port, Promise.resolve(service));
    port.request({ type: 'invoke', id: 1, channel: 'app:info', input: {} });
    await settle();
    expect(port.posted).toMatchObject([
      { type: 'result', id: 1, result: { ok: false, error: { code: 'INTERNAL' } } },
    ]);
  });
});

describe('main and worker joined', () => {
  it('carries a call from EngineHost to the service and its events back', async () => {
    const { service, listeners, close } = fakeService();
    const emitted: unknown[] = [];
    const host = new EngineHost({
      spawn: () => {
        const port = new EventEmitter() as EventEmitter & { postMessage(m: unknown): void };
        const worker = new FakeWorker();
        port.postMessage = (message) =>
          queueMicrotask(() => worker.reply(structuredClone(message) as WorkerMessage));
        worker.postMessage = (message) =>
          queueMicrotask(() => port.emit('message', { data: structuredClone(message) }));
        hostService(port, Promise.resolve(service));
        return worker;
      },
      emit: (event, payload) => emitted.push({ event, payload }),
    });
    host.start();
    expect(await host.invoke('search:query', { query: 'blue' })).toEqual({
      ok: true,
      value: { channel: 'search:query', input: { query: 'blue' } },
    });
    expect(await host.mediaRoots()).toEqual(['/photos', '/db/thumbnails']);
    listeners.get('settings:changed')?.({ theme: 'dark' });
    await settle();
    expect(emitted).toEqual([{ event: 'settings:changed', payload: { theme: 'dark' } }]);
    await host.close(1000);
    expect(close).toHaveBeenCalledOnce();
  });
});
