/**
 * @file Fast reading of Arrow columns (of a result or of one streamed record batch) into
 * JavaScript arrays. Runs in the engine worker (plain Node).
 *
 * Why: listings read many records (an index run, stored-files.ts; listMedia). Arrow JS's
 * per-cell `vector.get(i)` over a result of ~100 record batches took about 1 s for
 * 100K rows × 16 columns on a 2-core machine; reading each batch's buffers directly
 * (offsets + bytes for strings, the typed array for numbers, the validity bitmap for
 * nulls) brings the whole listMedia to about 0.45 s there, of which ~0.1 s is
 * LanceDB's own scan. Other types fall back to Arrow's own accessor.
 */
import type * as ArrowModule from 'apache-arrow';
import { arrow } from './arrow.js';

export type Cell = string | number | null;

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return false;
  return true;
}

function readData(data: ArrowModule.Data, out: Cell[], start: number): void {
  const valid = (j: number) => data.nullCount === 0 || data.getValid(j);
  if (arrow.DataType.isUtf8(data.type)) {
    // Buffers of a Data are already sliced to it; only the validity bitmap is not,
    // and getValid accounts for that.
    const offsets = data.valueOffsets as Int32Array;
    const values = data.values as Uint8Array;
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    // All-ASCII buffers (most paths, ids, hashes): one decode, then cheap slices,
    // because byte offsets are character offsets. Otherwise decode value by value.
    const text = isAscii(values) ? bytes.toString('latin1') : null;
    for (let j = 0; j < data.length; j++) {
      if (!valid(j)) out[start + j] = null;
      else if (text !== null) out[start + j] = text.slice(offsets[j], offsets[j + 1]);
      else out[start + j] = bytes.toString('utf8', offsets[j], offsets[j + 1]);
    }
  } else if (
    arrow.DataType.isFloat(data.type) ||
    (arrow.DataType.isInt(data.type) && data.type.bitWidth <= 32)
  ) {
    const values = data.values as Float64Array | Float32Array | Int32Array;
    for (let j = 0; j < data.length; j++) out[start + j] = valid(j) ? values[j]! : null;
  } else {
    const vector = arrow.makeVector(data);
    for (let j = 0; j < data.length; j++) {
      const value: unknown = vector.get(j);
      if (value === null || value === undefined) out[start + j] = null;
      else if (typeof value === 'number' || typeof value === 'string') out[start + j] = value;
      else if (typeof value === 'bigint') out[start + j] = Number(value);
      else throw new Error(`cannot read column type ${data.typeId} as text or number`);
    }
  }
}

/** Every value of column `name`, in row order; null where the column is null. */
export function readColumn(
  table: ArrowModule.Table | ArrowModule.RecordBatch,
  name: string,
): Cell[] {
  const out = new Array<Cell>(table.numRows);
  // LanceDB answers an empty result with an empty schema: no columns to miss.
  if (table.numRows === 0) return out;
  const column = table.getChild(name);
  if (column === null) throw new Error(`the result has no column ${name}`);
  let start = 0;
  for (const data of column.data as ArrowModule.Data[]) {
    readData(data, out, start);
    start += data.length;
  }
  return out;
}
