/**
 * @file The vocabulary as plain text, the CLI's `--vocab FILE` format and the one Lantern
 * exports and imports (engine, plain Node):
 *
 *   # Lines like this are comments; blank lines are skipped.
 *   Animals|Dog = puppy, hound
 *   Kitchen table
 *
 * One tag per line as `Category|Tag` or `Tag` (the default category), synonyms after '='
 * separated by commas. It is the `lr:hierarchicalSubject` spelling digiKam and Lightroom
 * use, so a keyword list exported from them reads as a vocabulary.
 */
import { LanternError } from '../../shared/errors.js';
import { libraryVocabulary, saveVocabularyEdit } from './library-vocabulary.js';
import { nameProblem, slugify, tagId, type TagDef, type Vocabulary } from './vocabulary.js';

/** The category of a `Tag` line with none; the CLI's own tags land here. */
export const DEFAULT_TEXT_CATEGORY = 'Custom';

/** One tag per line as `Category|Tag` or `Tag`; `#` starts a comment; blank lines skipped;
 *  synonyms may follow as `Category|Tag = syn1, syn2`. Errors name the line number. */
export function parseVocabText(text: string, defaultCategory = DEFAULT_TEXT_CATEGORY): TagDef[] {
  const defaultProblem = nameProblem(defaultCategory);
  if (defaultProblem)
    throw new LanternError(
      'INVALID_INPUT',
      `The default category '${defaultCategory}' ${defaultProblem}; choose another.`,
    );
  const tags: TagDef[] = [];
  const lineOf = new Map<string, number>();
  text.split(/\r\n|\r|\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const fail = (why: string): never => {
      throw new LanternError('INVALID_INPUT', `Line ${line} of the vocabulary: ${why}.`);
    };
    const content = stripComment(rawLine).trim();
    if (content === '') return;
    const equals = content.indexOf('=');
    const head = equals < 0 ? content : content.slice(0, equals);
    const tail = equals < 0 ? '' : content.slice(equals + 1);
    const parts = head.split('|').map(collapse);
    if (parts.length > 2)
      fail(`'${head.trim()}' has more than one '|'; write Category|Tag (one level of category)`);
    const [category, name] = parts.length === 2 ? parts : [collapse(defaultCategory), parts[0]];
    if (category === undefined || name === undefined) return fail('nothing before the synonyms');
    const categoryProblem = nameProblem(category);
    if (categoryProblem) fail(`the category ${categoryProblem}; write Category|Tag or just Tag`);
    const nameProblemText = nameProblem(name);
    if (nameProblemText) fail(`the tag name ${nameProblemText}; write Category|Tag or just Tag`);
    if (equals >= 0 && tail.includes('=')) fail("more than one '='; synonyms follow a single '='");
    const synonyms: string[] = [];
    const seen = new Set([name.toLowerCase()]);
    for (const synonym of tail.split(',').map(collapse)) {
      if (synonym === '' || seen.has(synonym.toLowerCase())) continue;
      const problem = nameProblem(synonym, 'synonym');
      if (problem) fail(`the synonym '${synonym}' ${problem}`);
      seen.add(synonym.toLowerCase());
      synonyms.push(synonym);
    }
    const id = tagId(category, name);
    const earlier = lineOf.get(id);
    if (earlier !== undefined)
      fail(`'${category}|${name}' repeats the tag of line ${earlier} (id ${id}); keep one`);
    lineOf.set(id, line);
    tags.push({ id, name, category, synonyms, templates: [], exclusive: false, hidden: false });
  });
  return tags;
}

/**
 * The text form of `tags`, one `Category|Tag = synonyms` line each in the given order, a
 * blank line between categories. Round-trips `parseVocabText` (names, categories,
 * synonyms and the ids derived from them); templates, exclusivity and hidden flags are
 * the vocabulary file's business and are not written, so callers pick which tags to export.
 */
export function formatVocabText(tags: readonly TagDef[]): string {
  const lines = ['# Lantern tag vocabulary: one tag per line as Category|Tag = synonym, synonym'];
  let previous: string | undefined;
  for (const tag of tags) {
    for (const [what, text, kind] of [
      ['category', tag.category, 'name'],
      ['name', tag.name, 'name'],
      ...tag.synonyms.map((s) => ['synonym', s, 'synonym'] as const),
    ] as const) {
      const problem = nameProblem(text, kind);
      if (problem)
        throw new LanternError(
          'INVALID_INPUT',
          `The tag '${tag.id}' cannot be written as text: its ${what} '${text}' ${problem}; rename it first.`,
        );
    }
    if (previous !== undefined && slugify(previous) !== slugify(tag.category)) lines.push('');
    previous = tag.category;
    const synonyms = tag.synonyms.length > 0 ? ` = ${tag.synonyms.join(', ')}` : '';
    lines.push(`${collapse(tag.category)}|${collapse(tag.name)}${synonyms}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * A library's vocabulary as text (`lantern tags export`): the tags it tags with, then its
 * hidden tags as comment lines, so the file says what was hidden but importing it never
 * adds or shows a tag the person hid. Learned tags and keywords are not vocabulary (a
 * learned tag is a model, a keyword a word in a photo) and are not written.
 */
export function exportVocabularyText(vocabulary: Vocabulary): string {
  const shown = formatVocabText(vocabulary.tags.filter((tag) => !tag.hidden));
  const hidden = vocabulary.tags.filter((tag) => tag.hidden);
  if (hidden.length === 0) return shown;
  const lines = formatVocabText(hidden).split('\n').slice(1, -1);
  return [
    shown,
    '# Hidden in this library (comments: importing this file does not add them):',
    ...lines.map((line) => (line === '' ? '#' : `# ${line}`)),
    '',
  ].join('\n');
}

export interface VocabularyImport {
  /** Ids of the tags added to the library's vocabulary. */
  added: string[];
  /** Ids of the file's tags the vocabulary already had (its synonyms are left as they are). */
  present: string[];
  /** Tags that could not be added, with why (a name another tag already uses…). */
  skipped: { tag: string; error: string }[];
}

/**
 * Add the tags of a vocabulary text that the library lacks, each as a vocabulary edit
 * (saveVocabularyEdit: kept across bundled updates, undone like any edit). A tag is
 * already there when the vocabulary has its id (`Category|Tag`); one it would clash with
 * is skipped with the reason, and the others are still added.
 */
export async function importVocabularyText(dbDir: string, text: string): Promise<VocabularyImport> {
  const result: VocabularyImport = { added: [], present: [], skipped: [] };
  const tags = parseVocabText(text);
  let vocabulary = await libraryVocabulary(dbDir);
  for (const tag of tags) {
    const id = tag.id; // tagId(category, name), as the add edit names it
    if (vocabulary.tags.some((existing) => existing.id === id)) {
      result.present.push(id);
      continue;
    }
    try {
      vocabulary = await saveVocabularyEdit(dbDir, {
        op: 'add',
        name: tag.name,
        category: tag.category,
        ...(tag.synonyms.length > 0 ? { synonyms: tag.synonyms } : {}),
      });
      result.added.push(id);
    } catch (error) {
      if (!(error instanceof LanternError)) throw error;
      result.skipped.push({ tag: `${tag.category}|${tag.name}`, error: error.message });
    }
  }
  return result;
}

/** `#` starts a comment anywhere on a line. */
function stripComment(line: string): string {
  const hash = line.indexOf('#');
  return hash < 0 ? line : line.slice(0, hash);
}

function collapse(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}
