/**
 * @file The preload (electron/preload): what it exposes as `window.lantern`, with
 * contextBridge, ipcRenderer and webUtils mocked at the Electron boundary.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, EVENTS } from '../../electron/shared/contract.js';
import type { LanternBridge } from '../../electron/preload/bridge.js';

const electron = vi.hoisted(() => {
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  return {
    listeners,
    exposed: new Map<string, unknown>(),
    ipcRenderer: {
      invoke: vi.fn((_channel: string, _input: unknown): Promise<unknown> =>
        Promise.resolve({ ok: true, value: 'from main' }),
      ),
      on: vi.fn((channel: string, listener: (event: unknown, payload: unknown) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)?.add(listener);
      }),
      removeListener: vi.fn(
        (channel: string, listener: (event: unknown, payload: unknown) => void) => {
          listeners.get(channel)?.delete(listener);
        },
      ),
    },
    getPathForFile: vi.fn((_file: unknown) => '/home/ann/Pictures/dropped.jpg'),
  };
});

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api),
  },
  ipcRenderer: electron.ipcRenderer,
  webUtils: { getPathForFile: electron.getPathForFile },
}));

let lantern: LanternBridge;

beforeEach(async () => {
  vi.resetModules();
  electron.exposed.clear();
  electron.listeners.clear();
  vi.clearAllMocks();
  await import('../../electron/preload/preload.js');
  lantern = electron.exposed.get('lantern') as LanternBridge;
});

function push(channel: string, payload: unknown): void {
  const sender = { sender: 'IpcRendererEvent, never shown to the page' };
  for (const listener of electron.listeners.get(channel) ?? []) listener(sender, payload);
}

describe('window.lantern', () => {
  it('is exposed once, under "lantern", with exactly the bridge functions', () => {
    expect([...electron.exposed.keys()]).toEqual(['lantern']);
    expect(Object.keys(lantern).sort()).toEqual(['invoke', 'mediaUrl', 'on', 'pathForFile']);
  });

  it('invokes every contract channel through ipcRenderer', async () => {
    for (const channel of CHANNELS) {
      await expect(lantern.invoke(channel, {})).resolves.toEqual({
        ok: true,
        value: 'from main',
      });
    }
    expect(electron.ipcRenderer.invoke.mock.calls.map(([channel]) => channel)).toEqual(CHANNELS);
  });

  it('refuses an unknown channel itself, without calling main', async () => {
    for (const channel of ['fs:readFile', 'job:progress', '__proto__', '']) {
      const result = await lantern.invoke(channel as never, {} as never);
      expect(result).toEqual({
        ok: false,
        error: { code: 'INVALID_INPUT', message: `Unknown channel "${channel}".` },
      });
    }
    expect(electron.ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('turns a rejected invoke into a Result instead of a thrown Error', async () => {
    electron.ipcRenderer.invoke.mockRejectedValueOnce(
      new Error("No handler registered for 'app:info'"),
    );
    expect(await lantern.invoke('app:info', {})).toEqual({
      ok: false,
      error: {
        code: 'INTERNAL',
        message: "Lantern could not reach its engine: No handler registered for 'app:info'",
      },
    });
  });

  it('delivers event payloads (never the IPC event) and on() returns a working unsubscribe', () => {
    const seen: unknown[] = [];
    const unsubscribe = lantern.on('library:changed', (payload) => seen.push(payload));
    push('library:changed', { roots: [] });
    push('job:progress', { id: 'other event' });
    expect(seen).toEqual([{ roots: [] }]);

    unsubscribe();
    push('library:changed', { roots: ['/after'] });
    expect(seen).toEqual([{ roots: [] }]);
    expect(electron.listeners.get('library:changed')?.size).toBe(0);
  });

  it('keeps two subscriptions to one event independent', () => {
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = lantern.on('job:progress', (p) => a.push(p));
    lantern.on('job:progress', (p) => b.push(p));
    offA();
    push('job:progress', 1);
    expect(a).toEqual([]);
    expect(b).toEqual([1]);
  });

  it('refuses to subscribe to an unknown event', () => {
    expect(() => lantern.on('ipc:secret' as never, () => undefined)).toThrow(
      'Unknown event "ipc:secret".',
    );
    expect(electron.ipcRenderer.on).not.toHaveBeenCalled();
  });

  it('builds media:// URLs that carry any path intact', () => {
    expect(lantern.mediaUrl('/home/ann/My Photos/a#1.jpg')).toBe(
      'media://local/%2Fhome%2Fann%2FMy%20Photos%2Fa%231.jpg',
    );
    expect(lantern.mediaUrl('C:\\Users\\Ann\\b.png')).toBe(
      'media://local/C%3A%5CUsers%5CAnn%5Cb.png',
    );
  });

  it('asks webUtils for a dropped file’s path and reports it to main as chosen', async () => {
    const { DROPPED_PATH_CHANNEL } = await import('../../electron/preload/bridge.js');
    const file = { name: 'dropped.jpg' } as File;
    expect(lantern.pathForFile(file)).toBe('/home/ann/Pictures/dropped.jpg');
    expect(electron.getPathForFile).toHaveBeenCalledWith(file);
    expect(electron.ipcRenderer.invoke.mock.calls).toEqual([
      [DROPPED_PATH_CHANNEL, '/home/ann/Pictures/dropped.jpg'],
    ]);
  });

  it('holds the next call until main has acknowledged the drop report', async () => {
    const { DROPPED_PATH_CHANNEL } = await import('../../electron/preload/bridge.js');
    let acknowledge: (value: unknown) => void = () => undefined;
    electron.ipcRenderer.invoke.mockImplementationOnce(
      () => new Promise((resolve) => (acknowledge = resolve)),
    );
    const path = lantern.pathForFile({ name: 'folder' } as File);
    const added = lantern.invoke('library:addRoots', { paths: [path] });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(electron.ipcRenderer.invoke.mock.calls.map(([channel]) => channel)).toEqual([
      DROPPED_PATH_CHANNEL,
    ]);
    acknowledge(null);
    expect(await added).toEqual({ ok: true, value: 'from main' });
    expect(electron.ipcRenderer.invoke.mock.calls.map(([channel]) => channel)).toEqual([
      DROPPED_PATH_CHANNEL,
      'library:addRoots',
    ]);
  });

  it('goes on when a drop report fails: main then refuses the path itself', async () => {
    electron.ipcRenderer.invoke.mockRejectedValueOnce(new Error('no handler'));
    lantern.pathForFile({ name: 'folder' } as File);
    expect(await lantern.invoke('app:info', {})).toEqual({ ok: true, value: 'from main' });
  });

  it('reports nothing for a File without a path (one the page made itself)', () => {
    electron.getPathForFile.mockReturnValueOnce('');
    expect(lantern.pathForFile(new File(['x'], 'made-up.jpg'))).toBe('');
    expect(electron.ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('keeps the drop report out of the page’s reach', async () => {
    const { DROPPED_PATH_CHANNEL } = await import('../../electron/preload/bridge.js');
    expect(CHANNELS).not.toContain(DROPPED_PATH_CHANNEL);
    const result = await lantern.invoke(DROPPED_PATH_CHANNEL as never, '/etc' as never);
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(electron.ipcRenderer.invoke).not.toHaveBeenCalled();
  });
});

describe('the preload’s name lists', () => {
  it('are the contract’s channels and events, nothing more or less', async () => {
    const { CHANNEL_NAMES, EVENT_NAMES } = await import('../../electron/preload/bridge.js');
    expect([...CHANNEL_NAMES].sort()).toEqual([...CHANNELS].sort());
    expect([...EVENT_NAMES].sort()).toEqual([...EVENTS].sort());
  });
});
