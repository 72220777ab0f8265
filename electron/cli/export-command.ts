/**
 * @file `lantern export`: the library's embeddings written to one Parquet, Arrow IPC or
 * JSON-lines file, one row per photo and per video frame (docs/export.md). It reads the
 * stored vectors only: no model runs, no image is decoded, and it may run beside an index
 * run (the library is opened for reading).
 */
import path from 'node:path';
import {
  exportEmbeddings,
  formatOfFileName,
  type ExportCounts,
} from '../engine/export/export-embeddings.js';
import { isCancelled, LanternError } from '../shared/errors.js';
import { need, type CliArgs } from './args.js';
import type { WithLibrary } from './command-types.js';
import { errorLine, print, shown } from './terminal-text.js';

function countsLine({ rows, photos, frames }: ExportCounts): string {
  return `${rows} rows (${photos} photos, ${frames} video frames)`;
}

/** A line on stderr that rewrites itself, only on a terminal (pipes and tests see none). */
function progressLine(stream: NodeJS.WriteStream): {
  update(counts: ExportCounts): void;
  done(): void;
} {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  let drawn = false;
  return {
    update: (counts) => {
      drawn = true;
      stream.write(`\r\x1b[2KExporting… ${countsLine(counts)}`);
    },
    // Cleared once, before the summary is printed (stdout shares the terminal).
    done: () => {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

export async function runExport(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  const out = path.resolve(need(args.out, '--out FILE for the export'));
  const format = args.format ?? formatOfFileName(out);
  if (format === undefined)
    throw new LanternError(
      'INVALID_INPUT',
      `Missing --format: give --format parquet, arrow or jsonl (or an --out name ending in .parquet, .arrow or .jsonl).`,
    );
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const progress = progressLine(process.stderr);
  try {
    const summary = await withLibrary(
      args,
      { access: 'read', purpose: 'lantern export' },
      (library) =>
        exportEmbeddings(library.store, {
          format,
          out,
          folder: args.folder,
          overwrite: args.overwrite,
          signal: controller.signal,
          onProgress: (counts) => progress.update(counts),
        }),
    );
    progress.done();
    const { rows, photos, frames, path: written, model } = summary;
    print(
      args,
      { rows, photos, frames, path: written, format, model, dim: summary.dim },
      () =>
        `Exported ${countsLine(summary)} of model ${shown(model)} (${summary.dim} values each) to ${shown(written)}.`,
    );
    return 0;
  } catch (error) {
    // Ctrl+C: the sentence says nothing was written; 130 as `lantern index` (128 + SIGINT).
    if (!isCancelled(error) || !controller.signal.aborted) throw error;
    progress.done();
    process.stderr.write(errorLine((error as Error).message));
    return 130;
  } finally {
    progress.done();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
