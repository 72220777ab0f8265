/**
 * @file The main process's wiring (electron/main/app.ts, window.ts, security.ts) at the
 * Electron boundary: `electron` is mocked, the app is started, and the test asserts on
 * what main hands to Electron — window options, schemes, session rules, navigation
 * guards, IPC handlers, the worker, and the graceful quit.
 */
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../electron/shared/contract.js';
import type { WorkerRequest } from '../../electron/worker/protocol.js';

type Handler = (...args: never[]) => unknown;

/** Fakes for every Electron object main touches, rebuilt before each test. */
function createElectron(userData: string) {
  const windows: FakeWindow[] = [];
  const workers: FakeUtility[] = [];
  const ipcHandlers = new Map<string, Handler>();
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  class FakeContents extends EventEmitter {
    static nextId = 1;
    readonly id = FakeContents.nextId++;
    readonly send = vi.fn();
    openHandler: ((details: { url: string }) => { action: string }) | null = null;
    mainFrame = { url: 'app://lantern/index.html', parent: null };
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      this.openHandler = handler;
    }
  }

  class FakeWindow extends EventEmitter {
    readonly webContents = new FakeContents();
    readonly loadURL = vi.fn((_url: string) => Promise.resolve());
    readonly show = vi.fn();
    readonly focus = vi.fn();
    readonly restore = vi.fn();
    readonly maximize = vi.fn();
    minimized = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    isDestroyed = () => false;
    isMinimized = () => this.minimized;
    isMaximized = () => false;
    getNormalBounds = () => ({ x: 10, y: 20, width: 1000, height: 700 });
  }

  class FakeUtility extends EventEmitter {
    readonly sent: WorkerRequest[] = [];
    readonly kill = vi.fn(() => true);
    constructor(
      readonly modulePath: string,
      readonly options: { env: Record<string, string> },
    ) {
      super();
      workers.push(this);
    }
    postMessage(message: WorkerRequest) {
      this.sent.push(message);
    }
  }

  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    exit: vi.fn(),
    enableSandbox: vi.fn(),
    setPath: vi.fn(),
    getPath: vi.fn((name: string) => (name === 'userData' ? userData : path.join(userData, '..'))),
    getAppPath: vi.fn(() => '/opt/lantern/resources/app.asar'),
    whenReady: vi.fn(() => ready),
  });

  const session = {
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    webRequest: { onHeadersReceived: vi.fn() },
    on: vi.fn(),
  };

  return {
    windows,
    workers,
    ipcHandlers,
    protocolHandlers,
    ready: async () => {
      resolveReady();
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    module: {
      app,
      BrowserWindow: FakeWindow,
      session: { defaultSession: session },
      protocol: {
        registerSchemesAsPrivileged: vi.fn(),
        handle: vi.fn((scheme: string, handler: (request: Request) => Promise<Response>) =>
          protocolHandlers.set(scheme, handler),
        ),
      },
      ipcMain: {
        handle: vi.fn((channel: string, handler: Handler) => ipcHandlers.set(channel, handler)),
        removeHandler: vi.fn(),
      },
      utilityProcess: {
        fork: vi.fn(
          (modulePath: string, _args: string[], options: { env: Record<string, string> }) =>
            new FakeUtility(modulePath, options),
        ),
      },
      Menu: {
        buildFromTemplate: vi.fn((template: unknown) => ({ template })),
        setApplicationMenu: vi.fn(),
      },
      dialog: {
        showOpenDialog: vi.fn(() =>
          Promise.resolve({ canceled: false, filePaths: ['/home/ann/Pictures'] }),
        ),
        showErrorBox: vi.fn(),
      },
      shell: { openExternal: vi.fn(() => Promise.resolve()), showItemInFolder: vi.fn() },
      screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
      nativeTheme: { shouldUseDarkColors: false },
    },
  };
}

const holder = vi.hoisted(() => ({ electron: null as unknown as Record<string, unknown> }));
vi.mock('electron', () => {
  const read = (key: string) => holder.electron[key];
  return {
    get app() {
      return read('app');
    },
    get BrowserWindow() {
      return read('BrowserWindow');
    },
    get session() {
      return read('session');
    },
    get protocol() {
      return read('protocol');
    },
    get ipcMain() {
      return read('ipcMain');
    },
    get utilityProcess() {
      return read('utilityProcess');
    },
    get Menu() {
      return read('Menu');
    },
    get dialog() {
      return read('dialog');
    },
    get shell() {
      return read('shell');
    },
    get screen() {
      return read('screen');
    },
    get nativeTheme() {
      return read('nativeTheme');
    },
  };
});

