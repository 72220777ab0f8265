/**
 * @file How a refused request is put into words: one sentence about the first thing wrong,
 * naming the field as a person would ([Note: sentences, not schema paths]). Used by
 * parseInput in contract.ts; shared by every process, imports only zod's types.
 */
import type { z } from 'zod';

/** Longest piece of caller-supplied text repeated in an error sentence. */
const ECHO_LIMIT = 60;

export function clip(text: string): string {
  return JSON.stringify(text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}…` : text);
}

/**
 * What each field is, as a person calls it: [the field, one element of it when it is a
 * list]. [Note: sentences, not schema paths] A person sees these messages (a folder typed
 * by hand, a date out of range), so they name the thing, never `library:addRoots: paths.0`.
 */
const FIELD_NAMES: Record<string, readonly [string, string?]> = {
  paths: ['The list of files', 'Each file'],
  path: ['The path of the file or folder'],
  folder: ['The folder filter'],
  outDir: ['The folder to save clips in'],
  video: ['The video'],
  query: ['The search'],
  limit: ['The number of results'],
  offset: ['The position in the library'],
  kind: ['The kind of file'],
  from: ['The start date'],
  to: ['The end date'],
  sort: ['The sort order'],
  noCutoff: ['"Show weaker matches"'],
  id: ['The id'],
  model: ['The model'],
  ranges: ['The list of clips', 'Each clip'],
  start: ['The start of a clip'],
  end: ['The end of a clip'],
  mode: ['The cutting mode'],
  join: ['"Join into one clip"'],
  overwrite: ['"Overwrite"'],
  provider: ['The provider'],
  thumbnailSize: ['The thumbnail size'],
  maxMegapixels: ['The largest picture size'],
  theme: ['The theme'],
  watch: ['"Watch folders for changes"'],
  watchPollSeconds: ['The polling interval'],
  labels: ['The list of labels', 'Each label'],
  question: ['The question'],
  answers: ['The list of answers', 'Each answer'],
  prompt: ['The prompt'],
  threshold: ['The similarity threshold'],
};

/** Where a field means something else on one channel: `paths` are folders when adding them. */
const FIELD_NAMES_ON: Record<string, Record<string, readonly [string, string?]>> = {
  'library:addRoots': { paths: ['The list of folders', 'Each folder'] },
};

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'yes or no',
  array: 'a list',
  object: 'a set of fields',
};

/** The thing an issue is about: the last named field, "each …" inside a list. */
function subjectOf(path: readonly PropertyKey[], channel: string | undefined): string {
  const last = path.findLastIndex((key) => typeof key === 'string');
  if (last === -1) return 'This request';
  const key = String(path[last]);
  const names =
    (channel === undefined ? undefined : FIELD_NAMES_ON[channel]?.[key]) ?? FIELD_NAMES[key];
  if (!names) return `The field ${clip(key)}`;
  const inList = typeof path[last + 1] === 'number';
  return inList && names[1] ? names[1] : names[0];
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** What is wrong, as the rest of a sentence after its subject. */
function predicateOf(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'unrecognized_keys': {
      // Named, a few and clipped, so a megabyte-long key does not come back as a megabyte-long error.
      const shown = issue.keys.slice(0, 3).map(clip).join(', ');
      const more = issue.keys.length > 3 ? ` and ${issue.keys.length - 3} more` : '';
      return `has unexpected field${issue.keys.length === 1 ? '' : 's'} ${shown}${more}`;
    }
    case 'invalid_type': {
      let present: unknown;
      try {
        present = valueAt(input ?? {}, issue.path);
      } catch {
        present = null;
      }
      if (present === undefined) return 'is missing';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    }
    case 'too_small':
      if (issue.origin === 'string') return 'cannot be empty';
      if (issue.origin === 'array' || issue.origin === 'set')
        // A list needing two (a choice between labels) is not "empty" with one.
        return Number(issue.minimum) > 1
          ? `needs at least ${String(issue.minimum)} entries`
          : 'cannot be empty';
      return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string')
        return `is too long (at most ${String(issue.maximum)} characters)`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `has too many entries (at most ${String(issue.maximum)})`;
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => clip(String(v))).join(', ')}`;
    case 'custom':
      // Refinements in this file word their message as the rest of a sentence.
      return issue.message.length > 300 ? `${issue.message.slice(0, 300)}…` : issue.message;
    default:
      return 'is not accepted';
  }
}

/** One sentence about the first thing wrong with a request, naming the field as a person would. */
export function sentenceFor(
  issue: z.core.$ZodIssue | undefined,
  input: unknown,
  channel?: string,
): string {
  if (!issue) return 'Lantern could not accept this request. Try again, or restart Lantern.';
  // A rule about the whole request ("each range must end after it starts") is its own sentence.
  if (issue.code === 'custom' && issue.path.length === 0)
    return `${capitalise(predicateOf(issue, input))}.`;
  return `${subjectOf(issue.path, channel)} ${predicateOf(issue, input)}.`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
