/**
 * @file The library's tables as explicit Arrow schemas, and the conversions between
 * JavaScript rows (camelCase, plain numbers) and Arrow record batches (snake_case
 * columns). Runs in the engine worker (plain Node).
 *
 * [Note: one Arrow instance]
 * apache-arrow ships separate CommonJS and ESM builds, and LanceDB (CommonJS) checks
 * `instanceof Table` against the CommonJS one. An ESM `import` of apache-arrow would
 * load the other copy: LanceDB then tries to rebuild every table it is given, which
 * fails ("Table and inner RecordBatch schemas must be equivalent"). So this file loads
 * the CommonJS build with createRequire, the same instance LanceDB uses.
 *
 * Column choices: snake_case names, because DataFusion (LanceDB's SQL) lowercases
 * unquoted identifiers; numbers as Float64 (sizes, ms timestamps), which JavaScript
 * reads as plain numbers where Int64 would come back as BigInt; width/height Int32.
 */
import type * as ArrowModule from 'apache-arrow';
import { arrow } from './arrow.js';
import { readColumn } from './columns.js';
import type { Cell } from './columns.js';

export type StoreMediaKind = 'image' | 'video';

/** One file of the library without its vector (shape of MediaRecord in electron/shared/types.ts). */
export interface StoredMedia {
  /** See mediaIdFor: derived from the absolute path. */
  id: string;
  path: string;
  root: string;
  kind: StoreMediaKind;
  size: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
  /** SHA-256 of the file's bytes, hex. */
  hash: string;
  width: number;
  height: number;
  /** Capture time, ms since the epoch (camera wall clock encoded as UTC), or null. */
  takenAt: number | null;
  /** Seconds, for video. */
  duration: number | null;
  thumbnail: string | null;
  camera: string | null;
  lat: number | null;
  lon: number | null;
  /** Id of the model that made the vector. */
  model: string;
}

/**
 * What a tag run holds of each file it decides ([Note: what a tag run holds of a file] in
 * stored-files.ts): the id its vector is read by, the content hash its tags hang on, and
 * what a video is decided by.
 */
export type MediaKey = Pick<StoredMedia, 'id' | 'hash' | 'kind' | 'duration'>;

/** A row as written: the record plus its L2-normalised embedding. */
export interface MediaRow extends StoredMedia {
  vector: Float32Array;
}

/** A file that could not be indexed (FailedFile in electron/shared/types.ts, plus its stat). */
export interface FailureRow {
  path: string;
  root: string;
  code: string;
  error: string;
  /** Size and mtime when it failed, so a later scan can tell whether it changed. */
  size?: number | null;
  mtime?: number | null;
}

type ColumnType = 'utf8' | 'float64' | 'int32';

interface Column<Row> {
  name: string;
  type: ColumnType;
  nullable: boolean;
  read: (row: Row) => string | number | null;
}

const MEDIA_COLUMNS: Column<StoredMedia>[] = [
  { name: 'id', type: 'utf8', nullable: false, read: (r) => r.id },
  { name: 'path', type: 'utf8', nullable: false, read: (r) => r.path },
  { name: 'root', type: 'utf8', nullable: false, read: (r) => r.root },
  { name: 'kind', type: 'utf8', nullable: false, read: (r) => r.kind },
  { name: 'size', type: 'float64', nullable: false, read: (r) => r.size },
  { name: 'mtime', type: 'float64', nullable: false, read: (r) => r.mtime },
  { name: 'hash', type: 'utf8', nullable: false, read: (r) => r.hash },
  { name: 'width', type: 'int32', nullable: false, read: (r) => r.width },
  { name: 'height', type: 'int32', nullable: false, read: (r) => r.height },
  { name: 'taken_at', type: 'float64', nullable: true, read: (r) => r.takenAt },
  { name: 'duration', type: 'float64', nullable: true, read: (r) => r.duration },
  { name: 'thumbnail', type: 'utf8', nullable: true, read: (r) => r.thumbnail },
  { name: 'camera', type: 'utf8', nullable: true, read: (r) => r.camera },
  { name: 'lat', type: 'float64', nullable: true, read: (r) => r.lat },
  { name: 'lon', type: 'float64', nullable: true, read: (r) => r.lon },
  { name: 'model', type: 'utf8', nullable: false, read: (r) => r.model },
];

const FAILURE_COLUMNS: Column<FailureRow>[] = [
  { name: 'path', type: 'utf8', nullable: false, read: (r) => r.path },
  { name: 'root', type: 'utf8', nullable: false, read: (r) => r.root },
  { name: 'code', type: 'utf8', nullable: false, read: (r) => r.code },
  { name: 'error', type: 'utf8', nullable: false, read: (r) => r.error },
  { name: 'size', type: 'float64', nullable: true, read: (r) => r.size ?? null },
  { name: 'mtime', type: 'float64', nullable: true, read: (r) => r.mtime ?? null },
];

/** The media columns a listing reads: everything but the vector. */
export const MEDIA_RECORD_COLUMNS: readonly string[] = MEDIA_COLUMNS.map((column) => column.name);
export const FAILURE_RECORD_COLUMNS: readonly string[] = FAILURE_COLUMNS.map(
  (column) => column.name,
);

function arrowType(type: ColumnType): ArrowModule.DataType {
  if (type === 'utf8') return new arrow.Utf8();
  return type === 'int32' ? new arrow.Int32() : new arrow.Float64();
}

function vectorType(dim: number) {
  return new arrow.FixedSizeList(dim, new arrow.Field('item', new arrow.Float32(), true));
}

