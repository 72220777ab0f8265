/**
 * @file The window API the Electron preload exposes through contextBridge (renderer
 * types). In the browser shell `window.lantern` is absent and api.ts talks WebSocket.
 */
import type { LanternApi } from '../../../electron/shared/contract.js';

declare global {
  interface Window {
    lantern?: LanternApi & {
      /** A `media://` URL the main process serves (library roots and thumbnails only). */
      mediaUrl(path: string): string;
      /** The path of a dropped File (the preload's `webUtils.getPathForFile`); '' if none. */
      pathForFile?(file: File): string;
    };
  }
}

export {};
