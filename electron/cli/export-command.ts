/**
 * @file `lantern export` (issue 13). PLACEHOLDER written by the lead so main.ts compiles:
 * the helper that builds this command replaces the file.
 */
import { LanternError } from '../shared/errors.js';
import type { CliArgs } from './args.js';
import type { WithLibrary } from './command-types.js';

export function runExport(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  void args;
  void withLibrary;
  return Promise.reject(new LanternError('INTERNAL', 'lantern export is not built yet'));
}
