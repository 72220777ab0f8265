/**
 * @file The rows `lantern export` writes, page by page (engine, plain Node): every photo
 * of the serving model, then every sampled frame of every video, each with its path,
 * kind, time, capture date, model id and vector (docs/export.md).
 *
 * A video's own `media` row is not exported: its vector summarises its frames, which are
 * exported one by one; the issue asks for "one row per photo and per video frame". A
 * frame carries its video's path and capture date (null until the indexer reads one from
 * videos: index-videos.ts), and `t`, its time in the video.
 */
import {
  frameVectorPages,
  imageVectorPages,
  whereKind,
  whereUnderFolder,
  type EmbeddingColumns,
  type LibraryStore,
} from '../../../native/store/index.js';

export type ExportKind = 'image' | 'frame';

/** One page of rows, column by column (row i's vector is `vectors[i*dim … (i+1)*dim)`). */
export interface ExportPage extends EmbeddingColumns {
  kinds: readonly ExportKind[];
}

export interface ExportRowsOptions {
  /** Only files under this absolute folder. */
  folder?: string | undefined;
  /** Rows per page at most: one Parquet row group, one Arrow record batch. */
  pageRows: number;
}

/** Photos first, then frames grouped by video; every page holds at least one row. */
export async function* exportPages(
  store: LibraryStore,
  options: ExportRowsOptions,
): AsyncGenerator<ExportPage> {
  const model = store.model;
  for await (const page of imageVectorPages(store, options)) {
    yield {
      paths: page.paths,
      kinds: page.paths.map(() => 'image'),
      times: page.paths.map(() => null),
      takenAt: page.takenAt,
      model,
      vectors: page.vectors,
    };
  }
  // Videos are few next to their frames: their records (no vectors) are read at once.
  const videos = await store.listMedia({
    where:
      options.folder === undefined
        ? whereKind('video')
        : `${whereKind('video')} AND ${whereUnderFolder(options.folder)}`,
  });
  const byId = new Map(videos.map((video) => [video.id, video]));
  for await (const page of frameVectorPages(store, [...byId.keys()], options)) {
    const owners = page.videoIds.map((id) => byId.get(id)!);
    yield {
      paths: owners.map((video) => video.path),
      kinds: owners.map(() => 'frame'),
      times: page.times,
      takenAt: owners.map((video) => video.takenAt),
      model,
      vectors: page.vectors,
    };
  }
}
