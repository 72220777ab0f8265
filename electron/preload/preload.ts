/**
 * @file The preload (renderer process, sandboxed; bundled to out/preload.cjs): exposes
 * the contract to the page as `window.lantern` through contextBridge, and nothing else.
 * It exports nothing, so the bundle is a plain script that requires only 'electron'.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld(
  'lantern',
  createBridge({ ipc: ipcRenderer, getPathForFile: (file) => webUtils.getPathForFile(file) }),
);
