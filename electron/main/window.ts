/**
 * @file The main window (main process): locked-down web preferences, the app's page
 * from app://lantern/, shown when painted, its bounds restored and saved.
 */
import { BrowserWindow, nativeTheme, screen, type BrowserWindowConstructorOptions } from 'electron';
import { APP_ENTRY_URL } from './security.js';
import {
  DEFAULT_SIZE,
  MIN_SIZE,
  placeWindow,
  readWindowState,
  writeWindowState,
  type Rectangle,
} from './window-state.js';

export interface MainWindowPaths {
  preload: string;
  icon: string;
  /** The JSON file that keeps the window's bounds. */
  state: string;
}

export function mainWindowOptions(
  paths: Pick<MainWindowPaths, 'preload' | 'icon'>,
  bounds: Rectangle | null,
  dark: boolean,
  devTools: boolean,
): BrowserWindowConstructorOptions {
  return {
    ...(bounds ?? DEFAULT_SIZE),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Lantern',
    icon: paths.icon,
    show: false,
    // The page's own background, so opening the window does not flash white in dark mode.
    backgroundColor: dark ? '#17171a' : '#ffffff',
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools,
    },
  };
}

export function createMainWindow(paths: MainWindowPaths, devTools: boolean): BrowserWindow {
  const state = readWindowState(paths.state);
  const bounds = placeWindow(
    state.bounds,
    screen.getAllDisplays().map((display) => display.workArea),
  );
  const window = new BrowserWindow(
    mainWindowOptions(paths, bounds, nativeTheme.shouldUseDarkColors, devTools),
  );
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => {
    writeWindowState(paths.state, {
      bounds: window.getNormalBounds(),
      maximized: window.isMaximized(),
    });
  });
  window.loadURL(APP_ENTRY_URL).catch((error: unknown) => {
    console.error('Lantern could not load its window:', error);
  });
  return window;
}
