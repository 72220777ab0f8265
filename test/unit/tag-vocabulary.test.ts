/**
 * @file The tag vocabulary: the bundled file (size, categories, unique ids, prompts, the
 * colour tags the toy-model tests rely on, no stray colour words), prompt building, the
 * user's edits, and the `--vocab` text format. Runs under vitest on the real resources.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LanternError } from '../../electron/shared/errors.js';
import { formatVocabText, parseVocabText } from '../../electron/engine/tags/vocab-text.js';
import {
  applyEdits,
  loadVocabulary,
  tagPrompts,
  withCategoryDefaults,
  type TagDef,
  type Vocabulary,
} from '../../electron/engine/tags/vocabulary.js';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { COLOUR_WORDS } from '../toy-models/colours.js';
import { CLIP_VOCABULARY, colourTokenIds } from '../toy-models/toy-clip.js';

let bundled: Vocabulary;
beforeAll(async () => {
  bundled = await loadVocabulary();
});

const byId = (vocab: Vocabulary, id: string): TagDef | undefined =>
  vocab.tags.find((t) => t.id === id);

/** A LanternError with this code whose message matches. */
function expectLanternError(run: () => unknown, code: string, message: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(LanternError);
  expect((thrown as LanternError).code).toBe(code);
  expect((thrown as LanternError).message).toMatch(message);
}

describe('the bundled vocabulary', () => {
  it('loads with at least 300 tags in at least 10 categories, ids unique and well formed', () => {
    expect(bundled.tags.length).toBeGreaterThanOrEqual(300);
    expect(new Set(bundled.tags.map((t) => t.category)).size).toBeGreaterThanOrEqual(10);
    const ids = bundled.tags.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/);
    expect(byId(bundled, 'animals/dog')?.name).toBe('Dog');
    expect(byId(bundled, 'scenes/beach')?.synonyms.length).toBeGreaterThanOrEqual(2);
  });

  it('gives every tag prompts, all with the placeholder filled', () => {
    for (const tag of bundled.tags) {
      const prompts = tagPrompts(tag);
      expect(prompts.length, tag.id).toBeGreaterThan(0);
      for (const prompt of prompts) expect(prompt, tag.id).not.toContain('{}');
    }
  });

  it('has the 11 colour tags of the toy models, exclusive (a dominant colour), each prompt naming its colour', () => {
    const colours = bundled.tags.filter((t) => t.category === 'Colours');
    expect(colours.map((t) => t.name.toLowerCase()).sort()).toEqual([...COLOUR_WORDS].sort());
    for (const tag of colours) {
      expect(tag.exclusive).toBe(true);
      expect(tag.id).toBe(`colours/${tag.name.toLowerCase()}`);
    }
    expect(tagPrompts(byId(bundled, 'colours/blue')!)).toContain('a photo that is mostly blue.');
  });

  it('makes time of day an exclusive category and scenes not', () => {
    expect(byId(bundled, 'time-of-day/night')?.exclusive).toBe(true);
    expect(byId(bundled, 'time-of-day/sunset')?.exclusive).toBe(true);
    expect(byId(bundled, 'scenes/beach')?.exclusive).toBe(false);
  });

  it('puts no colour word in the prompts of a tag outside Colours', () => {
    // 'a black and white photo of …' or 'Red wine' would pull a tag towards colour, in
    // real CLIP and more so in the toy models, whose text embedding is its colour words.
    const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);
    const colourIds = new Set(colourTokenIds(tokenizer).values());
    const offenders = bundled.tags
      .filter((t) => t.category !== 'Colours')
      .flatMap((t) =>
        tagPrompts(t).filter((p) => tokenizer.encode(p).some((id) => colourIds.has(id))),
      );
    expect(offenders).toEqual([]);
  });
});