let userData: string;
let electron: ReturnType<typeof createElectron>;

async function start(resourcesDir = '/opt/lantern/resources') {
  const { startLantern } = await import('../../electron/main/app.js');
  startLantern({ outDir: '/opt/lantern/out', resourcesDir });
}

beforeEach(async () => {
  vi.resetModules();
  userData = await mkdtemp(path.join(os.tmpdir(), 'lantern-main-'));
  electron = createElectron(userData);
  holder.electron = electron.module;
});

afterEach(async () => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  await rm(userData, { recursive: true, force: true });
});

describe('before ready', () => {
  it('registers app:// and media:// as privileged schemes, media with streaming', async () => {
    await start();
    const { registerSchemesAsPrivileged } = electron.module.protocol;
    expect(registerSchemesAsPrivileged).toHaveBeenCalledOnce();
    expect(registerSchemesAsPrivileged.mock.calls[0]?.[0]).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
      {
        scheme: 'media',
        privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
      },
    ]);
    expect(electron.module.app.enableSandbox).toHaveBeenCalled();
  });

  it('puts userData in <appData>/Lantern before taking the single-instance lock', async () => {
    await start();
    const { app } = electron.module;
    expect(app.setPath).toHaveBeenCalledWith('userData', expect.stringMatching(/Lantern$/));
    expect(app.setPath.mock.invocationCallOrder[0]).toBeLessThan(
      app.requestSingleInstanceLock.mock.invocationCallOrder[0]!,
    );
  });

  it('a second instance quits at once, and the first focuses its window', async () => {
    electron.module.app.requestSingleInstanceLock.mockReturnValueOnce(false);
    await start();
    expect(electron.module.app.quit).toHaveBeenCalled();
    expect(electron.module.app.whenReady).not.toHaveBeenCalled();

    vi.resetModules();
    electron = createElectron(userData);
    holder.electron = electron.module;
    await start();
    await electron.ready();
    const window = electron.windows[0]!;
    window.minimized = true;
    electron.module.app.emit('second-instance');
    expect(window.restore).toHaveBeenCalled();
    expect(window.focus).toHaveBeenCalled();
  });
});

describe('the window', () => {
  it('is locked down and loads the app page through app://', async () => {
    await start();
    await electron.ready();
    expect(electron.windows).toHaveLength(1);
    const window = electron.windows[0]!;
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/opt/lantern/out/preload.cjs',
    });
    expect(window.options).toMatchObject({
      show: false,
      icon: '/opt/lantern/resources/icons/icon.png',
    });
    expect(window.loadURL).toHaveBeenCalledWith('app://lantern/index.html');
    window.emit('ready-to-show');
    expect(window.show).toHaveBeenCalled();
  });

  it('keeps its bounds between runs', async () => {
    await start();
    await electron.ready();
    electron.windows[0]!.emit('close');

    vi.resetModules();
    electron = createElectron(userData);
    holder.electron = electron.module;
    await start();
    await electron.ready();
    expect(electron.windows[0]!.options).toMatchObject({ x: 10, y: 20, width: 1000, height: 700 });
  });

  it('cannot navigate, redirect or frame-navigate away, open windows or attach webviews', async () => {
    // The real resources folder: its manifest names the model pages that may open.
    await start(path.resolve('resources'));
    await electron.ready();
    const contents = electron.windows[0]!.webContents;
    for (const kind of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      const navigate = (url: string) => {
        const event = { url, preventDefault: vi.fn() };
        contents.emit(kind, event, url);
        return event.preventDefault.mock.calls.length > 0;
      };
      expect(navigate('https://example.com/'), kind).toBe(true);
      expect(navigate('file:///etc/passwd'), kind).toBe(true);
      expect(navigate('media://local/%2Fa.jpg'), kind).toBe(true);
      expect(navigate('app://lantern/index.html#/search'), kind).toBe(false);
    }

    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();

    const { openExternal } = electron.module.shell;
    const modelPage =
      'https://huggingface.co/Xenova/clip-vit-base-patch32/tree/d15189d7028b43f1d3e65039190477f6af591c2a';
    for (const url of [
      modelPage,
      'https://huggingface.co/openai',
      'https://evil.example/',
      'http://example.com',
      'file:///x',
      'javascript:alert(1)',
    ])
      expect(contents.openHandler?.({ url })).toEqual({ action: 'deny' });
    // Only allow-listed pages leave the app, and only to the person's browser.
    expect(openExternal.mock.calls).toEqual([[modelPage]]);
  });
});

