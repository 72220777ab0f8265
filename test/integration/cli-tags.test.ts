/**
 * @file `lantern tag` and `lantern tags` as a person runs them, on toy-clip-gap (the
 * narrow, query-dependent score shape of real CLIP): a folder of coloured photos among
 * real photos gets its colour tags, a rejected tag stays rejected after re-running,
 * accepted tags reach an XMP sidecar that Debian's exiftool reads, and the vocabulary
 * lists counts, with a photo's own keywords as tags of origin 'keyword'; the vocabulary
 * exports as text and imports into a fresh library as the same tags. Real CLI, real
 * store, real ExifTool.
 */
import { execFile } from 'node:child_process';
import { copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lantern } from '../fixtures/cli.js';
import { saveVocabularyEdit } from '../../electron/engine/tags/library-vocabulary.js';
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

  it("lists a photo's own keywords as tags of origin keyword, beside the vocabulary", async () => {
    const folder = await tempDir();
    try {
      const photo = await writePhoto(folder, { colour: 'red', name: 'keyworded.jpg' });
      await run('exiftool', ['-overwrite_original', '-XMP-dc:Subject=Harbour Walk', photo]);
      expect((await lantern(['index', folder, ...global])).code).toBe(0);
      const list = JSON.parse((await lantern(['tags', 'list', ...global])).stdout) as {
        tags: { id: string; name: string; category: string; origin: string; accepted: number }[];
      };
      expect(list.tags.find((tag) => tag.id === 'keywords/harbour-walk')).toMatchObject({
        origin: 'keyword',
        category: 'Keywords',
        accepted: 1,
      });
      expect(list.tags.find((tag) => tag.id === 'colours/red')).toMatchObject({
        origin: 'vocabulary',
      });
    } finally {
      await removeDir(folder);
    }
  });

  it('exports the vocabulary as text that imports into a fresh library as the same tags', async () => {
    const extra = path.join(db, 'extra.txt');
    await writeFile(extra, 'Places|Harbour = port, marina\nColours|Red\n');
    const imported = await lantern(['tags', 'import', extra, ...global]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual({
      added: ['places/harbour'],
      present: ['colours/red'],
      skipped: [],
    });
    const exported = path.join(db, 'exported.txt');
    expect((await lantern(['tags', 'export', '--out', exported, ...global])).code).toBe(0);
    const text = await readFile(exported, 'utf8');
    expect(text).toMatch(/^Places\|Harbour = port, marina$/m);

    const fresh = await tempDir();
    try {
      const freshGlobal = ['--db', fresh, ...global.slice(2)];
      const again = JSON.parse(
        (await lantern(['tags', 'import', exported, ...freshGlobal])).stdout,
      ) as { added: string[]; present: string[] };
      expect(again.added).toEqual(['places/harbour']);
      const freshText = await lantern(['tags', 'export', ...freshGlobal]);
      expect(freshText.code).toBe(0);
      expect(freshText.stdout).toBe(text);
    } finally {
      await removeDir(fresh);
    }

    // A hidden tag is exported as a comment: importing the file never adds or shows it.
    await saveVocabularyEdit(db, { op: 'hide', id: 'colours/purple', hidden: true });
    const hidden = await lantern(['tags', 'export', ...global]);
    expect(hidden.stdout).not.toMatch(/^Colours\|Purple/m);
    expect(hidden.stdout).toMatch(/^# Colours\|Purple/m);
  });
});
