/**
 * @file The engine service (app and `lantern serve`) watches the library's folders while
 * it is open: a folder added through library:addRoots is watched, a photo copied in is
 * indexed by a "Watched folders" job and found by search:query, library:status says how
 * each folder is watched, and turning the `watch` setting off stops it.
 */
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import type { LibraryStatus, SearchAnswer } from '../../electron/shared/types.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`Not within 10 s: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the service watches its folders', () => {
  let root = '';
  let spare = '';
  let db = '';
  let service: LanternService;
  const jobs: JobSnapshot[] = [];

  beforeEach(async () => {
    root = await tempDir('lantern-service-watch-');
    spare = await tempDir('lantern-service-watch-spare-');
    db = await tempDir('lantern-service-watch-db-');
    await writePhoto(root, { colour: 'red' });
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip-gap',
    });
    service.on('job:progress', (job) => jobs.push(job));
  });
  afterEach(async () => {
    await service.close();
    for (const dir of [root, spare, db]) await removeDir(dir);
  });

  const call = async <T>(channel: Parameters<LanternService['invoke']>[0], input: unknown) => {
    const result = await service.invoke(channel, input);
    if (!result.ok) throw new Error(result.error.message);
    return result.value as T;
  };
  const statusOfRoot = async () =>
    (await call<LibraryStatus>('library:status', {})).roots.find((r) => r.path === root);

  it('indexes a photo copied into a folder added meanwhile, and stops when turned off', async () => {
    await call('library:addRoots', { paths: [root] });
    await eventually(
      async () => ((await statusOfRoot())?.watch === 'events' ? true : undefined),
      'the added folder watched',
    );
    const made = await writePhoto(spare, { colour: 'blue', name: 'sea.jpg' });
    const copied = path.join(root, 'sea.jpg');
    await copyFile(made, copied);
    await eventually(async () => {
      const answer = await call<SearchAnswer>('search:query', { query: 'a photo of a blue thing' });
      return answer.results[0]?.path === copied ? true : undefined;
    }, 'the copied photo found by search');
    // Its rows are searchable before the job reports done.
    await eventually(
      () =>
        Promise.resolve(
          jobs.some((job) => job.label === 'Watched folders' && job.state === 'done')
            ? true
            : undefined,
        ),
      `the watch job done: ${JSON.stringify(jobs.map((j) => [j.label, j.state]))}`,
    );

    await call('settings:set', { watch: false });
    expect((await statusOfRoot())?.watch).toBe('off');
    await copyFile(made, path.join(root, 'unwatched.jpg'));
    await new Promise((r) => setTimeout(r, 3000));
    const status = await statusOfRoot();
    expect(status?.files).toBe(2);
  }, 30_000);

  it('polls every folder when started with a polling interval (`lantern serve --poll`)', async () => {
    await call('library:addRoots', { paths: [root] });
    await service.close();
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip-gap',
      watchPollSeconds: 1,
    });
    await eventually(
      async () => ((await statusOfRoot())?.watch === 'polling' ? true : undefined),
      'the folder polled',
    );
    const made = await writePhoto(spare, { colour: 'green', name: 'polled.jpg' });
    await copyFile(made, path.join(root, 'polled.jpg'));
    await eventually(
      async () => ((await statusOfRoot())?.files === 2 ? true : undefined),
      'the polled photo indexed',
    );
  }, 30_000);
});
