/**
 * @file The threshold slider and vocabulary edits, through the engine service as the app
 * calls them (tags:preview, tags:threshold, tags:edit) on `toy-clip-gap` (real CLIP's
 * score shape, TOY_MODELS.md): a library of real photos (crops of the MATE wallpapers)
 * with a few red and blue photos among them (the colour over most of a real crop). The
 * preview of Red counts the red photos; a higher offset lets the weakest go first; saving
 * an offset re-decides Red alone; add, rename, hide and merge change the store at once;
 * a bad edit and a damaged vocabulary.json change nothing they should not.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import type { FileTags, TagCount, TagPreview } from '../../electron/shared/types.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { Prng } from '../bench/measure.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { TOY_COLOURS } from '../toy-models/colours.js';

const WALLPAPERS = '/usr/share/backgrounds/mate';
const REAL = 24;
/** Share of each coloured photo the colour covers: strong to weaker, so scores spread. */
const COVERAGE = [1, 0.95, 0.9, 0.85, 0.8, 0.75];
const BLUE = 3;

let photos: string;
const redFiles: string[] = [];
const blueFiles: string[] = [];

/** A square crop of a wallpaper, `colour` painted over the top `coverage` of it. */
async function writeCrop(
  file: string,
  source: string,
  rng: Prng,
  paint?: { rgb: readonly number[]; coverage: number },
): Promise<void> {
  const image = sharp(source).resize({ width: 320 });
  const { width = 320, height = 180 } = await sharp(await image.toBuffer()).metadata();
  const side = Math.floor(Math.min(width, height) * (0.5 + 0.5 * rng.next()));
  let crop = sharp(await image.toBuffer()).extract({
    left: rng.int(width - side + 1),
    top: rng.int(height - side + 1),
    width: side,
    height: side,
  });
  if (paint) {
    const band = Math.round(side * paint.coverage);
    const [r = 0, g = 0, b = 0] = paint.rgb;
    const overlay = await sharp({
      create: { width: side, height: band, channels: 3, background: { r, g, b } },
    })
      .png()
      .toBuffer();
    crop = sharp(await crop.toBuffer()).composite([{ input: overlay, top: 0, left: 0 }]);
  }
  await crop.jpeg().toFile(file);
}

beforeAll(async () => {
  photos = await tempDir();
  const sources = readdirSync(WALLPAPERS, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(jpe?g|png)$/i.test(f) && !/_\d+x\d+\./.test(f))
    .sort()
    .map((f) => path.join(WALLPAPERS, f));
  const rng = new Prng(0x51d);
  const source = () => sources[rng.int(sources.length)]!;
  for (let i = 0; i < REAL; i++) await writeCrop(path.join(photos, `real-${i}.jpg`), source(), rng);
  for (const [i, coverage] of COVERAGE.entries()) {
    const file = path.join(photos, `red-${i}.jpg`);
    await writeCrop(file, source(), rng, { rgb: TOY_COLOURS.red, coverage });
    redFiles.push(file);
  }
  for (let i = 0; i < BLUE; i++) {
    const file = path.join(photos, `blue-${i}.jpg`);
    await writeCrop(file, source(), rng, { rgb: TOY_COLOURS.blue, coverage: COVERAGE[i]! });
    blueFiles.push(file);
  }
}, 120_000);

afterAll(async () => {
  await removeDir(photos);
});