describe('the session', () => {
  it('denies every permission but clipboard writes from the app itself', async () => {
    await start();
    await electron.ready();
    const { setPermissionRequestHandler, setPermissionCheckHandler } =
      electron.module.session.defaultSession;
    const request = setPermissionRequestHandler.mock.calls[0]?.[0] as unknown as (
      ...args: unknown[]
    ) => void;
    const check = setPermissionCheckHandler.mock.calls[0]?.[0] as unknown as (
      ...args: unknown[]
    ) => boolean;
    const ask = (permission: string, url: string) => {
      const callback = vi.fn();
      request({}, permission, callback, { requestingUrl: url });
      return callback.mock.calls[0]?.[0] as boolean;
    };
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'fullscreen',
      'openExternal',
      'clipboard-read',
    ])
      expect(ask(permission, 'app://lantern/index.html'), permission).toBe(false);
    expect(ask('clipboard-sanitized-write', 'app://lantern/index.html')).toBe(true);
    expect(ask('clipboard-sanitized-write', 'https://example.com/')).toBe(false);
    expect(check({}, 'media', 'app://lantern')).toBe(false);
    expect(check({}, 'clipboard-sanitized-write', 'app://lantern')).toBe(true);
    expect(check({}, 'clipboard-sanitized-write', 'https://example.com')).toBe(false);
  });

  it('sets the CSP on app pages only, replacing any other', async () => {
    await start();
    await electron.ready();
    const { CONTENT_SECURITY_POLICY } = await import('../../electron/main/security.js');
    const listener = electron.module.session.defaultSession.webRequest.onHeadersReceived.mock
      .calls[0]?.[0] as unknown as (
      details: unknown,
      callback: (response: unknown) => void,
    ) => void;
    const respond = (url: string, responseHeaders: Record<string, string[]>) => {
      let response: unknown;
      listener({ url, responseHeaders }, (r) => (response = r));
      return response;
    };
    expect(
      respond('app://lantern/index.html', {
        'content-security-policy': ['default-src *'],
        'X-A': ['1'],
      }),
    ).toEqual({
      responseHeaders: { 'X-A': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
    expect(respond('https://example.com/', {})).toEqual({});
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe/);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
  });

  it('refuses downloads', async () => {
    await start();
    await electron.ready();
    const [[event, listener]] = electron.module.session.defaultSession.on.mock.calls as unknown as [
      [string, (e: { preventDefault(): void }) => void],
    ];
    expect(event).toBe('will-download');
    const download = { preventDefault: vi.fn() };
    listener(download);
    expect(download.preventDefault).toHaveBeenCalled();
  });
});

