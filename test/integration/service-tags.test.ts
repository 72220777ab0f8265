/**
 * @file The tags:* channels of the engine service, as the app calls them: a tagging job
 * over the library (progress, then a finished snapshot with its counts), each file's
 * tags, a decision by tag name that a later job keeps, the vocabulary with counts, and a
 * refusal for an empty library, and a run the process's end interrupted resumed at the
 * next start. Real service, store and toy-clip-gap model.
 */
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import type { FileTags, TagCount, TagReviewPage } from '../../electron/shared/types.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { openGapLibrary, removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

const COLOURS = ['red', 'green', 'blue', 'yellow'] as const;

describe('tags channels', () => {
  let root: string;
  let db: string;
  let service: LanternService;
  let jobs: JobSnapshot[];

  beforeEach(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    for (const colour of COLOURS) await writePhoto(root, { colour });
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip-gap',
    });
    jobs = [];
    service.on('job:progress', (job) => jobs.push(job));
  });

  afterEach(async () => {
    await service.close();
    await removeDir(root);
    await removeDir(db);
  });

  async function value<T>(
    result: Promise<{ ok: boolean; value?: unknown; error?: unknown }>,
  ): Promise<T> {
    const answer = await result;
    if (!answer.ok) throw new Error(JSON.stringify(answer.error));
    return answer.value as T;
  }

  async function finish(job: JobSnapshot): Promise<JobSnapshot> {
    await expect
      .poll(
        () =>
          jobs.find((j) => j.id === job.id && ['done', 'failed', 'cancelled'].includes(j.state)),
        {
          timeout: 60_000,
        },
      )
      .toBeTruthy();
    return jobs.filter((j) => j.id === job.id).at(-1)!;
  }

  it('refuses to tag a library with nothing indexed, with a sentence', async () => {
    const job = await finish(await value<JobSnapshot>(service.invoke('tags:run', {})));
    expect(job.state).toBe('failed');
    expect(job.error?.message).toMatch(/no indexed files/);
  });

  it('runs a tagging job, lists file tags, and keeps a rejection through the next job', async () => {
    await finish(await value<JobSnapshot>(service.invoke('library:addRoots', { paths: [root] })));
    const done = await finish(await value<JobSnapshot>(service.invoke('tags:run', {})));
    expect(done).toMatchObject({ kind: 'tag', state: 'done', tagged: { files: 4 } });
    expect(jobs.some((j) => j.id === done.id && j.state === 'running' && j.progress)).toBe(true);

    const blue = path.join(root, 'blue.jpg');
    const [before] = await value<FileTags[]>(service.invoke('tags:ofFiles', { paths: [blue] }));
    expect(before?.tags[0]).toMatchObject({ tag: 'colours/blue', state: 'suggested' });

    await value(service.invoke('tags:decide', { paths: [blue], tag: 'Blue', state: 'rejected' }));
    await finish(await value<JobSnapshot>(service.invoke('tags:run', { root })));
    const [after] = await value<FileTags[]>(service.invoke('tags:ofFiles', { paths: [blue] }));
    expect(after?.tags.find((tag) => tag.tag === 'colours/blue')?.state).toBe('rejected');

    const counts = await value<TagCount[]>(service.invoke('tags:list', {}));
    expect(counts.find((tag) => tag.id === 'colours/blue')?.rejected).toBe(1);

    // The review queue: the rejected blue photo, and the red photo among red's suggestions.
    const rejected = await value<TagReviewPage>(
      service.invoke('tags:review', { tag: 'blue', state: 'rejected' }),
    );
    expect(rejected.items.map((item) => path.basename(item.path))).toEqual(['blue.jpg']);
    const red = await value<TagReviewPage>(service.invoke('tags:review', { tag: 'colours/red' }));
    expect(red.tag).toEqual({ id: 'colours/red', name: 'Red', category: 'Colours' });
    expect(red.items[0]).toMatchObject({ path: path.join(root, 'red.jpg'), kind: 'image' });
    expect(red.items[0]!.score).toBeGreaterThan(0.3);
  });

  it('tags files as they are indexed once the library has been tagged, and not before', async () => {
    await finish(await value<JobSnapshot>(service.invoke('library:addRoots', { paths: [root] })));
    const red = path.join(root, 'red.jpg');
    // Never tagged: indexing leaves no suggestions.
    const [untagged] = await value<FileTags[]>(service.invoke('tags:ofFiles', { paths: [red] }));
    expect(untagged?.tags).toEqual([]);

    await finish(await value<JobSnapshot>(service.invoke('tags:run', {})));
    // A photo arriving later is tagged by the index job itself.
    await writePhoto(root, { colour: 'purple' });
    await finish(await value<JobSnapshot>(service.invoke('library:reindex', { path: root })));
    const [purple] = await value<FileTags[]>(
      service.invoke('tags:ofFiles', { paths: [path.join(root, 'purple.jpg')] }),
    );
    expect(purple?.tags[0]).toMatchObject({ tag: 'colours/purple', state: 'suggested' });
  });

  it("resumes a tagging run the app's end interrupted, after the last file it finished", async () => {
    await finish(await value<JobSnapshot>(service.invoke('library:addRoots', { paths: [root] })));
    await service.close();
    // As a run killed after writing the batch that ended with the second file (by id).
    const library = await openGapLibrary(db);
    const media = (await library.store.listMedia()).sort((a, b) => (a.id < b.id ? -1 : 1));
    await library.close();
    const [first, second] = media;
    await writeFile(
      path.join(db, 'tag-run.json'),
      JSON.stringify({ version: 1, root: null, after: second!.id }),
    );

    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip-gap',
    });
    const resumed = async () =>
      (await value<JobSnapshot[]>(service.invoke('jobs:list', {}))).find((j) => j.kind === 'tag');
    await expect.poll(async () => (await resumed())?.state, { timeout: 60_000 }).toBe('done');
    expect(await resumed()).toMatchObject({ tagged: { files: 2 } });
    expect((await resumed())?.label).toMatch(/resumed/);

    const files = await value<FileTags[]>(
      service.invoke('tags:ofFiles', { paths: media.map((row) => row.path) }),
    );
    const tagsOf = (file: string) => files.find((f) => f.path === file)?.tags ?? [];
    // What the interrupted run had done is not done again; the rest is.
    expect(tagsOf(first!.path)).toEqual([]);
    expect(tagsOf(second!.path)).toEqual([]);
    for (const row of media.slice(2)) {
      const colour = path.basename(row.path, '.jpg');
      expect(tagsOf(row.path)[0]?.tag).toBe(`colours/${colour}`);
    }
    await expect(access(path.join(db, 'tag-run.json'))).rejects.toThrow();
  });

  it('does not resume a run that ended, cancelled or done', async () => {
    await finish(await value<JobSnapshot>(service.invoke('library:addRoots', { paths: [root] })));
    const job = await value<JobSnapshot>(service.invoke('tags:run', {}));
    await value(service.invoke('jobs:cancel', { id: job.id }));
    expect(['cancelled', 'done']).toContain((await finish(job)).state);
    await expect(access(path.join(db, 'tag-run.json'))).rejects.toThrow();
    await service.close();
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip-gap',
    });
    const listed = await value<JobSnapshot[]>(service.invoke('jobs:list', {}));
    expect(listed.filter((j) => j.kind === 'tag')).toEqual([]);
  });
});
