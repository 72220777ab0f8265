/**
 * @file `lantern tag` and `lantern tags` as a person runs them, on toy-clip-gap (the
 * narrow, query-dependent score shape of real CLIP): a folder of coloured photos among
 * real photos gets its colour tags, a rejected tag stays rejected after re-running,
 * accepted tags reach an XMP sidecar that Debian's exiftool reads, and the vocabulary
 * lists counts. Real CLI, real store, real ExifTool.
 */
import { execFile } from 'node:child_process';
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lantern } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

const run = promisify(execFile);
const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple'] as const;
const REAL = '/usr/share/backgrounds/mate/nature';

interface TagAnswer {
  files: {
    path: string;
    tags: { tag: string; name: string; score: number | null; state: string }[];
  }[];
}

describe('lantern tag / tags', () => {
  let root: string;
  let db: string;
  let vocab: string;
  let global: string[];

  beforeAll(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    global = ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip-gap', '--json'];
    for (const colour of COLOURS) await writePhoto(root, { colour, name: `solid-${colour}.jpg` });
    // Real photos around them: the background each tag is calibrated against.
    for (const name of (await readdir(REAL)).filter((n) => n.endsWith('.jpg')).slice(0, 10))
      await copyFile(path.join(REAL, name), path.join(root, name));
    vocab = path.join(db, 'colours.txt');
    await writeFile(
      vocab,
      `# the toy's colour words\n${COLOURS.map((c) => `Colours|${c[0]!.toUpperCase()}${c.slice(1)}`).join('\n')}\n`,
    );
    expect((await lantern(['index', root, ...global])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await removeDir(root);
    await removeDir(db);
  });

  const tagsOf = (answer: TagAnswer, name: string) =>
    answer.files.find((file) => path.basename(file.path) === name)?.tags ?? [];

  it('suggests each coloured photo its own colour first', async () => {
    const result = await lantern(['tag', root, '--vocab', vocab, ...global]);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as TagAnswer;
    expect(answer.files).toHaveLength(COLOURS.length + 10);
    for (const colour of COLOURS) {
      const [best] = tagsOf(answer, `solid-${colour}.jpg`);
      expect(best, colour).toMatchObject({ tag: `colours/${colour}`, state: 'suggested' });
    }
  });

  it('keeps a rejected tag rejected when the folder is tagged again', async () => {
    const photo = path.join(root, 'solid-green.jpg');
    const rejected = await lantern(['tags', 'reject', photo, 'Green', ...global]);
    expect(rejected.code).toBe(0);
    expect(tagsOf(JSON.parse(rejected.stdout) as TagAnswer, 'solid-green.jpg')).toContainEqual(
      expect.objectContaining({ tag: 'colours/green', state: 'rejected' }),
    );
    const again = JSON.parse(
      (await lantern(['tag', root, '--vocab', vocab, ...global])).stdout,
    ) as TagAnswer;
    expect(tagsOf(again, 'solid-green.jpg').map((tag) => tag.tag)).not.toContain('colours/green');
    const list = JSON.parse(
      (await lantern(['tags', 'list', '--vocab', vocab, ...global])).stdout,
    ) as {
      tags: { id: string; rejected: number }[];
    };
    expect(list.tags.find((tag) => tag.id === 'colours/green')?.rejected).toBe(1);
  });

  it('writes an accepted tag to an XMP sidecar that exiftool reads', async () => {
    const photo = path.join(root, 'solid-blue.jpg');
    const accepted = await lantern(['tags', 'accept', photo, 'blue', '--write-xmp', ...global]);
    expect(accepted.code).toBe(0);
    const { stdout } = await run('exiftool', [
      '-j',
      '-XMP-dc:Subject',
      '-XMP-lr:HierarchicalSubject',
      `${photo}.xmp`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject([
      { Subject: 'Blue', HierarchicalSubject: 'Colours|Blue' },
    ]);
  });

  it('names an unknown tag and a file outside the library', async () => {
    const unknown = await lantern([
      'tags',
      'accept',
      path.join(root, 'solid-red.jpg'),
      'flux capacitor',
      ...global,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No tag is called "flux capacitor"/);
    const outside = await lantern(['tags', 'accept', '/nowhere/x.jpg', 'red', ...global]);
    expect(outside.stderr).toMatch(/\/nowhere\/x\.jpg is not in the library/);
  });
});
