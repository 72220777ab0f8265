/**
 * @file Exported embeddings as Parquet (engine, plain Node), written with hyparquet-writer
 * one row group per page, so the vectors of the whole library are never held at once.
 *
 * [Note: the Parquet vector column]
 * Parquet has no fixed-size list. The vector is the standard three-level LIST of
 * required FLOAT (`vector` LIST → repeated `list` → required `element`), which pyarrow
 * reads as `list<element: float>`, DuckDB as `FLOAT[]` and polars as `List(Float32)`: a
 * list of numbers every reader understands, where a FIXED_LEN_BYTE_ARRAY of raw bytes
 * would be opaque binary that each reader must decode by hand. The embedding size is in
 * the file's key-value metadata (`lantern.dim`) for a reader that wants a fixed shape.
 * The vector column is written PLAIN, uncompressed and without statistics: float32
 * embeddings are near-random bits that Snappy does not shrink (206 MB either way for
 * 100 000 × 512 random values), and dropping it took that export from 33 s to 21 s on a
 * 2-core machine; a dictionary never pays off for them, and min/max of list elements
 * help no query.
 * `taken_at` is INT64 TIMESTAMP(MILLIS) with isAdjustedToUTC = false: the camera's wall
 * clock, with no time zone, as the library stores it.
 */
import type { SchemaElement } from 'hyparquet';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import type { ExportPage } from './export-rows.js';

function parquetSchema(): SchemaElement[] {
  const utf8 = (name: string): SchemaElement => ({
    name,
    type: 'BYTE_ARRAY',
    converted_type: 'UTF8',
    repetition_type: 'REQUIRED',
  });
  return [
    { name: 'root', num_children: 6 },
    utf8('path'),
    utf8('kind'),
    { name: 't', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    {
      name: 'taken_at',
      type: 'INT64',
      repetition_type: 'OPTIONAL',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' },
    },
    utf8('model'),
    { name: 'vector', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST' },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
  ];
}

export class ParquetEmbeddingFile {
  private constructor(
    private readonly writer: ParquetWriter,
    private readonly dim: number,
  ) {}

  static create(file: string, dim: number, model: string): ParquetEmbeddingFile {
    const writer = new ParquetWriter({
      writer: fileWriter(file),
      schema: parquetSchema(),
      kvMetadata: [
        { key: 'lantern.dim', value: String(dim) },
        { key: 'lantern.model', value: model },
      ],
      createdBy: 'Lantern (hyparquet-writer)',
    });
    return new ParquetEmbeddingFile(writer, dim);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- one interface with the other formats
  async write(page: ExportPage): Promise<void> {
    const rows = page.paths.length;
    if (rows === 0) return;
    const vectors = Array.from({ length: rows }, (_, i) =>
      Array.from(page.vectors.subarray(i * this.dim, (i + 1) * this.dim)),
    );
    // hyparquet-writer wants BigInt for INT64.
    const takenAt = page.takenAt.map((ms) => (ms === null ? null : BigInt(Math.round(ms))));
    // fileWriter flushes synchronously, so write() returns nothing to wait for.
    void this.writer.write({
      columnData: [
        { name: 'path', data: [...page.paths] },
        { name: 'kind', data: [...page.kinds] },
        { name: 't', data: [...page.times] },
        { name: 'taken_at', data: takenAt },
        { name: 'model', data: page.paths.map(() => page.model) },
        {
          name: 'vector',
          data: vectors,
          encoding: 'PLAIN',
          statistics: false,
          codec: 'UNCOMPRESSED',
        },
      ],
      rowGroupSize: rows,
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- one interface with the other formats
  async finish(): Promise<void> {
    void this.writer.finish();
  }

  /** Nothing is open between writes (fileWriter appends and closes): nothing to stop. */
  async abort(): Promise<void> {}
}
