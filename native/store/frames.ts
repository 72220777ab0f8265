/**
 * @file The `frames` table: one row per sampled video frame (video id, time, vector), so
 * a prompt can be scored along a video's timeline. Runs in the engine worker.
 *
 * Rows are keyed by `id` = `<video id>@<t in ms>`; writing a video's frames again after a
 * crash replaces rather than duplicates them ([Note: store writes are atomic and
 * idempotent] in library-store.ts). The engine writes a video's frames first and its
 * `media` row last, so a video with a media row has all its frames.
 */
import type { Table } from '@lancedb/lancedb';
import type * as ArrowModule from 'apache-arrow';
import { arrow } from './arrow.js';
import { chunks, lastPerKey } from './batching.js';
import { readColumn } from './columns.js';
import { guarded, StoreError } from './errors.js';
import { whereIn } from './filters.js';

export interface FrameRow {
  videoId: string;
  /** Seconds from the start of the video. */
  t: number;
  vector: Float32Array;
}

export interface FrameHit {
  videoId: string;
  t: number;
  /** Cosine distance, 1 − similarity. */
  distance: number;
}

/** Ids per `IN (…)` list, to keep each SQL statement small. */
const IDS_PER_STATEMENT = 200;

export function frameId(videoId: string, t: number): string {
  return `${videoId}@${Math.round(t * 1000)}`;
}

export function frameSchema(dim: number): ArrowModule.Schema {
  return new arrow.Schema([
    new arrow.Field('id', new arrow.Utf8(), false),
    new arrow.Field('video_id', new arrow.Utf8(), false),
    new arrow.Field('t', new arrow.Float64(), false),
    new arrow.Field(
      'vector',
      new arrow.FixedSizeList(dim, new arrow.Field('item', new arrow.Float32(), true)),
      false,
    ),
  ]);
}

function frameTable(rows: readonly FrameRow[], dim: number): ArrowModule.Table {
  const schema = frameSchema(dim);
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => flat.set(row.vector, i * dim));
  const vectorType = schema.fields[3]!.type as ArrowModule.FixedSizeList;
  const vectors = arrow.makeData({
    type: vectorType,
    length: rows.length,
    nullCount: 0,
    child: arrow.makeData({ type: new arrow.Float32(), length: flat.length, data: flat }),
  });
  const column = (values: (string | number)[], type: ArrowModule.DataType) =>
    arrow.vectorFromArray(values, type).data[0]!;
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: rows.length,
    nullCount: 0,
    children: [
      column(
        rows.map((r) => frameId(r.videoId, r.t)),
        new arrow.Utf8(),
      ),
      column(
        rows.map((r) => r.videoId),
        new arrow.Utf8(),
      ),
      column(
        rows.map((r) => r.t),
        new arrow.Float64(),
      ),
      vectors,
    ],
  });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

export class FrameTable {
  constructor(
    /** Null when opened read-only on a library that has no frames table yet: reads are empty. */
    private readonly table: Table | null,
    private readonly dim: number,
    private readonly dir: string,
  ) {}

  async upsert(rows: readonly FrameRow[]): Promise<void> {
    if (rows.length === 0) return;
    const table = this.writable();
    for (const row of rows) {
      if (row.vector.length !== this.dim) {
        throw new StoreError(
          'INVALID_INPUT',
          `A frame vector has ${row.vector.length} values; this library holds ${this.dim}.`,
        );
      }
    }
    const data = frameTable(
      lastPerKey(rows, (r) => frameId(r.videoId, r.t)),
      this.dim,
    );
    await guarded('save video frames', this.dir, () =>
      table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data),
    );
  }

  async deleteVideos(videoIds: readonly string[]): Promise<void> {
    if (videoIds.length === 0) return;
    const table = this.writable();
    await guarded('remove video frames', this.dir, async () => {
      for (const part of chunks(videoIds, IDS_PER_STATEMENT))
        await table.delete(whereIn('video_id', part));
    });
  }

  /** Every frame of one video with its vector, in time order. */
  async ofVideo(videoId: string): Promise<FrameRow[]> {
    return (await this.ofVideos([videoId])).get(videoId) ?? [];
  }

  /**
   * Every frame of each of `videoIds` with its vector, in time order, by video id (a video
   * without frames is absent). All their vectors are held at once: callers pass a few
   * videos at a time (an hour sampled every 2 s is 1 800 frames, ≈ 3.7 MB at 512 values).
   */
  async ofVideos(videoIds: readonly string[]): Promise<Map<string, FrameRow[]>> {
    const table = this.table;
    const byVideo = new Map<string, FrameRow[]>();
    if (!table || videoIds.length === 0) return byVideo;
    return guarded('read video frames', this.dir, async () => {
      for (const part of chunks([...new Set(videoIds)], IDS_PER_STATEMENT)) {
        const result = await table
          .query()
          .where(whereIn('video_id', part))
          .select(['video_id', 't', 'vector'])
          .toArrow();
        const ids = readColumn(result, 'video_id');
        const times = readColumn(result, 't');
        const vectors = result.getChild('vector');
        for (let i = 0; i < result.numRows; i++) {
          const value: unknown = vectors?.get(i);
          const vector = value
            ? Float32Array.from(value as Iterable<number>)
            : new Float32Array(this.dim);
          const videoId = String(ids[i]);
          const rows = byVideo.get(videoId) ?? [];
          rows.push({ videoId, t: Number(times[i]), vector });
          byVideo.set(videoId, rows);
        }
      }
      for (const rows of byVideo.values()) rows.sort((a, b) => a.t - b.t);
      return byVideo;
    });
  }

  /** Nearest frames across the library (or within `videoIds`), nearest first. */
  async search(
    vector: Float32Array,
    options: { limit: number; videoIds?: readonly string[] },
  ): Promise<FrameHit[]> {
    const table = this.table;
    if (!table) return [];
    return guarded('search video frames', this.dir, async () => {
      let query = table
        .vectorSearch(vector)
        .distanceType('cosine')
        .limit(options.limit)
        .select(['video_id', 't', '_distance']);
      if (options.videoIds) query = query.where(whereIn('video_id', options.videoIds));
      const result = await query.toArrow();
      const ids = readColumn(result, 'video_id');
      const times = readColumn(result, 't');
      const distances = readColumn(result, '_distance');
      return ids.map((id, i) => ({
        videoId: String(id),
        t: Number(times[i]),
        distance: Number(distances[i]),
      }));
    });
  }

  /** Compact small writes and prune old versions (see LibraryStore.optimize). */
  async optimize(cleanupOlderThan: Date): Promise<void> {
    await this.writable().optimize({ cleanupOlderThan });
  }

  close(): void {
    this.table?.close();
  }

  async count(): Promise<number> {
    const table = this.table;
    if (!table) return 0;
    return guarded('count video frames', this.dir, () => table.countRows());
  }

  private writable(): Table {
    if (!this.table)
      throw new StoreError('INVALID_INPUT', `The library at ${this.dir} is open for reading only.`);
    return this.table;
  }
}
