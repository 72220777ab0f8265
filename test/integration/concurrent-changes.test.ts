/**
 * @file Changes asked for at once are all kept: vocabulary edits and threshold offsets in
 * flight together (two tags hidden in quick succession from the Tags view), and many writes
 * of one settings file, whose last one asked must be the one that stays. Real files in a
 * temporary folder, plain Node.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../electron/engine/settings-file.js';
import {
  LIBRARY_VOCABULARY_FILE,
  saveTagOffset,
  saveVocabularyEdit,
} from '../../electron/engine/tags/library-vocabulary.js';
import { removeDir, tempDir } from '../fixtures/library.js';

let dir = '';
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await removeDir(dir);
});

describe('changes asked for at once', () => {
  it('keeps every vocabulary edit and offset saved together', async () => {
    await Promise.all([
      saveVocabularyEdit(dir, { op: 'hide', id: 'colours/red', hidden: true }),
      saveVocabularyEdit(dir, { op: 'hide', id: 'colours/blue', hidden: true }),
      saveTagOffset(dir, 'colours/green', 0.05),
      saveVocabularyEdit(dir, { op: 'rename', id: 'colours/purple', name: 'Violet' }),
      saveTagOffset(dir, 'colours/yellow', -0.02),
    ]);
    const stored = JSON.parse(await readFile(path.join(dir, LIBRARY_VOCABULARY_FILE), 'utf8')) as {
      edits: { op: string; id: string }[];
      offsets: Record<string, number>;
    };
    expect(stored.edits.map((edit) => `${edit.op} ${edit.id}`).sort()).toEqual([
      'hide colours/blue',
      'hide colours/red',
      'rename colours/purple',
    ]);
    expect(stored.offsets).toEqual({ 'colours/green': 0.05, 'colours/yellow': -0.02 });
  });

  it('leaves the last of many writes of one file asked for at once', async () => {
    const file = path.join(dir, 'settings.json');
    const texts = Array.from({ length: 20 }, (_, i) => `${JSON.stringify({ write: i })}\n`);
    await Promise.all(texts.map((text) => writeFileAtomic(file, text)));
    expect(await readFile(file, 'utf8')).toBe(texts.at(-1));
  });
});
