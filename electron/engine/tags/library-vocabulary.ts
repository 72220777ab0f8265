/**
 * @file A library's own vocabulary (engine): the bundled vocabulary with the person's edits
 * (add, rename, hide, merge; vocabulary.ts applyEdits) and per-tag threshold offsets (the
 * Tags view's slider), kept in `<library>/vocabulary.json`. Every part of Lantern that
 * names or decides tags for a library reads it through here: the tagging job, `lantern
 * tag` without --vocab, tagging at index time, `tag:` in searches and the facets.
 *
 * [Note: a library's vocabulary file]
 * The file holds edits, not a copy of the vocabulary: a newer Lantern's bundled vocabulary
 * (more tags, better prompts) still reaches a library its person has edited. Edits are
 * applied in order and each is checked against the vocabulary before it is saved, so a
 * saved file always applies; a bundled update that removes a tag an edit names is reported
 * (the edit is named) rather than skipped. The file is written atomically and a damaged one
 * is kept aside, never reset ([Note: settings files] in settings-file.ts).
 */
import path from 'node:path';
import { z } from 'zod';
import { LanternError } from '../../shared/errors.js';
import { keepDamagedCopy, readJsonFile, writeFileAtomic } from '../settings-file.js';
import { bundledVocabulary } from '../search/tag-filter.js';
import { inTurn } from '../../../native/store/index.js';
import {
  applyEdits,
  VocabularyEditSchema,
  type Vocabulary,
  type VocabularyEdit,
} from './vocabulary.js';

export const LIBRARY_VOCABULARY_FILE = 'vocabulary.json';

/** Offsets stay inside the range the slider offers: past it every photo or none passes. */
export const MAX_OFFSET = 0.2;

const StoredSchema = z.strictObject({
  version: z.literal(1),
  edits: z.array(VocabularyEditSchema),
  /** Added to a tag's calibrated threshold (docs/tagging.md), by tag id. */
  offsets: z.record(z.string(), z.number().min(-MAX_OFFSET).max(MAX_OFFSET)),
});
export type StoredVocabulary = z.infer<typeof StoredSchema>;

const EMPTY: StoredVocabulary = { version: 1, edits: [], offsets: {} };

/** Parsed files by library folder: a search must not re-read and re-apply 400 tags. */
const cache = new Map<string, { stored: StoredVocabulary; vocabulary: Vocabulary }>();

/** The stored edits and offsets of a library (empty for one never edited). */
export async function readStoredVocabulary(dbDir: string): Promise<StoredVocabulary> {
  return (await load(dbDir)).stored;
}

/** The vocabulary a library tags and searches with: bundled plus its edits. */
export async function libraryVocabulary(dbDir: string): Promise<Vocabulary> {
  return (await load(dbDir)).vocabulary;
}

/** Each tag's offset from its calibrated threshold, for the tagger. */
export async function tagOffsets(dbDir: string): Promise<Map<string, number>> {
  return new Map(Object.entries((await load(dbDir)).stored.offsets));
}

/**
 * Save one more edit, checked first: an edit that does not apply (a rename of a tag that
 * is gone, a name already taken) is refused with applyEdits' sentence and nothing is
 * written. A merge or a rename keeps the offset with the tag that stays. Returns the new
 * vocabulary.
 */
export async function saveVocabularyEdit(dbDir: string, edit: VocabularyEdit): Promise<Vocabulary> {
  const parsed = VocabularyEditSchema.safeParse(edit);
  if (!parsed.success)
    throw new LanternError(
      'INVALID_INPUT',
      `That vocabulary edit is not valid: ${parsed.error.message}`,
    );
  return changeStored(dbDir, async (stored) => {
    const edits = [...stored.edits, parsed.data];
    const vocabulary = applyEdits(await bundledVocabulary(), edits);
    const offsets = { ...stored.offsets };
    if (parsed.data.op === 'merge') delete offsets[parsed.data.from];
    await write(dbDir, { ...stored, edits, offsets }, vocabulary);
    return vocabulary;
  });
}

