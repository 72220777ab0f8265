/**
 * @file Where Lantern keeps its data when nothing else is said (engine). Mirrors
 * Electron's `app.getPath('userData')` for an app named "Lantern", so the command line
 * and the desktop app share one library without importing Electron here.
 */
import os from 'node:os';
import path from 'node:path';
import { findResourcesDir } from './models/registry.js';

// The process's own temp folder, for LanceDB's index scratch ([Note: LanceDB's index
// scratch] in native/store/scratch.ts): the command line and the engine worker call it first.
export { useOwnScratch } from '../../native/store/index.js';

export function userDataDir(): string {
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Lantern');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Lantern');
    default:
      return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Lantern');
  }
}

export const defaultDbDir = (): string => path.join(userDataDir(), 'library');
export const defaultModelsDir = (): string => path.join(userDataDir(), 'models');

export const clipVocabularyPath = (): string =>
  path.join(findResourcesDir(), 'tokenizers', 'clip-bpe-16e6.txt.gz');
