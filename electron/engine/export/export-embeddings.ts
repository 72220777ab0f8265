/**
 * @file `lantern export`'s engine (plain Node): the library's vectors written to one file
 * as Parquet, Arrow IPC or JSON lines (docs/export.md), streamed a page at a time.
 *
 * [Note: an export is whole or absent]
 * The rows go to `FILE.partial`, which is flushed to disk and renamed to FILE only once the
 * last row and the format's footer are written; a failure or a cancel removes the partial
 * file. So FILE is never half a file: a script that sees it can read it. An existing FILE
 * is replaced only when the person says so (`overwrite`), and never when it is a folder.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ArrowEmbeddingFile, type LibraryStore } from '../../../native/store/index.js';
import { LanternError } from '../../shared/errors.js';
import { exportPages, type ExportPage } from './export-rows.js';
import { JsonLinesFile } from './jsonl-file.js';
import { ParquetEmbeddingFile } from './parquet-file.js';

export type ExportFormat = 'parquet' | 'arrow' | 'jsonl';

/**
 * Rows per page: one Parquet row group, one Arrow record batch. 4 096 rows of 512 float32
 * are 8 MiB of vectors (about 40 MiB while Parquet holds them as JavaScript arrays), small
 * beside the library, and row groups that size read well in pyarrow and DuckDB.
 */
export const EXPORT_PAGE_ROWS = 4096;

export interface ExportOptions {
  format: ExportFormat;
  /** The file to write (absolute or relative to the working folder). */
  out: string;
  /** Only files under this folder. */
  folder?: string | undefined;
  overwrite?: boolean;
  signal?: AbortSignal;
  /** Rows per page (tests make it small to see several pages). */
  pageRows?: number;
  onProgress?: (progress: ExportCounts) => void;
}

export interface ExportCounts {
  rows: number;
  photos: number;
  frames: number;
}

export interface ExportSummary extends ExportCounts {
  path: string;
  format: ExportFormat;
  model: string;
  /** Values per vector. */
  dim: number;
}

interface EmbeddingSink {
  write(page: ExportPage): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

async function openSink(
  format: ExportFormat,
  file: string,
  dim: number,
  model: string,
): Promise<EmbeddingSink> {
  if (format === 'jsonl') return JsonLinesFile.create(file, dim);
  if (format === 'arrow') return ArrowEmbeddingFile.create(file, dim);
  return ParquetEmbeddingFile.create(file, dim, model);
}

/** The checks a person's --out gets before any row is read. */
async function checkDestination(out: string, overwrite: boolean): Promise<void> {
  const existing = await stat(out).catch(() => null);
  if (existing?.isDirectory())
    throw new LanternError(
      'INVALID_INPUT',
      `${out} is a folder; give the export's file name, e.g. ${path.join(out, 'embeddings.parquet')} (--overwrite never replaces a folder).`,
    );
  if (existing && !overwrite)
    throw new LanternError(
      'INVALID_INPUT',
      `${out} already exists; choose another file name, or add --overwrite to replace it.`,
    );
  const parent = await stat(path.dirname(out)).catch(() => null);
  if (!parent?.isDirectory())
    throw new LanternError(
      'NOT_FOUND',
      `The folder ${path.dirname(out)} for the export does not exist; create it first or choose another file name.`,
    );
}

/** Flush a finished file to disk, so the rename never exposes bytes still in the cache. */
async function flushToDisk(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function stopIfCancelled(signal: AbortSignal | undefined, out: string): void {
  if (signal?.aborted)
    throw new LanternError('CANCELLED', `The export to ${out} was cancelled; nothing was written.`);
}

/** Write the store's vectors to `options.out` ([Note: an export is whole or absent]). */
export async function exportEmbeddings(
  store: LibraryStore,
  options: ExportOptions,
): Promise<ExportSummary> {
  const out = path.resolve(options.out);
  await checkDestination(out, options.overwrite === true);
  const folder = options.folder === undefined ? undefined : path.resolve(options.folder);
  const partial = `${out}.partial`;
  const counts: ExportCounts = { rows: 0, photos: 0, frames: 0 };
  const sink = await openSink(options.format, partial, store.dim, store.model);
  try {
    const pages = exportPages(store, { folder, pageRows: options.pageRows ?? EXPORT_PAGE_ROWS });
    for await (const page of pages) {
      stopIfCancelled(options.signal, out);
      await sink.write(page);
      for (const kind of page.kinds) counts[kind === 'image' ? 'photos' : 'frames']++;
      counts.rows += page.paths.length;
      options.onProgress?.({ ...counts });
    }
    stopIfCancelled(options.signal, out);
    await sink.finish();
    await flushToDisk(partial);
    await rename(partial, out);
  } catch (error) {
    await sink.abort().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
  return { ...counts, path: out, format: options.format, model: store.model, dim: store.dim };
}

/** The format a file name implies (`.parquet`, `.arrow`/`.feather`/`.ipc`, `.jsonl`/`.ndjson`). */
export function formatOfFileName(file: string): ExportFormat | undefined {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.parquet') return 'parquet';
  if (extension === '.arrow' || extension === '.feather' || extension === '.ipc') return 'arrow';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  return undefined;
}