function fieldsOf<Row>(columns: Column<Row>[]): ArrowModule.Field[] {
  return columns.map(
    (column) => new arrow.Field(column.name, arrowType(column.type), column.nullable),
  );
}

export function mediaSchema(dim: number): ArrowModule.Schema {
  return new arrow.Schema([
    ...fieldsOf(MEDIA_COLUMNS),
    new arrow.Field('vector', vectorType(dim), false),
  ]);
}

export function failureSchema(): ArrowModule.Schema {
  return new arrow.Schema(fieldsOf(FAILURE_COLUMNS));
}

/** The embedding size of a media table's vector column, or null if it has none. */
export function vectorDimension(schema: ArrowModule.Schema): number | null {
  const type: unknown = schema.fields.find((field) => field.name === 'vector')?.type;
  return arrow.DataType.isFixedSizeList(type) ? type.listSize : null;
}

function columnData<Row>(column: Column<Row>, rows: readonly Row[]): ArrowModule.Data {
  return arrow.vectorFromArray(
    rows.map((row) => column.read(row)),
    arrowType(column.type),
  ).data[0]!;
}

function tableOf<Row>(
  schema: ArrowModule.Schema,
  columns: Column<Row>[],
  rows: readonly Row[],
  extra = new Map<string, ArrowModule.Data>(),
) {
  const children = schema.fields.map((field) => {
    const column = columns.find((c) => c.name === field.name);
    return column ? columnData(column, rows) : extra.get(field.name)!;
  });
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: rows.length,
    nullCount: 0,
    children,
  });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

/** Media rows as one Arrow table; vectors are copied into one contiguous Float32 buffer. */
export function mediaTable(rows: readonly MediaRow[], dim: number): ArrowModule.Table {
  const schema = mediaSchema(dim);
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => flat.set(row.vector, i * dim));
  const vectorField = schema.fields.find((field) => field.name === 'vector')!;
  const values = arrow.makeData({ type: new arrow.Float32(), length: flat.length, data: flat });
  const vectors = arrow.makeData({
    type: vectorField.type as ReturnType<typeof vectorType>,
    length: rows.length,
    nullCount: 0,
    child: values,
  });
  return tableOf(schema, MEDIA_COLUMNS, rows, new Map([['vector', vectors]]));
}

export function failureTable(rows: readonly FailureRow[]): ArrowModule.Table {
  return tableOf(failureSchema(), FAILURE_COLUMNS, rows);
}

function cells(
  table: ArrowModule.Table | ArrowModule.RecordBatch,
  name: string,
): (index: number) => Cell {
  const values = readColumn(table, name);
  return (index) => values[index] ?? null;
}

const asString = (value: Cell) => (value === null ? null : String(value));
const asNumber = (value: Cell) => (value === null ? null : Number(value));

/** Read media records out of a result (extra columns such as `_distance` are ignored). */
export function mediaRecords(table: ArrowModule.Table | ArrowModule.RecordBatch): StoredMedia[] {
  const [id, path, root, kind, size, mtime, hash, width, height] = [
    'id',
    'path',
    'root',
    'kind',
    'size',
    'mtime',
    'hash',
    'width',
    'height',
  ].map((name) => readColumn(table, name));
  const [takenAt, duration, thumbnail, camera, lat, lon, model] = [
    'taken_at',
    'duration',
    'thumbnail',
    'camera',
    'lat',
    'lon',
    'model',
  ].map((name) => readColumn(table, name));
  const at = (column: Cell[] | undefined, i: number) => column?.[i] ?? null;
  const records = new Array<StoredMedia>(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    records[i] = {
      id: String(at(id, i)),
      path: String(at(path, i)),
      root: String(at(root, i)),
      kind: at(kind, i) === 'video' ? 'video' : 'image',
      size: Number(at(size, i)),
      mtime: Number(at(mtime, i)),
      hash: String(at(hash, i)),
      width: Number(at(width, i)),
      height: Number(at(height, i)),
      takenAt: asNumber(at(takenAt, i)),
      duration: asNumber(at(duration, i)),
      thumbnail: asString(at(thumbnail, i)),
      camera: asString(at(camera, i)),
      lat: asNumber(at(lat, i)),
      lon: asNumber(at(lon, i)),
      model: String(at(model, i)),
    };
  }
  return records;
}

export function failureRecords(table: ArrowModule.Table): Required<FailureRow>[] {
  const get = Object.fromEntries(FAILURE_RECORD_COLUMNS.map((name) => [name, cells(table, name)]));
  const records: Required<FailureRow>[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const cell = (name: string) => get[name]!(i);
    records.push({
      path: String(cell('path')),
      root: String(cell('root')),
      code: String(cell('code')),
      error: String(cell('error')),
      size: asNumber(cell('size')),
      mtime: asNumber(cell('mtime')),
    });
  }
  return records;
}

/** Numbers of one column (e.g. `_distance`), in row order. */
export function numberColumn(table: ArrowModule.Table, name: string): number[] {
  const get = cells(table, name);
  return Array.from({ length: table.numRows }, (_, i) => Number(get(i)));
}

/** id → vector out of a result with `id` and `vector` columns; vectors are copies. */
export function vectorsById(table: ArrowModule.Table): Map<string, Float32Array> {
  const ids = cells(table, 'id');
  const vectors = table.getChild('vector');
  const result = new Map<string, Float32Array>();
  for (let i = 0; i < table.numRows; i++) {
    const vector = vectors?.get(i) as ArrowModule.Vector<ArrowModule.Float32> | null | undefined;
    if (vector) result.set(String(ids(i)), Float32Array.from(vector.toArray()));
  }
  return result;
}
