/**
 * @file The `lantern` command line as a person runs it: JSON shapes, options before or
 * after the command, environment variables, errors as one sentence with a non-zero exit.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writePhoto } from '../fixtures/photos.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { lantern } from '../fixtures/cli.js';

describe('lantern command line', () => {
  let root: string;
  let db: string;
  let models: string;
  let global: string[];

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    models = inject('toyModelsDir');
    global = ['--db', db, '--models', models, '--model', 'toy-clip'];
    for (const colour of ['red', 'green', 'blue'] as const) await writePhoto(root, { colour });
    await writePhoto(root, { colour: 'blue', name: 'also-blue.png', format: 'png' });
  });

  afterAll(async () => {
    await removeDir(root);
    await removeDir(db);
  });

  it('indexes a folder and prints the report as JSON', async () => {
    const result = await lantern(['index', root, ...global, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      indexed: 4,
      unchanged: 0,
      removed: 0,
      failed: [],
    });
  });

  it('says how many weaker matches the cut-off hid, and --all shows them', async () => {
    const gapDb = await tempDir();
    try {
      const gap = ['--db', gapDb, '--models', models, '--model', 'toy-clip-gap'];
      expect((await lantern(['index', root, ...gap, '--json'])).code).toBe(0);
      const json = await lantern(['search', 'blue', ...gap, '--json']);
      const answer = JSON.parse(json.stdout) as { results: { path: string }[]; hidden: number };
      expect(answer.results.map((r) => path.basename(r.path)).sort()).toEqual([
        'also-blue.png',
        'blue.jpg',
      ]);
      expect(answer.hidden).toBe(2);
      const all = await lantern(['search', 'blue', ...gap, '--json', '--all']);
      expect((JSON.parse(all.stdout) as { results: unknown[] }).results).toHaveLength(4);
      // The human form says it in a sentence (stdout is a pipe here, so ask for it).
      const { resultLines } = await import('../../electron/cli/terminal-text.js');
      expect(resultLines([{ path: '/p/blue.jpg', score: 0.3 }], 2)).toContain(
        '2 weaker matches hidden; --all shows them.',
      );
    } finally {
      await removeDir(gapDb);
    }
  });

  it('searches with options before the command name', async () => {
    const result = await lantern([...global, '--json', 'search', 'a blue photo', '--limit', '5']);
    expect(result.code).toBe(0);
    const { results } = JSON.parse(result.stdout) as {
      results: { path: string; kind: string; score: number }[];
    };
    expect(
      results
        .slice(0, 2)
        .map((r) => path.basename(r.path))
        .sort(),
    ).toEqual(['also-blue.png', 'blue.jpg']);
    expect(results[0]).toEqual({
      path: expect.any(String) as string,
      kind: 'image',
      score: expect.any(Number) as number,
    });
  });

  it('takes the library, models and model from the environment', async () => {
    const result = await lantern(['search', 'green', '--json'], {
      LANTERN_DB: db,
      LANTERN_MODELS: models,
      LANTERN_MODEL: 'toy-clip',
    });
    expect(result.code).toBe(0);
    const { results } = JSON.parse(result.stdout) as { results: { path: string }[] };
    expect(results[0]?.path).toBe(path.join(root, 'green.jpg'));
  });

  it('finds similar photos', async () => {
    const result = await lantern(['similar', path.join(root, 'blue.jpg'), ...global, '--json']);
    expect(result.code).toBe(0);
    const { results } = JSON.parse(result.stdout) as { results: { path: string }[] };
    expect(results[0]?.path).toBe(path.join(root, 'also-blue.png'));
  });

  it('reports status', async () => {
    const result = await lantern(['status', ...global, '--json']);
    expect(result.code).toBe(0);
    // Status loads no model ([Note: each encoder loads on first use]), so no provider yet.
    expect(JSON.parse(result.stdout)).toMatchObject({
      model: 'toy-clip',
      provider: null,
      images: 4,
      roots: [{ path: root, files: 4, failed: 0 }],
    });
  });

  it('lists models, the bundled ones and the folder ones', async () => {
    const result = await lantern(['models', 'list', '--models', models, '--json']);
    expect(result.code).toBe(0);
    const { models: list } = JSON.parse(result.stdout) as {
      models: { id: string; installed: boolean }[];
    };
    expect(list.find((m) => m.id === 'toy-clip')?.installed).toBe(true);
    expect(list.find((m) => m.id === 'clip-vit-b32')?.installed).toBe(false);
  });

  it('says in one sentence what went wrong, with a non-zero exit', async () => {
    const missing = await lantern(['index', path.join(root, 'nope'), ...global]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^lantern: .*nope.* does not exist/);

    const unknownModel = await lantern([
      'search',
      'red',
      '--db',
      db,
      '--models',
      models,
      '--model',
      'no-such-model',
    ]);
    expect(unknownModel.code).not.toBe(0);
    expect(unknownModel.stderr).toMatch(/no-such-model/);

    const badOption = await lantern(['search', 'red', '--limit', 'many', ...global]);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/--limit/);

    const unknownCommand = await lantern(['frobnicate', ...global]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/Unknown command "frobnicate"/);
  });

  it('explains how to get a model that is not downloaded', async () => {
    const otherDb = await tempDir();
    const emptyModels = await tempDir();
    const result = await lantern(['search', 'red', '--db', otherDb, '--models', emptyModels]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/npx lantern models fetch clip-vit-b32/);
    await removeDir(otherDb);
    await removeDir(emptyModels);
  });
});