describe('IPC and the engine worker', () => {
  async function started() {
    await start();
    await electron.ready();
    const window = electron.windows[0]!;
    const worker = electron.workers[0]!;
    const call = (
      channel: string,
      input: unknown,
      frame: { url: string; parent: unknown } | null = window.webContents.mainFrame,
      sender = window.webContents,
    ) =>
      (electron.ipcHandlers.get(channel) as (event: unknown, input: unknown) => Promise<unknown>)(
        { sender, senderFrame: frame },
        input,
      );
    return { window, worker, call };
  }

  it('forks the worker as a utility process with the resources folder and no Electron in it', async () => {
    const { worker } = await started();
    expect(electron.module.utilityProcess.fork).toHaveBeenCalledOnce();
    expect(worker.modulePath).toBe('/opt/lantern/out/worker.cjs');
    expect(worker.options.env['LANTERN_RESOURCES']).toBe('/opt/lantern/resources');
    expect(JSON.parse(worker.options.env['LANTERN_WORKER_OPTIONS']!)).toEqual({});
    // glibc's malloc as bin/lantern.js sets it: the engine's peak memory and page faults.
    expect(worker.options.env['MALLOC_ARENA_MAX']).toBe(process.env['MALLOC_ARENA_MAX'] ?? '2');
    expect(worker.options.env['MALLOC_MMAP_THRESHOLD_']).toBe(
      process.env['MALLOC_MMAP_THRESHOLD_'] ?? '16777216',
    );
    expect(worker.options.env['MALLOC_TRIM_THRESHOLD_']).toBe(
      process.env['MALLOC_TRIM_THRESHOLD_'] ?? '67108864',
    );
  });

  it('registers one handler per channel, the drop report, and both protocols', async () => {
    const { DROPPED_PATH_CHANNEL } = await import('../../electron/preload/bridge.js');
    await started();
    expect([...electron.ipcHandlers.keys()].sort()).toEqual(
      [...CHANNELS, DROPPED_PATH_CHANNEL].sort(),
    );
    expect([...electron.protocolHandlers.keys()].sort()).toEqual(['app', 'media']);
    expect(electron.module.Menu.setApplicationMenu).toHaveBeenCalled();
  });

  it('sends engine calls from the window to the worker and answers with its result', async () => {
    const { worker, call } = await started();
    const answer = call('search:query', { query: 'blue' });
    await vi.waitFor(() => expect(worker.sent).toHaveLength(1));
    expect(worker.sent[0]).toEqual({
      type: 'invoke',
      id: 1,
      channel: 'search:query',
      input: { query: 'blue' },
    });
    worker.emit('message', { type: 'result', id: 1, result: { ok: true, value: [] } });
    expect(await answer).toEqual({ ok: true, value: [] });
  });

  it('refuses calls from another page, a subframe or another window', async () => {
    const { window, worker, call } = await started();
    const otherContents = { id: 999 };
    for (const [frame, sender] of [
      [{ url: 'https://evil.example/', parent: null }, window.webContents],
      [{ url: 'app://lantern/index.html', parent: {} }, window.webContents],
      [null, window.webContents],
      [window.webContents.mainFrame, otherContents],
    ] as const) {
      expect(await call('app:info', {}, frame, sender as never)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT' },
      });
    }
    expect(worker.sent).toHaveLength(0);
  });

  it('answers the folder picker itself, with a multi-folder open dialog', async () => {
    const { window, worker, call } = await started();
    expect(await call('dialog:pickFolders', {})).toEqual({
      ok: true,
      value: ['/home/ann/Pictures'],
    });
    const [parent, options] = electron.module.dialog.showOpenDialog.mock.calls[0] as unknown as [
      unknown,
      { properties: string[] },
    ];
    expect(parent).toBe(window);
    expect(options.properties).toEqual(
      expect.arrayContaining(['openDirectory', 'multiSelections']),
    );
    expect(worker.sent).toHaveLength(0);
  });

  /** Answers the engine's next library:status (asked for the roots) with `roots`. */
  async function answerStatus(worker: (typeof electron.workers)[number], roots: string[]) {
    await vi.waitFor(() =>
      expect(worker.sent.at(-1)).toMatchObject({ type: 'invoke', channel: 'library:status' }),
    );
    worker.emit('message', {
      type: 'result',
      id: worker.sent.at(-1)!.id,
      result: { ok: true, value: { roots: roots.map((root) => ({ path: root })) } },
    });
  }

  it('refuses to add a folder the person never chose, asking the engine only for its roots', async () => {
    const { worker, call } = await started();
    const added = call('library:addRoots', { paths: [userData] });
    await answerStatus(worker, ['/somewhere/else']);
    expect(await added).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } });
    expect(worker.sent.filter((m) => m.type === 'invoke').map((m) => m.channel)).toEqual([
      'library:status',
    ]);
  });

  it('adds a folder the picker returned', async () => {
    const { worker, call } = await started();
    electron.module.dialog.showOpenDialog.mockResolvedValueOnce({
      canceled: false,
      filePaths: [userData],
    });
    await call('dialog:pickFolders', {});
    const added = call('library:addRoots', { paths: [userData] });
    await vi.waitFor(() => expect(worker.sent).toHaveLength(1));
    expect(worker.sent[0]).toMatchObject({ channel: 'library:addRoots' });
    worker.emit('message', {
      type: 'result',
      id: worker.sent[0]!.id,
      result: { ok: true, value: 1 },
    });
    expect(await added).toEqual({ ok: true, value: 1 });
  });

  it("records a dropped path reported by the window's preload, and only from there", async () => {
    const { DROPPED_PATH_CHANNEL } = await import('../../electron/preload/bridge.js');
    const { window, worker, call } = await started();
    const report = electron.ipcHandlers.get(DROPPED_PATH_CHANNEL) as (
      event: unknown,
      dropped: unknown,
    ) => unknown;
    const dropped = path.join(userData, 'dropped');
    await mkdir(dropped);
    // From another page or frame, or not a path: ignored.
    report(
      { sender: window.webContents, senderFrame: { url: 'https://evil.example/', parent: null } },
      dropped,
    );
    report({ sender: window.webContents, senderFrame: window.webContents.mainFrame }, 'relative');
    const refused = call('models:useFolder', { path: dropped });
    await answerStatus(worker, []);
    expect(await refused).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } });

    report({ sender: window.webContents, senderFrame: window.webContents.mainFrame }, dropped);
    const used = call('models:useFolder', { path: dropped });
    await vi.waitFor(() =>
      expect(worker.sent.at(-1)).toMatchObject({ channel: 'models:useFolder' }),
    );
    worker.emit('message', {
      type: 'result',
      id: worker.sent.at(-1)!.id,
      result: { ok: true, value: [] },
    });
    expect(await used).toEqual({ ok: true, value: [] });
  });

  it('reveals only files the media rules allow', async () => {
    const { worker, call } = await started();
    const reveal = call('media:reveal', { path: '/etc/passwd' });
    // The roots come from the worker; it answers with none that contain /etc.
    await vi.waitFor(() => expect(worker.sent.at(-1)?.type).toBe('mediaRoots'));
    worker.emit('message', { type: 'mediaRoots', id: worker.sent.at(-1)!.id, roots: [userData] });
    await vi.waitFor(() =>
      expect(worker.sent.filter((m) => m.type === 'mediaRoots')).toHaveLength(2),
    );
    worker.emit('message', { type: 'mediaRoots', id: worker.sent.at(-1)!.id, roots: [userData] });
    expect(await reveal).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(electron.module.shell.showItemInFolder).not.toHaveBeenCalled();
  });

  it('reveals a library file in the file manager', async () => {
    const { worker, call } = await started();
    const file = path.join(userData, 'photo.jpg');
    await writeFile(file, 'jpeg');
    const reveal = call('media:reveal', { path: file });
    await vi.waitFor(() => expect(worker.sent.at(-1)?.type).toBe('mediaRoots'));
    worker.emit('message', { type: 'mediaRoots', id: worker.sent.at(-1)!.id, roots: [userData] });
    expect(await reveal).toEqual({ ok: true, value: null });
    expect(electron.module.shell.showItemInFolder).toHaveBeenCalledWith(await realpath(file));
  });

  it('pushes engine events to the window', async () => {
    const { window, worker } = await started();
    worker.emit('message', {
      type: 'event',
      event: 'settings:changed',
      payload: { theme: 'dark' },
    });
    expect(window.webContents.send).toHaveBeenCalledWith('settings:changed', { theme: 'dark' });
  });

  it('restarts a crashed worker', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { worker } = await started();
    worker.emit('exit', 134);
    await vi.waitFor(() => expect(electron.workers).toHaveLength(2), { timeout: 2000 });
  });
});