/** Set (or with 0, clear) a tag's threshold offset; the tag must be in the vocabulary. */
export async function saveTagOffset(dbDir: string, tag: string, offset: number): Promise<void> {
  if (!Number.isFinite(offset) || Math.abs(offset) > MAX_OFFSET)
    throw new LanternError(
      'INVALID_INPUT',
      `A tag's threshold offset must be between -${MAX_OFFSET} and ${MAX_OFFSET}; ${offset} is not.`,
    );
  await changeStored(dbDir, async (stored, vocabulary) => {
    if (!vocabulary.tags.some((t) => t.id === tag))
      throw new LanternError(
        'NOT_FOUND',
        `The vocabulary has no tag '${tag}'; see \`npx lantern tags list\`.`,
      );
    const offsets = { ...stored.offsets };
    if (offset === 0) delete offsets[tag];
    else offsets[tag] = Math.round(offset * 10_000) / 10_000;
    await write(dbDir, { ...stored, offsets }, vocabulary);
  });
}

/**
 * A change of the stored edits and offsets, made from the state the change before it left
 * (native/store/turns.ts): two edits in flight at once both stay.
 */
function changeStored<T>(
  dbDir: string,
  change: (stored: StoredVocabulary, vocabulary: Vocabulary) => Promise<T>,
): Promise<T> {
  return inTurn(`vocabulary:${path.resolve(dbDir)}`, async () => {
    const { stored, vocabulary } = await load(dbDir);
    return change(stored, vocabulary);
  });
}

async function load(dbDir: string): Promise<{ stored: StoredVocabulary; vocabulary: Vocabulary }> {
  const key = path.resolve(dbDir);
  const cached = cache.get(key);
  if (cached) return cached;
  const file = path.join(key, LIBRARY_VOCABULARY_FILE);
  const content = await readJsonFile(file);
  let stored = EMPTY;
  if (content.state === 'parsed') {
    const parsed = StoredSchema.safeParse(content.value);
    stored = parsed.success ? parsed.data : await recover(file, content.value, content.bytes);
  } else if (content.state === 'damaged') stored = await recover(file, undefined, content.bytes);
  const loaded = { stored, vocabulary: applyEdits(await bundledVocabulary(), stored.edits) };
  cache.set(key, loaded);
  return loaded;
}

/**
 * A damaged file: its bytes kept aside, each edit and offset that still reads kept, the
 * file written again, and the person told which file to look at.
 */
async function recover(file: string, value: unknown, bytes: Buffer): Promise<StoredVocabulary> {
  const copy = await keepDamagedCopy(file, bytes);
  const raw = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const bundled = await bundledVocabulary();
  const edits: VocabularyEdit[] = [];
  for (const candidate of Array.isArray(raw.edits) ? raw.edits : []) {
    const edit = VocabularyEditSchema.safeParse(candidate);
    if (!edit.success) continue;
    try {
      applyEdits(bundled, [...edits, edit.data]);
      edits.push(edit.data);
    } catch {
      // An edit that no longer applies is in the kept copy.
    }
  }
  const offsets: Record<string, number> = {};
  if (typeof raw.offsets === 'object' && raw.offsets !== null)
    for (const [tag, offset] of Object.entries(raw.offsets))
      if (typeof offset === 'number' && Math.abs(offset) <= MAX_OFFSET) offsets[tag] = offset;
  const stored: StoredVocabulary = { version: 1, edits, offsets };
  await writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`);
  console.warn(
    `${file} (this library's vocabulary edits) was damaged; it was kept as ${copy}, and the ${edits.length} edits that could still be read were kept.`,
  );
  return stored;
}

async function write(
  dbDir: string,
  stored: StoredVocabulary,
  vocabulary: Vocabulary,
): Promise<void> {
  const key = path.resolve(dbDir);
  await writeFileAtomic(
    path.join(key, LIBRARY_VOCABULARY_FILE),
    `${JSON.stringify(stored, null, 2)}\n`,
  );
  cache.set(key, { stored, vocabulary });
}
