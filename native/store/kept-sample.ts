/**
 * @file The relevance gate's background sample kept in a file beside its media table
 * ([Note: a kept background sample]). LibraryStore.sampleVectors reads and writes it.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the kept sample was read from: it answers only a table in exactly this state. */
export interface SampleStamp {
  /** The media table's LanceDB version. */
  version: number;
  /** Its rows at that version. */
  rows: number;
  /** The vectors asked for (the sample may hold fewer: a smaller table). */
  count: number;
  dim: number;
}

const MAGIC = 'LNTSMP01';
/** Magic (8 bytes), version and rows (float64 each), count and dim (uint32 each), little-endian. */
const HEADER_BYTES = 32;

/** The file that keeps the sample of media table `table` in the store folder `dir`. */
export function keptSamplePath(dir: string, table: string): string {
  return join(dir, `${table}.sample`);
}

/**
 * The vectors kept in `file` when it was written for exactly `stamp`; null when it is
 * missing, was written for another state of the table, or is damaged (short, foreign).
 */
export async function readKeptSample(
  file: string,
  stamp: SampleStamp,
): Promise<Float32Array[] | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return null;
  }
  if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 8) !== MAGIC) return null;
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const same =
    header.getFloat64(8, true) === stamp.version &&
    header.getFloat64(16, true) === stamp.rows &&
    header.getUint32(24, true) === stamp.count &&
    header.getUint32(28, true) === stamp.dim;
  const vectorBytes = stamp.dim * 4;
  const body = bytes.length - HEADER_BYTES;
  if (!same || vectorBytes === 0 || body % vectorBytes !== 0) return null;
  const count = body / vectorBytes;
  if (count > stamp.count || count > stamp.rows) return null;
  // A copy: the file's buffer need not be aligned for Float32Array.
  const values = new Float32Array(count * stamp.dim);
  new Uint8Array(values.buffer).set(bytes.subarray(HEADER_BYTES));
  return Array.from({ length: count }, (_, i) =>
    values.subarray(i * stamp.dim, (i + 1) * stamp.dim),
  );
}

/** Keep `vectors` for `stamp` in `file`: written aside and renamed, so a reader never sees half. */
export async function keepSample(
  file: string,
  stamp: SampleStamp,
  vectors: readonly Float32Array[],
): Promise<void> {
  const bytes = Buffer.alloc(HEADER_BYTES + vectors.length * stamp.dim * 4);
  bytes.write(MAGIC, 0, 'latin1');
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  header.setFloat64(8, stamp.version, true);
  header.setFloat64(16, stamp.rows, true);
  header.setUint32(24, stamp.count, true);
  header.setUint32(28, stamp.dim, true);
  vectors.forEach((vector, i) => {
    const values = vector.subarray(0, stamp.dim);
    const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    bytes.set(raw, HEADER_BYTES + i * stamp.dim * 4);
  });
  const partial = `${file}.tmp-${process.pid}`;
  await writeFile(partial, bytes);
  await rename(partial, file);
}

/*
 * [Note: a kept background sample] The gate's background sample (LibraryStore.sampleVectors,
 * [Note: the background sample]) is a read of 1 000 vectors at offsets spread over the
 * media table, ~50–90 µs a vector in LanceDB's take: 10–15 ms of a cold search of the
 * bench's 38 photos, ~110 ms of one of 50 000 and ~160 ms of one of 1 000 000 (stamped,
 * 2026-12-02). A writable store keeps what it read in `<table>.sample` beside the table,
 * stamped with the table's version and row count; a later process whose table is in that
 * same state reads the file (one read of 2 MB) instead. Every other state misses and reads
 * the table: the stamp is the version LanceDB gives each commit, so any write, compaction or
 * index build in between is a miss. An index run refreshes the file at its end (Library.index),
 * so the searches after it hit; a read-only store (`lantern search`) only reads it. The
 * vectors are stored in the machine's byte order (a library is not moved between machines of
 * different byte order in practice; a foreign file would only mis-set one cut-off, and the
 * next index run rewrites it). Nothing is lost with the file: it is a copy of rows the table
 * holds, and a damaged or foreign one is a miss.
 */
