/**
 * @file App-wide state (renderer): what the backend says about itself (model, execution
 * provider, readiness), the settings, the current view, and the theme applied to the
 * document.
 */
import type { AppInfo, Settings } from '../../../electron/shared/contract.js';
import { errorMessage, invoke, on } from './api.js';

export type View = 'search' | 'library' | 'tags' | 'duplicates';

export class AppState {
  info = $state.raw<AppInfo | null>(null);
  settings = $state.raw<Settings | null>(null);
  view = $state<View>('search');
  error = $state<string | null>(null);
  /** A short, passing message (e.g. why a drop could not be used), announced politely. */
  notice = $state<string | null>(null);

  subscribe(): () => void {
    const offSettings = on('settings:changed', (settings) => {
      this.settings = settings;
      // A new model or provider changes readiness and the status bar.
      void this.refreshInfo();
    });
    // The model loads on its first use (an index run, a search): the provider it settled
    // on is known from then, and a finished run says so with library:changed.
    const offLibrary = on('library:changed', () => {
      if (this.info?.provider === null) void this.refreshInfo();
    });
    return () => {
      offSettings();
      offLibrary();
    };
  }

  async load(): Promise<void> {
    try {
      const [info, settings] = await Promise.all([
        invoke('app:info', {}),
        invoke('settings:get', {}),
      ]);
      this.info = info;
      this.settings = settings;
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async refreshInfo(): Promise<void> {
    try {
      this.info = await invoke('app:info', {});
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  /** Change settings; throws the ApiError, so the control that asked can show it. */
  async updateSettings(change: Partial<Settings>): Promise<void> {
    this.settings = await invoke('settings:set', change);
    await this.refreshInfo();
  }
}

/** Follow the system unless the settings pick a theme; CSS reads `data-theme`. */
export function applyTheme(theme: Settings['theme'] | undefined): void {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset['theme'] = theme;
  else delete root.dataset['theme'];
}
