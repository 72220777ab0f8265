/**
 * @file What a command file receives from main.ts: the library opener, so each command
 * opens the library the same way (lock, model, errors) without importing main.ts.
 */
import type { Library } from '../engine/library.js';
import type { CliArgs } from './args.js';

/** Opens the library for `work` and closes it after, whatever happens. */
export type WithLibrary = <T>(
  args: CliArgs,
  use: { access: 'read' | 'write'; purpose?: string },
  work: (library: Library) => Promise<T>,
) => Promise<T>;
