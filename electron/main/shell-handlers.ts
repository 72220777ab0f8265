/**
 * @file Main's own answers to the shell channels (main process): the native folder
 * picker and "reveal in file manager". Electron is injected, so they run in tests.
 * What the picker returns is recorded as chosen ([Note: chosen folders]).
 */
import { resolveServablePath } from '../engine/service/media-access.js';
import type { ShellHandlers } from './ipc-router.js';
import type { MediaSource } from './media-protocol.js';

export interface ShellDeps {
  /** Electron's dialog.showOpenDialog, bound to the main window when there is one. */
  showOpenDialog(options: {
    title: string;
    buttonLabel: string;
    properties: ('openDirectory' | 'multiSelections' | 'createDirectory')[];
  }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showItemInFolder(fullPath: string): void;
  media: MediaSource;
  /** The record of what the person chose (chosen-folders.ts). */
  chosenFolders: { choose(paths: Iterable<string>): void };
}

export function createShellHandlers(deps: ShellDeps): ShellHandlers {
  return {
    'dialog:pickFolders': async () => {
      const picked = await deps.showOpenDialog({
        title: 'Add folders to Lantern',
        buttonLabel: 'Add',
        properties: ['openDirectory', 'multiSelections', 'createDirectory'],
      });
      const folders = picked.canceled ? [] : picked.filePaths;
      // Main ran the dialog, so these are the person's own answer, not the page's words.
      deps.chosenFolders.choose(folders);
      return { ok: true, value: folders };
    },
    'media:reveal': async ({ path }) => {
      // The same rule as media://: the renderer may point at library files only.
      const file =
        (await resolveServablePath(path, await deps.media.roots())) ??
        (await resolveServablePath(path, await deps.media.roots(true)));
      if (!file)
        return {
          ok: false,
          error: {
            code: 'NOT_FOUND',
            message:
              'That file is not in a library folder (or no longer exists); re-index the folder.',
          },
        };
      deps.showItemInFolder(file);
      return { ok: true, value: null };
    },
  };
}
