/**
 * @file `lantern watch [--poll SECONDS]`: keeps the library's index current without the
 * app, holding its writer lock ([Note: library lock] in library-lock.ts) until Ctrl+C.
 * One line per batch indexed, one per folder gone offline or back ([Note: watching
 * folders] in engine/watch/folder-watcher.ts; docs/watch.md).
 */
import { readStoredSettings } from '../engine/service/settings.js';
import { FolderWatcher, type RootWatchState } from '../engine/watch/folder-watcher.js';
import { batchSummary, libraryWatchTarget } from '../engine/watch/library-target.js';
import { LanternError } from '../shared/errors.js';
import type { CliArgs } from './args.js';
import type { WithLibrary } from './command-types.js';
import { shown } from './terminal-text.js';

export function runWatch(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  return withLibrary(args, { access: 'write', purpose: 'lantern watch' }, async (library) => {
    if (library.roots.length === 0)
      throw new LanternError(
        'INVALID_INPUT',
        'This library has no folders to watch yet: add one with `npx lantern index FOLDER` first.',
      );
    const settings = await readStoredSettings(library.dbDir);
    // Lines for a person or a log (also when piped: a watch runs for days under a service
    // manager); `--json` gives one object a line for a script.
    const say = (line: string, json: object) =>
      process.stdout.write(
        args.json
          ? `${JSON.stringify({ time: Date.now(), ...json })}\n`
          : `${stamp()} ${shown(line)}\n`,
      );
    let failed: unknown = null;
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    const watcher = new FolderWatcher(libraryWatchTarget(library), {
      pollSeconds: args.poll ?? settings.watchPollSeconds,
      forcePolling: args.poll !== undefined,
      onBatch: (batch, report, seconds) =>
        say(batchSummary(batch, report, seconds), { event: 'batch', ...batch, report, seconds }),
      onRootState: (root, state) => say(rootLine(root, state), { event: 'folder', root, ...state }),
      onError: (error) => {
        failed = error;
        const message = error instanceof Error ? error.message : String(error);
        say(`error: ${message}`, { event: 'error', message });
      },
    });
    await watcher.start();
    const count = library.roots.length;
    say(`watching ${count} folder${count === 1 ? '' : 's'}; Ctrl+C stops`, {
      event: 'watching',
      roots: library.roots,
    });
    await stopped;
    say('stopping (the batch under way is finished and written)', { event: 'stopping' });
    await watcher.stop();
    return failed === null ? 0 : 1;
  });
}

function rootLine(root: string, state: RootWatchState): string {
  if (state.mode === 'offline')
    return `${root} is offline (${state.why ?? 'unreadable'}); its files stay in the library until it is back`;
  if (state.mode === 'polling') return `${root}: polling (${state.why ?? ''})`;
  return `${root}: watching for changes`;
}

function stamp(): string {
  return new Date().toTimeString().slice(0, 8);
}