describe('loadVocabulary on a broken file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lantern-vocab-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, json: unknown): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, typeof json === 'string' ? json : JSON.stringify(json));
    return file;
  };
  const minimal = (tags: unknown[]) => ({
    version: 1,
    templates: ['a photo of a {}.'],
    categories: [{ name: 'Animals', tags }],
  });

  it('names the offending tag when a synonym is invalid', async () => {
    const file = await write('bad-synonym.json', minimal([{ name: 'Dog', synonyms: ['a|b'] }]));
    await expect(loadVocabulary(file)).rejects.toThrow(/category 'Animals', tag 'Dog'.*'\|'/);
  });

  it('names both tags when two share an id', async () => {
    const file = await write('dupe.json', minimal([{ name: 'Dog' }, { name: 'dog' }]));
    await expect(loadVocabulary(file)).rejects.toThrow(/'animals\/dog' twice/);
  });

  it('rejects a template without the placeholder and an unknown field', async () => {
    const noPlaceholder = await write('tpl.json', {
      ...minimal([{ name: 'Dog' }]),
      templates: ['a photo.'],
    });
    await expect(loadVocabulary(noPlaceholder)).rejects.toThrow(/templates.*needs \{\}/);
    const typo = await write('typo.json', minimal([{ name: 'Dog', synonym: ['puppy'] }]));
    await expect(loadVocabulary(typo)).rejects.toThrow(/tag 'Dog'/);
  });

  it('says what to do when the file is missing or not JSON', async () => {
    await expect(loadVocabulary(path.join(dir, 'nope.json'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const notJson = await write('not.json', '{ "version": 1, ');
    await expect(loadVocabulary(notJson)).rejects.toThrow(/not valid JSON/);
  });
});

describe('tagPrompts', () => {
  const tag: TagDef = {
    id: 'animals/dog',
    name: 'Dog',
    category: 'Animals',
    synonyms: ['puppy', 'dog', ' Puppy ', 'hound'],
    templates: ['a photo of a {}.', 'a {} next to a {}.', 'a photo of a {}.'],
    exclusive: false,
    hidden: false,
  };

  it('fills every template with the name and each synonym, without repeats', () => {
    expect(tagPrompts(tag)).toEqual([
      'a photo of a dog.',
      'a dog next to a dog.',
      'a photo of a puppy.',
      'a puppy next to a puppy.',
      'a photo of a hound.',
      'a hound next to a hound.',
    ]);
  });

  it('falls back to the generic CLIP templates when a tag has none', () => {
    const prompts = tagPrompts({ ...tag, synonyms: [], templates: [] });
    expect(prompts).toContain('a photo of a dog.');
    expect(prompts).toContain('a blurry photo of a dog.');
  });
});

describe('applyEdits', () => {
  it('adds a tag with its category’s templates, or the generic ones for a new category', () => {
    const edited = applyEdits(bundled, [
      { op: 'add', name: 'Dachshund', category: 'animals', synonyms: ['sausage dog'] },
      { op: 'add', name: 'Grandma’s garden', category: 'Family places' },
    ]);
    const dachshund = byId(edited, 'animals/dachshund');
    expect(dachshund).toMatchObject({ name: 'Dachshund', category: 'Animals' });
    expect(dachshund?.synonyms).toEqual(['sausage dog']);
    expect(dachshund?.templates).toEqual(byId(bundled, 'animals/dog')?.templates);
    const garden = byId(edited, 'family-places/grandma-s-garden');
    expect(garden?.templates).toEqual([]);
    expect(tagPrompts(garden!)).toContain('a photo of a grandma’s garden.');
    expect(edited.tags.length).toBe(bundled.tags.length + 2);
    expect(byId(bundled, 'animals/dachshund')).toBeUndefined(); // base untouched
  });

  it('refuses to add a tag that exists', () => {
    expectLanternError(
      () => applyEdits(bundled, [{ op: 'add', name: 'dog', category: 'Animals' }]),
      'INVALID_INPUT',
      /already has it as 'Dog'/,
    );
  });

  it('renames a tag and keeps its id', () => {
    const edited = applyEdits(bundled, [{ op: 'rename', id: 'animals/dog', name: 'Doggo' }]);
    expect(byId(edited, 'animals/dog')?.name).toBe('Doggo');
    expect(byId(edited, 'animals/doggo')).toBeUndefined();
    expect(byId(bundled, 'animals/dog')?.name).toBe('Dog');
    // What it finds stays: the old name is a synonym, in its prompts too.
    expect(byId(edited, 'animals/dog')?.synonyms[0]).toBe('Dog');
    expect(tagPrompts(byId(edited, 'animals/dog')!).some((p) => /\bdog\b/i.test(p))).toBe(true);
  });

  it('hides and unhides a tag', () => {
    const hidden = applyEdits(bundled, [{ op: 'hide', id: 'scenes/beach', hidden: true }]);
    expect(byId(hidden, 'scenes/beach')?.hidden).toBe(true);
    const shown = applyEdits(hidden, [{ op: 'hide', id: 'scenes/beach', hidden: false }]);
    expect(byId(shown, 'scenes/beach')?.hidden).toBe(false);
  });

  it('merges: the merged tag’s name and synonyms join the other’s, and it disappears', () => {
    const cat = byId(bundled, 'animals/cat')!;
    const edited = applyEdits(bundled, [{ op: 'merge', from: 'animals/cat', into: 'animals/dog' }]);
    expect(byId(edited, 'animals/cat')).toBeUndefined();
    const dog = byId(edited, 'animals/dog')!;
    expect(dog.synonyms).toEqual([
      ...byId(bundled, 'animals/dog')!.synonyms,
      'Cat',
      ...cat.synonyms,
    ]);
    expect(tagPrompts(dog)).toContain('a photo of a kitten.');
    expect(edited.tags.length).toBe(bundled.tags.length - 1);
  });

  it('fails with a message naming the edit when an id is unknown, also after a merge', () => {
    expectLanternError(
      () => applyEdits(bundled, [{ op: 'rename', id: 'animals/unicorn', name: 'Unicorn' }]),
      'NOT_FOUND',
      /edit 1 \(rename\) names the tag 'animals\/unicorn'.*lantern tags list/,
    );
    expectLanternError(
      () =>
        applyEdits(bundled, [
          { op: 'merge', from: 'animals/cat', into: 'animals/dog' },
          { op: 'hide', id: 'animals/cat', hidden: true },
        ]),
      'NOT_FOUND',
      /edit 2 \(hide\) names the tag 'animals\/cat'/,
    );
    expectLanternError(
      () => applyEdits(bundled, [{ op: 'merge', from: 'animals/dog', into: 'animals/dog' }]),
      'INVALID_INPUT',
      /into itself/,
    );
  });

  it('rejects a name that the text format and XMP could not hold', () => {
    expectLanternError(
      () => applyEdits(bundled, [{ op: 'rename', id: 'animals/dog', name: 'Pets|Dog' }]),
      'INVALID_INPUT',
      /edit 1: the new name 'Pets\|Dog' contains '\|'/,
    );
  });
});

describe('the --vocab text format', () => {
  const text = [
    '# My tags',
    '',
    'Animals|Dog = puppy, hound   # the family dog',
    '  Kitchen table  ',
    'Time of day|Night',
    '\t',
    'Places | Grandma’s house = granny’s,  nan’s house ,',
  ].join('\n');

  it('parses categories, default category, synonyms, comments and blank lines', () => {
    const tags = parseVocabText(text, 'Home');
    expect(tags.map((t) => [t.id, t.category, t.name, t.synonyms])).toEqual([
      ['animals/dog', 'Animals', 'Dog', ['puppy', 'hound']],
      ['home/kitchen-table', 'Home', 'Kitchen table', []],
      ['time-of-day/night', 'Time of day', 'Night', []],
      ['places/grandma-s-house', 'Places', 'Grandma’s house', ['granny’s', 'nan’s house']],
    ]);
    expect(parseVocabText('Bicycle')[0]?.category).toBe('Custom');
  });

  it('round-trips through formatVocabText', () => {
    const tags = parseVocabText(text, 'Home');
    const written = formatVocabText(tags);
    expect(written).toContain('Animals|Dog = puppy, hound\n');
    expect(parseVocabText(written)).toEqual(tags);
    // The bundled vocabulary too: names, categories and synonyms survive, ids match.
    const again = parseVocabText(formatVocabText(bundled.tags));
    expect(again.map((t) => [t.id, t.name, t.category, t.synonyms])).toEqual(
      bundled.tags.map((t) => [t.id, t.name, t.category, t.synonyms]),
    );
  });

  it('gets templates and exclusivity from the vocabulary for a category it knows', () => {
    const [night, table] = withCategoryDefaults(
      parseVocabText('time of day|Night\nTable'),
      bundled,
    );
    expect(night?.exclusive).toBe(true);
    expect(night?.category).toBe('Time of day');
    expect(night?.templates).toEqual(byId(bundled, 'time-of-day/night')?.templates);
    expect(table?.templates).toEqual([]);
  });

  it('names the line of an error', () => {
    const cases: [string, RegExp][] = [
      ['Dog\n\nA|B|C', /^Line 3 of the vocabulary: 'A\|B\|C' has more than one '\|'/],
      ['# fine\n|Dog', /^Line 2 of the vocabulary: the category is empty/],
      ['Animals|', /^Line 1 of the vocabulary: the tag name is empty/],
      ['Dog = a = b', /^Line 1 of the vocabulary: more than one '='/],
      ['Animals|Dog\nanimals|DOG', /^Line 2 .*repeats the tag of line 1/],
      ['Dog\n= puppy', /^Line 2 of the vocabulary: the tag name is empty/],
      ['Animals|!!!', /^Line 1 .*has no letter or digit/],
    ];
    for (const [input, message] of cases)
      expectLanternError(() => parseVocabText(input), 'INVALID_INPUT', message);
  });

  it('refuses to write a tag whose synonym the format cannot hold', () => {
    const [dog] = parseVocabText('Animals|Dog');
    expectLanternError(
      () => formatVocabText([{ ...dog!, synonyms: ['cats, dogs'] }]),
      'INVALID_INPUT',
      /'animals\/dog'.*synonym 'cats, dogs' contains ','/,
    );
  });
});
