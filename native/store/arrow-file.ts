/**
 * @file Writes exported embeddings as an Arrow IPC file (the "Feather v2" format pyarrow,
 * DuckDB, polars and Arrow JS read), one record batch per page, streamed to disk (engine
 * or CLI, plain Node). It lives in the store adapter because apache-arrow's only door is
 * here (DESIGN.md, Layout; [Note: one Arrow instance] in schema.ts).
 *
 * Columns, as docs/export.md describes them: path and kind (Utf8), t (Float64, seconds,
 * null for photos), taken_at (Timestamp in ms without a time zone: the camera's wall
 * clock, which is what the library stores), model (Utf8) and vector
 * (FixedSizeList<Float32> of the model's embedding size).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as ArrowModule from 'apache-arrow';
import { arrow } from './arrow.js';

/** One page of rows, column by column; row i's vector is `vectors[i*dim … (i+1)*dim)`. */
export interface EmbeddingColumns {
  paths: readonly string[];
  kinds: readonly string[];
  times: readonly (number | null)[];
  takenAt: readonly (number | null)[];
  model: string;
  vectors: Float32Array;
}

export function embeddingSchema(dim: number): ArrowModule.Schema {
  return new arrow.Schema([
    new arrow.Field('path', new arrow.Utf8(), false),
    new arrow.Field('kind', new arrow.Utf8(), false),
    new arrow.Field('t', new arrow.Float64(), true),
    new arrow.Field('taken_at', new arrow.TimestampMillisecond(), true),
    new arrow.Field('model', new arrow.Utf8(), false),
    new arrow.Field(
      'vector',
      new arrow.FixedSizeList(dim, new arrow.Field('item', new arrow.Float32(), false)),
      false,
    ),
  ]);
}

function batchOf(
  schema: ArrowModule.Schema,
  dim: number,
  page: EmbeddingColumns,
): ArrowModule.RecordBatch {
  const rows = page.paths.length;
  const column = (values: readonly (string | number | null)[], type: ArrowModule.DataType) =>
    arrow.vectorFromArray(values, type).data[0]!;
  const vectors = arrow.makeData({
    type: schema.fields[5]!.type as ArrowModule.FixedSizeList,
    length: rows,
    nullCount: 0,
    child: arrow.makeData({
      type: new arrow.Float32(),
      length: rows * dim,
      data: page.vectors.subarray(0, rows * dim),
    }),
  });
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: rows,
    nullCount: 0,
    children: [
      column(page.paths, new arrow.Utf8()),
      column(page.kinds, new arrow.Utf8()),
      column(page.times, new arrow.Float64()),
      column(page.takenAt, new arrow.TimestampMillisecond()),
      column(
        Array.from({ length: rows }, () => page.model),
        new arrow.Utf8(),
      ),
      vectors,
    ],
  });
  return new arrow.RecordBatch(schema, struct);
}

/** An Arrow IPC file being written; `finish` completes it, `abort` stops without a footer. */
export class ArrowEmbeddingFile {
  private constructor(
    private readonly writer: ArrowModule.RecordBatchFileWriter,
    private readonly source: Readable,
    private readonly out: WriteStream,
    private readonly done: Promise<void>,
    private readonly schema: ArrowModule.Schema,
    private readonly dim: number,
  ) {}

  /** Start `file` (created or truncated) for vectors of `dim` values. */
  static create(file: string, dim: number): ArrowEmbeddingFile {
    const schema = embeddingSchema(dim);
    const writer = new arrow.RecordBatchFileWriter();
    const out = createWriteStream(file);
    const source = writer.toNodeStream();
    const done = pipeline(source, out);
    // Until finish or abort, a failure is seen by the next write; never unhandled.
    done.catch(() => undefined);
    writer.reset(undefined, schema);
    return new ArrowEmbeddingFile(writer, source, out, done, schema, dim);
  }

  /** Append one page as a record batch, waiting for the disk when the stream is full. */
  async write(page: EmbeddingColumns): Promise<void> {
    if (page.paths.length === 0) return;
    this.writer.write(batchOf(this.schema, this.dim, page));
    // The writer queues bytes as the file stream pulls them; wait while the file lags, so
    // only about a page is held in memory.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.out.writableNeedDrain)
      await Promise.race([
        new Promise<void>((resolve) => this.out.once('drain', () => resolve())),
        this.done.then(() => undefined),
      ]);
  }

  /** Write the footer and wait for every byte to reach the file. */
  async finish(): Promise<void> {
    this.writer.finish();
    await this.done;
  }

  /** Stop writing; the caller removes the unfinished file. */
  async abort(): Promise<void> {
    // Arrow's own writer.abort() leaves the Node stream waiting forever (Arrow JS 18); ending
    // the stream ends the pipeline and closes the file.
    this.source.destroy();
    await this.done.catch(() => undefined);
  }
}
