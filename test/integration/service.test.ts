/**
 * @file The engine service that both transports host: contract validation, jobs with
 * progress events, pause/resume/cancel, library changes, and the not-ready state a
 * first run starts in.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import type { LibraryStatus, SearchAnswer } from '../../electron/shared/types.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { LibraryStore } from '../../native/store/index.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

async function until<T>(check: () => T | undefined, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('engine service', () => {
  let root: string;
  let db: string;
  let service: LanternService;
  let jobs: JobSnapshot[];

  beforeEach(async () => {
    root = await tempDir();
    db = await tempDir();
    for (const colour of ['red', 'green', 'blue'] as const) await writePhoto(root, { colour });
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip',
    });
    jobs = [];
    service.on('job:progress', (job) => jobs.push(job));
  });

  afterEach(async () => {
    await service.close();
    await removeDir(root);
    await removeDir(db);
  });

  const finished = (id: string) => () =>
    jobs.find((j) => j.id === id && ['done', 'failed', 'cancelled'].includes(j.state));

  it('reports ready with the model, and its provider once the model is first used', async () => {
    // [Note: each encoder loads on first use]: no model is loaded until a search needs one.
    expect(await service.invoke('app:info', {})).toMatchObject({
      ok: true,
      value: { ready: true, model: 'toy-clip', provider: null, shell: 'browser' },
    });
    expect(await service.invoke('search:query', { query: 'red' })).toMatchObject({ ok: true });
    expect(await service.invoke('app:info', {})).toMatchObject({
      ok: true,
      value: { ready: true, model: 'toy-clip', provider: 'cpu' },
    });
  });

  it('loads the vector index of the library it opens, and answers meanwhile', async () => {
    // [Note: a warm index from the start]: asked on every open, not awaited by it.
    const prewarm = vi.spyOn(LibraryStore.prototype, 'prewarmVectorIndex');
    let release = () => {};
    prewarm.mockImplementation(() => new Promise((resolve) => (release = () => resolve(true))));
    const otherDb = await tempDir();
    const other = await LanternService.create({
      shell: 'browser',
      dbDir: otherDb,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip',
    });
    try {
      expect(prewarm).toHaveBeenCalledTimes(1);
      expect(await other.invoke('app:info', {})).toMatchObject({
        ok: true,
        value: { ready: true },
      });
      release();
    } finally {
      prewarm.mockRestore();
      await other.close();
      await removeDir(otherDb);
    }
  });

  it('refuses bad input with INVALID_INPUT and a sentence', async () => {
    const result = await service.invoke('search:query', { query: '' });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const relative = await service.invoke('library:addRoots', { paths: ['photos'] });
    expect(relative).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^Each folder must be a full path/) as string,
      },
    });
    const extra = await service.invoke('app:info', { surprise: 1 });
    expect(extra.ok).toBe(false);
  });

  it('indexes as a job with progress, then searches', async () => {
    const changes: LibraryStatus[] = [];
    service.on('library:changed', (status) => changes.push(status));
    const started = await service.invoke('library:addRoots', { paths: [root] });
    expect(started).toMatchObject({
      ok: true,
      value: { kind: 'index', state: expect.stringMatching(/queued|running/) as string },
    });
    const id = (started as { value: JobSnapshot }).value.id;
    const done = await until(finished(id), 'the index job');
    expect(done).toMatchObject({ state: 'done', report: { indexed: 3, failed: [] } });
    expect(jobs.some((j) => j.id === id && j.progress?.phase === 'indexing')).toBe(true);
    expect(changes.at(-1)).toMatchObject({ images: 3, roots: [{ path: root, files: 3 }] });

    const search = await service.invoke('search:query', { query: 'blue' });
    expect(search.ok).toBe(true);
    expect((search as { value: SearchAnswer }).value.results[0]?.path).toBe(
      path.join(root, 'blue.jpg'),
    );
    expect(service.mediaRoots()).toContain(root);
  });

  it('pauses, resumes and cancels jobs', async () => {
    for (let i = 0; i < 60; i++)
      await writePhoto(root, { colour: 'gray', name: `g${i}.png`, format: 'png' });
    const started = (await service.invoke('library:addRoots', { paths: [root] })) as {
      value: JobSnapshot;
    };
    const id = started.value.id;
    expect(await service.invoke('jobs:pause', { id })).toMatchObject({
      ok: true,
      value: { state: 'paused' },
    });
    await new Promise((r) => setTimeout(r, 300));
    const paused = await service.invoke('library:status', {});
    const countWhilePaused = (paused as { value: LibraryStatus }).value.images;
    await new Promise((r) => setTimeout(r, 300));
    expect((await service.invoke('library:status', {})) as { value: LibraryStatus }).toMatchObject({
      value: { images: countWhilePaused },
    });
    expect(await service.invoke('jobs:resume', { id })).toMatchObject({
      ok: true,
      value: { state: 'running' },
    });
    expect(await service.invoke('jobs:cancel', { id })).toMatchObject({ ok: true });
    const end = await until(finished(id), 'the cancelled job');
    expect(['cancelled', 'done']).toContain(end.state);
    expect(await service.invoke('jobs:cancel', { id: 'job-999' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('removes a root: rows go, files stay', async () => {
    const started = (await service.invoke('library:addRoots', { paths: [root] })) as {
      value: JobSnapshot;
    };
    await until(finished(started.value.id), 'the index job');
    const after = await service.invoke('library:removeRoot', { path: root });
    expect(after).toMatchObject({ ok: true, value: { images: 0, roots: [] } });
    const { existsSync } = await import('node:fs');
    expect(existsSync(path.join(root, 'red.jpg'))).toBe(true);
  });

  it('starts not ready when no model is installed, and says what to do', async () => {
    const bareDb = await tempDir();
    const bareModels = await tempDir();
    const bare = await LanternService.create({
      shell: 'browser',
      dbDir: bareDb,
      modelsDir: bareModels,
    });
    try {
      const info = await bare.invoke('app:info', {});
      expect(info).toMatchObject({
        ok: true,
        value: {
          ready: false,
          notReadyReason: expect.stringMatching(/download one below/) as string,
        },
      });
      // The first-run page shows this sentence: no CLI advice, no path inside the models folder.
      const reason = (info as { value: { notReadyReason: string } }).value.notReadyReason;
      expect(reason).not.toMatch(/lantern models fetch|--models|\.onnx|\//);
      expect(await bare.invoke('search:query', { query: 'red' })).toMatchObject({
        ok: false,
        error: { code: 'MODEL_MISSING' },
      });
      const models = await bare.invoke('models:list', {});
      expect((models as { value: { id: string }[] }).value.map((m) => m.id)).toContain(
        'clip-vit-b32',
      );
      // A folder without a models.json is refused and not kept: it would break every later open.
      const empty = await tempDir();
      const refused = await bare.invoke('models:useFolder', { path: empty });
      expect(refused.ok).toBe(false);
      expect(await bare.invoke('settings:get', {})).toMatchObject({ ok: true });
      await removeDir(empty);
      // Pointing at the toy folder makes it ready.
      await bare.invoke('settings:set', { model: 'toy-clip' });
      await bare.invoke('models:useFolder', { path: inject('toyModelsDir') });
      expect(await bare.invoke('app:info', {})).toMatchObject({
        value: { ready: true, model: 'toy-clip' },
      });
      const settingsFile = JSON.parse(
        await readFile(path.join(bareDb, 'settings.json'), 'utf8'),
      ) as {
        modelFolders: string[];
      };
      expect(settingsFile.modelFolders).toEqual([inject('toyModelsDir')]);
    } finally {
      await bare.close();
      await removeDir(bareDb);
      await removeDir(bareModels);
    }
  });
});
