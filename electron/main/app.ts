/**
 * @file Wires the desktop app together (main process): one instance, privileged
 * schemes, a hardened session, the engine worker, the IPC handlers, the menu, the window,
 * and a graceful quit. Nothing heavy runs here; every engine call goes to the worker.
 *
 * [Note: graceful quit] Quitting is held back (before-quit → preventDefault) until the
 * worker has finished or rolled back its current batch and closed the store, bounded by
 * ENGINE_CLOSE_TIMEOUT_MS; then the quit proceeds. The store's writes are idempotent
 * batches, so even a worker killed at the bound leaves no half-written batch behind.
 */
import path from 'node:path';
import {
  app,
  dialog,
  ipcMain,
  Menu,
  protocol,
  session,
  shell,
  utilityProcess,
  type BrowserWindow,
} from 'electron';
import { DROPPED_PATH_CHANNEL } from '../preload/bridge.js';
import type { EventName, Events } from '../shared/contract.js';
import type { LibraryStatus } from '../shared/types.js';
import { WORKER_OPTIONS_ENV, type WorkerOptions } from '../worker/protocol.js';
import { createAppHandler } from './app-protocol.js';
import { ChosenFolders } from './chosen-folders.js';
import { EngineHost } from './engine-host.js';
import { externalPages, opensExternally } from './external-pages.js';
import { registerContractHandlers } from './ipc-router.js';
import { createMediaHandler } from './media-protocol.js';
import { GLIBC_MALLOC } from '../shared/malloc.js';
import { menuTemplate } from './menu.js';
import {
  APP_SCHEME,
  guardWebContents,
  hardenSession,
  isTrustedSender,
  MEDIA_SCHEME,
} from './security.js';
import { createShellHandlers } from './shell-handlers.js';
import { createMainWindow } from './window.js';

/** The contract's limit on a path (electron/shared/contract.ts, absolutePath). */
const MAX_PATH_LENGTH = 4096;

/** Long enough to finish a batch of 256 rows on a slow disk; short enough not to hang a quit. */
export const ENGINE_CLOSE_TIMEOUT_MS = 10_000;

export interface AppLayout {
  /** The folder holding main.cjs, preload.cjs, worker.cjs and renderer/ (the build's out/). */
  outDir: string;
  /** The folder holding models.json, tokenizers/ and icons/. */
  resourcesDir: string;
}

/** Where the bundles and resources are, in the source tree (`electron .`) and when packaged. */
export function appLayout(mainDir: string): AppLayout {
  // The app path is the project root in development and …/resources/app.asar when
  // packaged; resources/ travels inside it (electron-builder.yml, docs/packaging.md).
  return { outDir: mainDir, resourcesDir: path.join(app.getAppPath(), 'resources') };
}

