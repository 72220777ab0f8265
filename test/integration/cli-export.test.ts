/**
 * @file `lantern export` as a person runs it, on a real index (toy CLIP, real sharp,
 * ffmpeg and LanceDB) of three photos and a short two-colour video: each format read back
 * by a reader other than LanceDB and other than the writer (Parquet by hyparquet, Arrow
 * by apache-arrow's tableFromIPC, JSON lines by JSON.parse) has one row per photo and
 * per sampled frame, vectors of the model's size equal to the stored ones, `t` on frames
 * only and the photo's capture date; --folder narrows the rows; an existing file is kept
 * unless --overwrite; a cancelled export leaves no file and no partial file behind, and an
 * export in pages writes several row groups / record batches, full ones even where the
 * store holds many small fragments (a library read mid-index).
 */
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Library } from '../../electron/engine/library.js';
import { LibraryStore } from '../../native/store/index.js';
import { exportEmbeddings } from '../../electron/engine/export/export-embeddings.js';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';
import { lantern } from '../fixtures/cli.js';
import { removeDir, tempDir, toyOptions } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import { mediaRow } from '../fixtures/store-rows.js';
import { writeColourVideo } from '../fixtures/videos.js';

interface Summary {
  rows: number;
  photos: number;
  frames: number;
  path: string;
  format: string;
  model: string;
}

interface ExportedRow {
  path: string;
  kind: string;
  t: number | null;
  takenAt: number | null;
  model: string;
  vector: number[];
}

/** The stored rows, read through the library (LanceDB), keyed as `path@t`. */
type Stored = Map<string, { vector: Float32Array; takenAt: number | null }>;

const key = (row: { path: string; t: number | null }) =>
  row.t === null ? row.path : `${row.path}@${row.t}`;

