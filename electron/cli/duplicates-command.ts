/**
 * @file `lantern duplicates [--threshold T] [--folder F] [--json]` (issue 13): groups of
 * near-identical photos in the library, the suggested keeper first (docs/duplicates.md).
 * It reads the library only and moves nothing: trashing the others is the app's
 * Duplicates view, after the person confirms.
 */
import path from 'node:path';
import {
  DEFAULT_DUPLICATE_THRESHOLD,
  findDuplicates,
} from '../engine/duplicates/find-duplicates.js';
import type { DuplicateAnswer, DuplicateFile } from '../shared/channels-duplicates.js';
import { LanternError } from '../shared/errors.js';
import type { CliArgs } from './args.js';
import type { WithLibrary } from './command-types.js';
import { print, shown } from './terminal-text.js';

/** The contract's lowest threshold: below it unrelated photos (≈ 0.5–0.7) would group. */
const LOWEST_THRESHOLD = 0.5;

export async function runDuplicates(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  if (args.threshold !== undefined && args.threshold < LOWEST_THRESHOLD)
    throw new LanternError(
      'INVALID_INPUT',
      `--threshold ${args.threshold} would group unrelated photos; use a similarity between ${LOWEST_THRESHOLD} and 1 (default ${DEFAULT_DUPLICATE_THRESHOLD}).`,
    );
  const folder = args.folder === undefined ? undefined : path.resolve(args.folder);
  const tty = process.stderr.isTTY;
  const answer = await withLibrary(args, { access: 'read' }, (library) =>
    findDuplicates(library.store, {
      ...(args.threshold === undefined ? {} : { threshold: args.threshold }),
      ...(folder === undefined ? {} : { folder }),
      onProgress: ({ done, total }) => {
        if (tty) process.stderr.write(`\r\x1b[2KComparing photos: ${done}/${total}`);
      },
    }),
  );
  if (tty) process.stderr.write('\r\x1b[2K');
  print(args, answer, () => duplicateLines(answer));
  return 0;
}

function duplicateLines(answer: DuplicateAnswer): string {
  const { groups, scanned, threshold } = answer;
  const head = `${groups.length} group${groups.length === 1 ? '' : 's'} of near-duplicates among ${scanned} photo${scanned === 1 ? '' : 's'} (similarity ≥ ${threshold}).`;
  if (groups.length === 0) return head;
  const blocks = groups.map((group, i) =>
    [
      `Group ${i + 1} — similarity ${group.similarity.toFixed(3)}; keep ${shown(path.basename(group.keeper))} (${group.keeperReason})`,
      ...group.files.map(
        (file) => `  ${file.path === group.keeper ? '★ keep ' : '       '}${fileLine(file)}`,
      ),
    ].join('\n'),
  );
  return [head, '', blocks.join('\n\n')].join('\n');
}

function fileLine(file: DuplicateFile): string {
  const size = file.width !== null && file.height !== null ? `${file.width}×${file.height}` : '?×?';
  const date = new Date(file.takenAt ?? file.mtime).toISOString().slice(0, 10);
  const sharpness = file.sharpness === null ? '' : `, sharpness ${file.sharpness.toFixed(2)}`;
  return `${shown(file.path)}  (${size}, ${kilobytes(file.size)}, ${date}${sharpness})`;
}

function kilobytes(bytes: number): string {
  return bytes >= 1024 ** 2
    ? `${(bytes / 1024 ** 2).toFixed(1)} MB`
    : `${Math.round(bytes / 1024)} KB`;
}