export function startLantern(layout: AppLayout): void {
  // The CLI's engine defaults to <appData>/Lantern (engine/paths.ts); the package name is
  // lower-case, so say the folder outright rather than rely on Electron's guess. Before
  // the lock: Electron keeps the single-instance lock in this folder.
  app.setPath('userData', path.join(app.getPath('appData'), 'Lantern'));
  // One library, one writer: a second launch focuses the first window and leaves.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.enableSandbox();
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    {
      scheme: MEDIA_SCHEME,
      // `stream` lets <video> play and seek through range requests as the bytes arrive.
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
    },
  ]);

  let window: BrowserWindow | null = null;
  const engine = new EngineHost({
    spawn: () =>
      utilityProcess.fork(path.join(layout.outDir, 'worker.cjs'), [], {
        serviceName: 'Lantern engine',
        stdio: 'inherit',
        env: {
          // glibc gives each thread that allocates an arena of its own (up to 8 per core)
          // and keeps what is freed there: with libuv's, libvips' and onnxruntime's threads
          // that held about 260 MB more at the peak of an index run of 38 real photos
          // (1.22 → 0.96 GB, CPU time equal; docs/benchmarks.md). Read at process start
          // only, so it is set here, for the engine's process; a person's own value wins.
          // The other two keep freed blocks for reuse instead of faulting in fresh pages
          // for every photo ([Note: two malloc arenas] in bin/lantern.js).
          ...GLIBC_MALLOC,
          ...process.env,
          LANTERN_RESOURCES: layout.resourcesDir,
          [WORKER_OPTIONS_ENV]: JSON.stringify(workerOptions(process.env)),
        },
      }),
    emit: <E extends EventName>(event: E, payload: Events[E]) => {
      if (window && !window.isDestroyed()) window.webContents.send(event, payload);
    },
  });
  const media = { roots: (refresh?: boolean) => engine.mediaRoots(refresh) };
  // [Note: chosen folders]: what the person picked or dropped, plus the library's roots.
  const chosenFolders = new ChosenFolders(() => libraryRoots(engine));
  const windowContentsId = (): number | null =>
    window && !window.isDestroyed() ? window.webContents.id : null;

  app.on('second-instance', () => {
    if (!window || window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  const allowedPages = opensExternally(externalPages(layout.resourcesDir));
  app.on('web-contents-created', (_event, contents) => {
    guardWebContents(contents, allowedPages, (url) => shell.openExternal(url));
  });

  const openWindow = (): void => {
    window = createMainWindow(
      {
        preload: path.join(layout.outDir, 'preload.cjs'),
        icon: path.join(layout.resourcesDir, 'icons', 'icon.png'),
        state: path.join(app.getPath('userData'), 'window-state.json'),
      },
      !app.isPackaged,
    );
    window.on('closed', () => (window = null));
  };

  app
    .whenReady()
    .then(() => {
      hardenSession(session.defaultSession);
      protocol.handle(APP_SCHEME, createAppHandler(path.join(layout.outDir, 'renderer')));
      protocol.handle(MEDIA_SCHEME, createMediaHandler(media));
      engine.start();
      // The preload's report of a dropped path (bridge.ts): from the window's own page
      // only, and only what could be a path. The answer is an acknowledgement, nothing more.
      ipcMain.handle(DROPPED_PATH_CHANNEL, (event, dropped: unknown) => {
        if (
          isTrustedSender(event, windowContentsId()) &&
          typeof dropped === 'string' &&
          dropped.length <= MAX_PATH_LENGTH &&
          path.isAbsolute(dropped)
        )
          chosenFolders.choose([dropped]);
        return null;
      });
      registerContractHandlers(ipcMain, {
        isTrustedSender: (event) => isTrustedSender(event, windowContentsId()),
        engine,
        shell: createShellHandlers({
          showOpenDialog: (options) =>
            window ? dialog.showOpenDialog(window, options) : dialog.showOpenDialog(options),
          showItemInFolder: (file) => shell.showItemInFolder(file),
          media,
          chosenFolders,
        }),
        chosenFolders,
      });
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(menuTemplate(process.platform, app.isPackaged)),
      );
      openWindow();
      app.on('activate', () => {
        if (!window) openWindow();
      });
    })
    .catch((error: unknown) => {
      dialog.showErrorBox('Lantern could not start', String(error));
      app.exit(1);
    });

  // macOS keeps an app without windows running; elsewhere closing the window quits.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let shutdown: 'running' | 'closing' | 'closed' = 'running';
  app.on('before-quit', (event) => {
    if (shutdown === 'closed') return;
    event.preventDefault();
    if (shutdown === 'closing') return;
    shutdown = 'closing';
    void engine.close(ENGINE_CLOSE_TIMEOUT_MS).finally(() => {
      shutdown = 'closed';
      app.quit();
    });
  });
  // Ctrl+C in the terminal that ran `npm start` quits the same graceful way.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());
}

/** The library's roots, as the engine reports them (none while it cannot answer). */
async function libraryRoots(engine: EngineHost): Promise<string[]> {
  const status = await engine.invoke('library:status', {});
  if (!status.ok) return [];
  // Read defensively: a path that is not a string must not reach the path checks.
  const { roots } = status.value as { roots?: unknown };
  if (!Array.isArray(roots)) return [];
  return roots.flatMap((root: Partial<LibraryStatus['roots'][number]> | null) =>
    typeof root?.path === 'string' ? [root.path] : [],
  );
}

/** Development and test overrides, named as for the command line (electron/cli/args.ts). */
export function workerOptions(env: NodeJS.ProcessEnv): WorkerOptions {
  const options: WorkerOptions = {};
  if (env['LANTERN_DB']) options.dbDir = env['LANTERN_DB'];
  if (env['LANTERN_MODELS']) options.modelsDir = env['LANTERN_MODELS'];
  if (env['LANTERN_MODEL']) options.modelId = env['LANTERN_MODEL'];
  return options;
}
