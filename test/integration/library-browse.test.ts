/**
 * @file `library:browse` through the engine service on a real indexed library: newest first
 * by date (capture time, else modification time), pages that neither overlap nor skip, the
 * month counts of the whole listing, the search filters, and bounded input.
 */
import { mkdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import type { LibraryPage } from '../../electron/shared/types.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

/** Noon, local time: the month is the person's, as the engine groups it. */
const day = (y: number, m: number, d: number) => new Date(y, m - 1, d, 12);

const FILES = [
  { name: 'a.png', date: day(2023, 1, 15), sub: false },
  { name: 'b.png', date: day(2024, 3, 10), sub: false },
  { name: 'c.png', date: day(2024, 3, 2), sub: false },
  { name: 'd.png', date: day(2022, 7, 1), sub: false },
  { name: 'e.png', date: day(2024, 5, 5), sub: true },
] as const;

describe('library:browse', () => {
  let root: string;
  let db: string;
  let service: LanternService;

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    await mkdir(path.join(root, 'sub'));
    const colours = ['red', 'green', 'blue', 'yellow', 'purple'] as const;
    for (const [i, file] of FILES.entries()) {
      const folder = file.sub ? path.join(root, 'sub') : root;
      // PNGs carry no capture date: the modification time is the file's date.
      await writePhoto(folder, { colour: colours[i] ?? 'red', name: file.name, format: 'png' });
      await utimes(path.join(folder, file.name), file.date, file.date);
    }
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip',
    });
    const done = new Promise<JobSnapshot>((resolve) =>
      service.on('job:progress', (job) => {
        if (['done', 'failed', 'cancelled'].includes(job.state)) resolve(job);
      }),
    );
    await service.invoke('library:addRoots', { paths: [root] });
    expect((await done).state).toBe('done');
  });

  afterAll(async () => {
    await service.close();
    await removeDir(root);
    await removeDir(db);
  });

  async function browse(input: object): Promise<LibraryPage> {
    const result = await service.invoke('library:browse', input);
    if (!result.ok) throw new Error(result.error.message);
    return result.value as LibraryPage;
  }
  const names = (page: LibraryPage) => page.items.map((item) => path.basename(item.path));

  it('pages through the whole library newest first, with every month counted', async () => {
    const first = await browse({ offset: 0, limit: 2 });
    expect(first.total).toBe(5);
    expect(names(first)).toEqual(['e.png', 'b.png']);
    expect(first.months).toEqual([
      { month: '2024-05', count: 1 },
      { month: '2024-03', count: 2 },
      { month: '2023-01', count: 1 },
      { month: '2022-07', count: 1 },
    ]);
    expect(names(await browse({ offset: 2, limit: 2 }))).toEqual(['c.png', 'a.png']);
    expect(names(await browse({ offset: 4, limit: 2 }))).toEqual(['d.png']);
    expect(names(await browse({ offset: 5, limit: 2 }))).toEqual([]);
    expect(first.items[0]).toMatchObject({ kind: 'image', score: 0, takenAt: null, width: 96 });
    expect(first.items[0]?.thumbnail).toBeTruthy();
  });

  it('applies the search filters: folder, kind and dates', async () => {
    const sub = await browse({ offset: 0, limit: 10, folder: path.join(root, 'sub') });
    expect(names(sub)).toEqual(['e.png']);
    expect(sub.months).toEqual([{ month: '2024-05', count: 1 }]);
    expect((await browse({ offset: 0, limit: 10, kind: 'video' })).total).toBe(0);
    const in2024 = await browse({
      offset: 0,
      limit: 10,
      from: day(2024, 1, 1).getTime(),
      to: day(2024, 12, 31).getTime(),
    });
    expect(names(in2024)).toEqual(['e.png', 'b.png', 'c.png']);
  });

  it('refuses pages out of bounds with a sentence, not a schema path', async () => {
    const zero = await service.invoke('library:browse', { offset: 0, limit: 0 });
    expect(zero).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'The number of results must be at least 1.' },
    });
    const huge = await service.invoke('library:browse', { offset: 0, limit: 1_000_000 });
    expect(huge).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const missing = await service.invoke('library:browse', { limit: 10 });
    expect(missing).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'The position in the library is missing.' },
    });
  });
});
