/**
 * @file `lantern index <folder>…`: index the folders (and tag what the run brought in once
 * tagging is on), with a progress bar on stderr, Ctrl+C to cancel (exit 130), and the
 * report on stdout.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LanternError } from '../shared/errors.js';
import { need, type CliArgs } from './args.js';
import { noteReindex, withLibrary } from './library-use.js';
import { createProgressReporter } from './progress-bar.js';
import { indexReportLines, print } from './terminal-text.js';

/**
 * No folder to index is a file, checked before any model loads: a file would become a root
 * of its own (parseCli refuses an empty name).
 */
async function checkFoldersToIndex(folders: readonly string[]): Promise<void> {
  for (const folder of folders) {
    const absolute = path.resolve(folder);
    const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => error);
    // A folder that cannot be reached now may be a known root on an unplugged disk: the
    // library reports it offline and keeps its files (a new one is refused there).
    if (info instanceof Error) continue;
    if (!info.isDirectory()) {
      throw new LanternError(
        'INVALID_INPUT',
        `${absolute} is a file, not a folder: give the folder that holds it (${path.dirname(absolute)}).`,
      );
    }
  }
}

export async function runIndex(args: CliArgs): Promise<number> {
  if (args.positionals.length === 0) need(undefined, 'a folder to index');
  await checkFoldersToIndex(args.positionals);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = createProgressReporter(process.stderr);
  // `npm run bench` times the run from the outside: each progress event, stamped, on stderr.
  const trace = process.env['LANTERN_TRACE_PROGRESS'] === '1';
  try {
    const report = await withLibrary(
      args,
      { access: 'write', purpose: 'lantern index' },
      async (library) => {
        const switching = noteReindex(library);
        const folders = args.positionals.map((folder) => path.resolve(folder));
        // Once the library has been tagged, what was just indexed is tagged too ([Note: an
        // index run tags the contents it brought in] in engine/tags/tag-after-index.ts).
        const { indexThenTag } = await import('../engine/tags/tag-after-index.js');
        const { report: result, tagged } = await indexThenTag(
          library,
          folders,
          async () => {
            const indexed = await library.index(args.positionals, {
              signal: controller.signal,
              onProgress: (p) => {
                if (trace)
                  process.stderr.write(
                    `lantern-progress ${JSON.stringify({ at: Date.now(), ...p })}\n`,
                  );
                bar.update(p);
              },
            });
            bar.done();
            return indexed;
          },
          controller.signal,
        );
        if (tagged)
          process.stderr.write(
            tagged.files === 0
              ? 'Nothing new to tag: tagging is on for this library.\n'
              : `Tagged ${tagged.files} file${tagged.files === 1 ? '' : 's'} (${tagged.suggested} with suggestions): tagging is on for this library.\n`,
          );
        if (switching && library.encoder.id === library.modelId)
          process.stderr.write(
            `Model ${library.modelId}'s index is complete: searches use it now.\n`,
          );
        return result;
      },
    );
    bar.done();
    const { indexed, unchanged, removed, failed, offline } = report;
    print(
      args,
      {
        indexed,
        unchanged,
        removed,
        moved: report.moved,
        failed,
        offline,
        cancelled: report.cancelled,
      },
      () => indexReportLines(report),
    );
    return report.cancelled ? 130 : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