describe('threshold slider and vocabulary edits', () => {
  let db: string;
  let service: LanternService;
  let jobs: JobSnapshot[];

  beforeEach(async () => {
    db = await tempDir();
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip-gap',
    });
    jobs = [];
    service.on('job:progress', (job) => jobs.push(job));
    await finish(await value<JobSnapshot>(service.invoke('library:addRoots', { paths: [photos] })));
  }, 120_000);

  afterEach(async () => {
    await service.close();
    await removeDir(db);
  });

  async function answer(
    result: Promise<{ ok: boolean; value?: unknown; error?: unknown }>,
  ): Promise<{ ok: boolean; value?: unknown; error?: unknown }> {
    return result;
  }

  async function value<T>(
    result: Promise<{ ok: boolean; value?: unknown; error?: unknown }>,
  ): Promise<T> {
    const got = await answer(result);
    if (!got.ok) throw new Error(JSON.stringify(got.error));
    return got.value as T;
  }

  async function finish(job: JobSnapshot): Promise<JobSnapshot> {
    await expect
      .poll(
        () =>
          jobs.find((j) => j.id === job.id && ['done', 'failed', 'cancelled'].includes(j.state)),
        { timeout: 60_000 },
      )
      .toBeTruthy();
    return jobs.filter((j) => j.id === job.id).at(-1)!;
  }

  const preview = (input: Record<string, unknown>) =>
    value<TagPreview>(service.invoke('tags:preview', input));
  const counts = async () => value<TagCount[]>(service.invoke('tags:list', {}));
  const countOf = (all: TagCount[], id: string) => all.find((tag) => tag.id === id);
  const tagsOf = async (files: string[]) =>
    value<FileTags[]>(service.invoke('tags:ofFiles', { paths: files }));
  const rowsOf = (tags: FileTags[], id: string) =>
    tags.map((file) => ({
      path: file.path,
      state: file.tags.find((tag) => tag.tag === id)?.state ?? null,
    }));

  it('previews a colour tag: it counts the photos of that colour, and a higher offset lets the weakest go first', async () => {
    const red = await preview({ tag: 'Red', near: 48 });
    expect(red.tag).toEqual({ id: 'colours/red', name: 'Red', category: 'Colours' });
    expect(red.total).toBe(REAL + COVERAGE.length + BLUE);
    expect(red.offset).toBe(0);
    // Most red photos, and only red photos (near: 48 lists every file that passes).
    expect(red.count).toBeGreaterThanOrEqual(4);
    expect(red.justIn).toHaveLength(red.count);
    expect(red.justIn.every((file) => redFiles.includes(file.path))).toBe(true);
    expect(red.justIn[0]!.thumbnail).toBeTruthy();
    // The histogram holds what the count counts.
    expect(red.histogram.counts).toHaveLength(64);
    expect(red.histogram.counts.reduce((a, b) => a + b, 0)).toBe(red.count + red.justMiss.length);

    // A threshold between the weakest passing scores and the next stronger one: the
    // photos that just made it are the ones that now just miss, strongest first.
    const weakest = red.justIn[0]!.score;
    const gone = red.justIn.findIndex((file) => file.score > weakest + 0.0003);
    expect(gone).toBeGreaterThan(0);
    const cut = (weakest + red.justIn[gone]!.score) / 2;
    const higher = await preview({ tag: 'colours/red', offset: cut - red.calibrated, near: 3 });
    expect(higher.count).toBe(red.count - gone);
    expect(new Set(higher.justMiss.slice(0, gone).map((file) => file.path))).toEqual(
      new Set(red.justIn.slice(0, gone).map((file) => file.path)),
    );
    expect(higher.justIn[0]?.path).toBe(red.justIn[gone]!.path);
    expect(higher.calibrated).toBe(red.calibrated);
  });

  it('previews a phrase that is not a saved tag', async () => {
    const blue = await preview({ phrase: 'blue', near: 48 });
    expect(blue.tag).toBeNull();
    // The strongest files it would tag are the blue photos.
    const strongest = blue.justIn.slice(-BLUE).map((file) => file.path);
    expect(strongest.sort()).toEqual([...blueFiles].sort());
    // Nothing was saved: the library has no vocabulary edits.
    expect(existsSync(path.join(db, 'vocabulary.json'))).toBe(false);
  });

  it('saves a threshold and decides that tag alone again, keeping the person’s decisions', async () => {
    await finish(await value<JobSnapshot>(service.invoke('tags:run', {})));
    const before = await counts();
    const blueBefore = rowsOf(await tagsOf(blueFiles), 'colours/blue');
    expect(countOf(before, 'colours/red')!.suggested).toBeGreaterThanOrEqual(3);
    // The person accepts one red photo and rejects another.
    const [accepted, rejected] = redFiles;
    await value(
      service.invoke('tags:decide', { paths: [accepted!], tag: 'red', state: 'accepted' }),
    );
    await value(
      service.invoke('tags:decide', { paths: [rejected!], tag: 'red', state: 'rejected' }),
    );

    const after = await value<TagCount[]>(
      service.invoke('tags:threshold', { tag: 'Red', offset: 0.2 }),
    );
    expect(countOf(after, 'colours/red')).toMatchObject({
      offset: 0.2,
      suggested: 0,
      accepted: 1,
      rejected: 1,
    });
    expect(rowsOf(await tagsOf(blueFiles), 'colours/blue')).toEqual(blueBefore);
    expect(countOf(after, 'colours/blue')).toEqual(countOf(before, 'colours/blue'));
    // The preview now starts from the saved offset.
    expect((await preview({ tag: 'red' })).offset).toBe(0.2);

    // Back to the calibrated threshold: the suggestions return, the decisions stay.
    const back = await value<TagCount[]>(
      service.invoke('tags:threshold', { tag: 'red', offset: 0 }),
    );
    expect(countOf(back, 'colours/red')!.suggested).toBe(
      countOf(before, 'colours/red')!.suggested - 2,
    );
    expect(rowsOf(await tagsOf([accepted!, rejected!]), 'colours/red').map((r) => r.state)).toEqual(
      ['accepted', 'rejected'],
    );
  });

  it('refuses a threshold or an edit while a tagging job runs', async () => {
    const job = await value<JobSnapshot>(service.invoke('tags:run', {}));
    await answer(service.invoke('jobs:pause', { id: job.id }));
    const refused = await answer(service.invoke('tags:threshold', { tag: 'red', offset: 0.1 }));
    expect(refused).toMatchObject({ ok: false, error: { code: 'LIBRARY_BUSY' } });
    const edit = { op: 'hide', id: 'colours/red', hidden: true };
    expect(await answer(service.invoke('tags:edit', { edit }))).toMatchObject({
      ok: false,
      error: { code: 'LIBRARY_BUSY' },
    });
    await answer(service.invoke('jobs:resume', { id: job.id }));
    await finish(job);
    expect((await preview({ tag: 'red' })).offset).toBe(0);
  });

  it('adds, renames, hides and merges tags, applying each to the store at once', async () => {
    await finish(await value<JobSnapshot>(service.invoke('tags:run', {})));
    const start = await counts();

    // Add: a tag in a category of its own is decided across the library at once.
    const added = await value<TagCount[]>(
      service.invoke('tags:edit', { edit: { op: 'add', name: 'red', category: 'Moods' } }),
    );
    expect(countOf(added, 'moods/red')).toMatchObject({ origin: 'custom', accepted: 0 });
    expect(countOf(added, 'moods/red')!.suggested).toBeGreaterThanOrEqual(3);
    expect(countOf(added, 'colours/red')).toEqual(countOf(start, 'colours/red'));

    // Rename: the name changes, the rows stay with the id.
    const renamed = await value<TagCount[]>(
      service.invoke('tags:edit', { edit: { op: 'rename', id: 'colours/blue', name: 'Azure' } }),
    );
    expect(countOf(renamed, 'colours/blue')).toMatchObject({
      name: 'Azure',
      suggested: countOf(start, 'colours/blue')!.suggested,
    });

    // Hide: its suggestions go, an accepted row stays.
    await value(
      service.invoke('tags:decide', {
        paths: [redFiles[0]!],
        tag: 'colours/red',
        state: 'accepted',
      }),
    );
    const hidden = await value<TagCount[]>(
      service.invoke('tags:edit', { edit: { op: 'hide', id: 'colours/red', hidden: true } }),
    );
    expect(countOf(hidden, 'colours/red')).toMatchObject({
      hidden: true,
      suggested: 0,
      accepted: 1,
    });
    // A later run does not suggest a hidden tag.
    await finish(await value<JobSnapshot>(service.invoke('tags:run', {})));
    expect(countOf(await counts(), 'colours/red')!.suggested).toBe(0);
    // Shown again: decided again.
    const shown = await value<TagCount[]>(
      service.invoke('tags:edit', { edit: { op: 'hide', id: 'colours/red', hidden: false } }),
    );
    expect(countOf(shown, 'colours/red')).toMatchObject({
      hidden: false,
      suggested: countOf(start, 'colours/red')!.suggested - 1,
      accepted: 1,
    });

    // Merge: blue's rows move to purple; blue leaves the vocabulary.
    const purple = countOf(shown, 'colours/purple')!;
    const blue = countOf(shown, 'colours/blue')!;
    const merged = await value<TagCount[]>(
      service.invoke('tags:edit', {
        edit: { op: 'merge', from: 'colours/blue', into: 'colours/purple' },
      }),
    );
    expect(countOf(merged, 'colours/blue')).toBeUndefined();
    expect(countOf(merged, 'colours/purple')!.suggested).toBe(purple.suggested + blue.suggested);
    const [firstBlue] = await tagsOf([blueFiles[0]!]);
    expect(firstBlue!.tags.map((tag) => tag.tag)).toContain('colours/purple');
  });

  it('refuses an edit that does not apply and saves nothing', async () => {
    await value(
      service.invoke('tags:edit', { edit: { op: 'rename', id: 'colours/blue', name: 'Azure' } }),
    );
    const file = path.join(db, 'vocabulary.json');
    const saved = await readFile(file, 'utf8');
    for (const edit of [
      { op: 'rename', id: 'colours/nope', name: 'Nope' },
      { op: 'merge', from: 'colours/red', into: 'colours/red' },
      { op: 'add', name: 'Red', category: 'Colours' },
    ]) {
      const refused = await answer(service.invoke('tags:edit', { edit }));
      expect(refused.ok).toBe(false);
      expect(JSON.stringify(refused.error)).toMatch(/colours\/nope|itself|already has it/);
    }
    expect(await readFile(file, 'utf8')).toBe(saved);
  });

  it('keeps a damaged vocabulary.json aside and recovers the edits that still read', async () => {
    await service.close();
    const file = path.join(db, 'vocabulary.json');
    const damaged = JSON.stringify({
      version: 1,
      edits: [
        { op: 'rename', id: 'colours/blue', name: 'Azure' },
        { op: 'rename', id: 'colours/gone', name: 'Gone' },
        { op: 'shout' },
      ],
      offsets: { 'colours/red': 0.05, 'colours/green': 7 },
    });
    await writeFile(file, damaged);
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip-gap',
    });
    const all = await counts();
    expect(countOf(all, 'colours/blue')!.name).toBe('Azure');
    expect(countOf(all, 'colours/red')!.offset).toBe(0.05);
    expect(countOf(all, 'colours/green')!.offset).toBe(0);
    const kept = (await readdir(db)).filter((name) => name.startsWith('vocabulary.json.broken-'));
    expect(kept).toHaveLength(1);
    expect(await readFile(path.join(db, kept[0]!), 'utf8')).toBe(damaged);
  });
});