describe('lantern export', () => {
  let root: string;
  let db: string;
  let work: string;
  let global: string[];
  let stored: Stored;
  let photoCount: number;
  let frameCount: number;
  let takenPhoto: string;

  beforeAll(async () => {
    [root, db, work] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    global = ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip', '--json'];
    const photos = path.join(root, 'photos');
    takenPhoto = await writePhoto(photos, { colour: 'red', takenAt: '2021:06:01 14:03:22' });
    await writePhoto(photos, { colour: 'green' });
    await writePhoto(photos, { colour: 'blue', format: 'png' });
    await writeColourVideo(path.join(root, 'videos'), await locateFfmpeg(), {
      name: 'two-colours',
      stretches: [
        { colour: 'yellow', seconds: 2 },
        { colour: 'purple', seconds: 2 },
      ],
      metadata: { creation_time: '2022-03-04T05:06:07.000000Z' },
    });
    expect((await lantern(['index', root, ...global])).code).toBe(0);

    // What LanceDB holds, to compare every export with.
    const library = await Library.open(toyOptions(db, { access: 'read' }));
    try {
      stored = new Map();
      const media = await library.store.listMedia();
      const images = media.filter((row) => row.kind === 'image');
      const vectors = await library.store.getVectors(images.map((row) => row.id));
      images.forEach((row, i) =>
        stored.set(row.path, { vector: vectors[i]!, takenAt: row.takenAt }),
      );
      frameCount = 0;
      for (const video of media.filter((row) => row.kind === 'video'))
        for (const frame of await library.store.frames.ofVideo(video.id)) {
          stored.set(key({ path: video.path, t: frame.t }), {
            vector: frame.vector,
            takenAt: video.takenAt,
          });
          frameCount++;
        }
      photoCount = images.length;
    } finally {
      await library.close();
    }
    expect(photoCount).toBe(3);
    // A 4 s video sampled at scene changes and at least every 2 s.
    expect(frameCount).toBeGreaterThanOrEqual(2);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([removeDir(root), removeDir(db), removeDir(work)]);
  });

  const exportTo = async (format: string, name: string, extra: string[] = []) => {
    const out = path.join(work, name);
    const result = await lantern(['export', '--format', format, '--out', out, ...extra, ...global]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return { out, summary: JSON.parse(result.stdout) as Summary };
  };

  /** Every row matches a stored one exactly, and every stored row is exported once. */
  const expectSameAsStored = (rows: ExportedRow[]) => {
    expect(rows).toHaveLength(photoCount + frameCount);
    const seen = new Set<string>();
    for (const row of rows) {
      expect(row.model).toBe('toy-clip');
      expect(row.kind).toBe(row.t === null ? 'image' : 'frame');
      const original = stored.get(key(row));
      expect(original, key(row)).toBeDefined();
      expect(row.vector).toHaveLength(512);
      expect(Float32Array.from(row.vector)).toEqual(original!.vector);
      expect(row.takenAt).toBe(original!.takenAt);
      seen.add(key(row));
    }
    expect(seen.size).toBe(rows.length);
    expect(rows.filter((row) => row.kind === 'frame').every((row) => row.t! >= 0)).toBe(true);
    // A video's frames carry when it was shot, from its container's creation_time.
    const frames = rows.filter((row) => row.kind === 'frame');
    expect(frames.map((row) => row.takenAt)).toEqual(
      frames.map(() => Date.UTC(2022, 2, 4, 5, 6, 7)),
    );
    const taken = rows.find((row) => row.path === takenPhoto);
    // The camera's wall clock, stored as if it were UTC (schema.ts StoredMedia.takenAt).
    expect(taken?.takenAt).toBe(Date.UTC(2021, 5, 1, 14, 3, 22));
  };

  it('writes Parquet that hyparquet reads back as the stored vectors', async () => {
    const { out, summary } = await exportTo('parquet', 'all.parquet');
    expect(summary).toMatchObject({
      rows: photoCount + frameCount,
      photos: photoCount,
      frames: frameCount,
      path: out,
      format: 'parquet',
      model: 'toy-clip',
    });
    const bytes = await readFile(out);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    // The vector is a standard LIST of FLOAT, which pyarrow and DuckDB read as a float list.
    const schema = parquetMetadata(file).schema;
    expect(schema.find((element) => element.name === 'vector')?.converted_type).toBe('LIST');
    expect(schema.find((element) => element.name === 'element')?.type).toBe('FLOAT');
    const rows = (await parquetReadObjects({ file })) as {
      path: string;
      kind: string;
      t: number | null;
      taken_at: Date | bigint | number | null;
      model: string;
      vector: number[];
    }[];
    expectSameAsStored(
      rows.map((row) => ({
        ...row,
        takenAt:
          row.taken_at === null
            ? null
            : row.taken_at instanceof Date
              ? row.taken_at.getTime()
              : Number(row.taken_at),
      })),
    );
  });

  const arrowRows = (table: Table): ExportedRow[] =>
    table.toArray().map((row: Record<string, unknown>) => ({
      path: row.path as string,
      kind: row.kind as string,
      t: row.t as number | null,
      takenAt: row.taken_at === null ? null : Number(row.taken_at),
      model: row.model as string,
      vector: Array.from(row.vector as Iterable<number>),
    }));

  it('writes an Arrow IPC file that tableFromIPC reads back, vectors as FixedSizeList<Float32>', async () => {
    const { out, summary } = await exportTo('arrow', 'all.arrow');
    expect(summary).toMatchObject({ rows: photoCount + frameCount, format: 'arrow' });
    const table = tableFromIPC(await readFile(out));
    expect(String(table.schema.fields.find((field) => field.name === 'vector')?.type)).toBe(
      'FixedSizeList[512]<Float32>',
    );
    expectSameAsStored(arrowRows(table));
  });

  it('writes JSON lines that JSON.parse reads back to the same float32 values', async () => {
    const { out } = await exportTo('jsonl', 'all.jsonl');
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    const rows = lines.map(
      (line) => JSON.parse(line) as Omit<ExportedRow, 'takenAt'> & { taken_at: number | null },
    );
    expect(Object.keys(rows[0]!)).toEqual(['path', 'kind', 't', 'taken_at', 'model', 'vector']);
    expectSameAsStored(rows.map(({ taken_at, ...row }) => ({ ...row, takenAt: taken_at })));
  });

  it('--folder keeps only the files under that folder', async () => {
    const photos = await exportTo('jsonl', 'photos.jsonl', ['--folder', path.join(root, 'photos')]);
    expect(photos.summary).toMatchObject({ rows: photoCount, photos: photoCount, frames: 0 });
    const videos = await exportTo('arrow', 'videos.arrow', ['--folder', path.join(root, 'videos')]);
    expect(videos.summary).toMatchObject({ rows: frameCount, photos: 0, frames: frameCount });
    const table = tableFromIPC(await readFile(videos.out));
    expect(arrowRows(table).every((row) => row.kind === 'frame' && row.t !== null)).toBe(true);
  });

  it('refuses to replace an existing file unless --overwrite is given', async () => {
    const out = path.join(work, 'kept.parquet');
    await writeFile(out, 'my own notes');
    const refused = await lantern(['export', '--format', 'parquet', '--out', out, ...global]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--overwrite');
    expect(await readFile(out, 'utf8')).toBe('my own notes');
    const replaced = await lantern([
      'export',
      '--format',
      'parquet',
      '--out',
      out,
      '--overwrite',
      ...global,
    ]);
    expect(replaced.code).toBe(0);
    expect((await readFile(out)).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('infers the format from the file name when --format is not given', async () => {
    const out = path.join(work, 'inferred.arrow');
    const result = await lantern(['export', '--out', out, ...global]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Summary).format).toBe('arrow');
    expect(tableFromIPC(await readFile(out)).numRows).toBe(photoCount + frameCount);
  });

  describe('through the engine', () => {
    let library: Library;
    beforeAll(async () => {
      library = await Library.open(toyOptions(db, { access: 'read' }));
    });
    afterAll(async () => {
      await library.close();
    });

    it('writes one row group / record batch per page', async () => {
      const parquet = path.join(work, 'paged.parquet');
      const arrow = path.join(work, 'paged.arrow');
      await exportEmbeddings(library.store, { format: 'parquet', out: parquet, pageRows: 2 });
      await exportEmbeddings(library.store, { format: 'arrow', out: arrow, pageRows: 2 });
      const bytes = await readFile(parquet);
      const meta = parquetMetadata(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      const total = photoCount + frameCount;
      expect(Number(meta.num_rows)).toBe(total);
      expect(meta.row_groups.length).toBeGreaterThanOrEqual(Math.ceil(total / 2));
      expect(meta.row_groups.every((group) => Number(group.num_rows) <= 2)).toBe(true);
      const table = tableFromIPC(await readFile(arrow));
      expect(table.numRows).toBe(total);
      expect(table.batches.every((batch) => batch.numRows <= 2)).toBe(true);
    });

    it('gathers a store of many small fragments into full pages', async () => {
      const dir = path.join(work, 'fragments');
      const store = await LibraryStore.open(dir, { dim: 4, model: 'toy-clip' });
      try {
        // One write per photo, no compaction: ten fragments of one row each.
        for (let i = 0; i < 10; i++)
          await store.upsertMedia([
            mediaRow(`/lib/photo-${i}.jpg`, { vector: Float32Array.from([i, 1, 0, 0]) }),
          ]);
        const out = path.join(work, 'gathered.parquet');
        const summary = await exportEmbeddings(store, { format: 'parquet', out, pageRows: 4 });
        expect(summary).toMatchObject({ rows: 10, photos: 10, dim: 4 });
        const bytes = await readFile(out);
        const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        expect(parquetMetadata(file).row_groups.map((group) => Number(group.num_rows))).toEqual([
          4, 4, 2,
        ]);
        const rows = (await parquetReadObjects({ file })) as { path: string; vector: number[] }[];
        expect(rows.map((row) => row.vector[0]).sort((a, b) => a! - b!)).toEqual([
          0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
        ]);
      } finally {
        await store.close();
      }
    });

    for (const format of ['parquet', 'arrow', 'jsonl'] as const)
      it(`leaves neither the file nor a partial file when a ${format} export stops midway`, async () => {
        const out = path.join(work, `stopped.${format}`);
        const controller = new AbortController();
        let partialSeen = false;
        await expect(
          exportEmbeddings(library.store, {
            format,
            out,
            pageRows: 1,
            signal: controller.signal,
            onProgress: () => {
              // The rows so far are on disk, under the partial name only.
              partialSeen ||= existsSync(`${out}.partial`) && !existsSync(out);
              controller.abort();
            },
          }),
        ).rejects.toMatchObject({ code: 'CANCELLED' });
        expect(partialSeen).toBe(true);
        await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
        await expect(stat(`${out}.partial`)).rejects.toMatchObject({ code: 'ENOENT' });
      });

    it('keeps the old file whole when an export over it with overwrite stops midway', async () => {
      const out = path.join(work, 'previous.jsonl');
      await writeFile(out, '{"previous":true}\n');
      const controller = new AbortController();
      await expect(
        exportEmbeddings(library.store, {
          format: 'jsonl',
          out,
          overwrite: true,
          pageRows: 1,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
      ).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(await readFile(out, 'utf8')).toBe('{"previous":true}\n');
    });
  });
});