describe('quitting', () => {
  it('waits for the worker to close its store, then quits for real', async () => {
    await start();
    await electron.ready();
    const { app } = electron.module;
    const worker = electron.workers[0]!;
    const first = { preventDefault: vi.fn() };
    app.emit('before-quit', first);
    expect(first.preventDefault).toHaveBeenCalled();
    const close = worker.sent.at(-1)!;
    expect(close.type).toBe('close');
    expect(app.quit).not.toHaveBeenCalled();

    // A second quit request while closing is held back too, and sends nothing more.
    const again = { preventDefault: vi.fn() };
    app.emit('before-quit', again);
    expect(again.preventDefault).toHaveBeenCalled();
    expect(worker.sent.filter((m) => m.type === 'close')).toHaveLength(1);

    worker.emit('message', { type: 'closed', id: close.id });
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledOnce());
    expect(worker.kill).toHaveBeenCalled();
    const last = { preventDefault: vi.fn() };
    app.emit('before-quit', last);
    expect(last.preventDefault).not.toHaveBeenCalled();
  });

  it('closing the last window quits except on macOS', async () => {
    await start();
    await electron.ready();
    electron.module.app.emit('window-all-closed');
    expect(electron.module.app.quit).toHaveBeenCalledTimes(process.platform === 'darwin' ? 0 : 1);
  });
});
