/**
 * @file The search query algebra (engine), parsed into weighted terms:
 *
 *   two dogs running +beach -night      three terms: a phrase, +beach, −night
 *   2:dog +0.5:beach                    weights
 *   "/photos/ref.jpg" +snow             an image file as a term (search by example)
 *   tag:beach sunset -tag:snow          files tagged beach and not snow, ranked by "sunset"
 *
 * Unmarked words run together into one phrase, because a sentence is what CLIP reads
 * best; `+` and `-` at the start of a word open a new term (a hyphen inside a word, as in
 * "t-shirt", does not). A term that names an existing image file is embedded as an image.
 * `tag:` words are filters, not terms: they are lifted out of the query (the words around
 * them still read as one phrase) and resolved to tag ids by search/tag-filter.ts.
 */
import { LanternError } from '../../shared/errors.js';

export interface QueryTerm {
  kind: 'text' | 'image';
  /** The phrase, or the image's path. */
  value: string;
  /** Positive pulls towards the term, negative pushes away. */
  weight: number;
}

/** A `tag:` word: files carrying the tag (`tag:beach`), or not (`-tag:snow`). */
export interface TagTerm {
  /** What the person typed after `tag:`: a name, synonym, id or `Category|Name`. */
  words: string;
  exclude: boolean;
}

/** A search query: the terms to embed, and the tags that filter the files. */
export interface ParsedSearch {
  terms: QueryTerm[];
  tags: TagTerm[];
}

const WEIGHT_PREFIX = /^(\d+(?:\.\d+)?):(.*)$/s;
/** `tag:` in any case; what follows is the tag (quotes already removed by `words`). */
const TAG_PREFIX = /^tag:(.*)$/is;

/** Split into words, keeping quoted stretches whole (quotes removed). */
function words(query: string): { text: string; quoted: boolean; tagged: boolean }[] {
  const out: { text: string; quoted: boolean; tagged: boolean }[] = [];
  // A quoted stretch may follow a sign, a weight or `tag:` (`tag:"city street"`).
  const pattern = /([+-]?(?:\d+(?:\.\d+)?:|tag:)?)"([^"]*)"|(\S+)/gi;
  for (const match of query.matchAll(pattern)) {
    if (match[3] !== undefined) out.push({ text: match[3], quoted: false, tagged: false });
    else {
      const prefix = match[1] ?? '';
      // "tag:beach" wholly in quotes is words to search for; tag:"beach" is a tag.
      const tagged = /tag:$/i.test(prefix);
      out.push({ text: `${prefix}${match[2] ?? ''}`, quoted: true, tagged });
    }
  }
  return out;
}

/**
 * The terms of a query, refusing `tag:` (for callers that have no files to filter, such as
 * scene search) and queries with nothing to look for.
 */
export function parseQuery(
  query: string,
  isImageFile: (candidate: string) => boolean = () => false,
): QueryTerm[] {
  const { terms, tags } = parseSearch(query, isImageFile);
  if (tags.length > 0)
    throw new LanternError(
      'INVALID_INPUT',
      `"tag:${tags[0]?.words ?? ''}" filters search results and cannot be used here: search for words only.`,
    );
  return terms;
}

/**
 * A query's terms and its `tag:` filters. A query of tags alone is a listing (no terms);
 * one with nothing to look for (empty, or only exclusions) is refused with a sentence.
 */
export function parseSearch(
  query: string,
  isImageFile: (candidate: string) => boolean = () => false,
): ParsedSearch {
  const terms: QueryTerm[] = [];
  const tags: TagTerm[] = [];
  let current: { sign: number; weight: number; parts: string[]; quoted: boolean } | null = null;
  const finish = () => {
    if (!current) return;
    const value = current.parts.join(' ').trim();
    if (value) {
      const image = (current.quoted || current.parts.length === 1) && isImageFile(value);
      terms.push({ kind: image ? 'image' : 'text', value, weight: current.sign * current.weight });
    }
    current = null;
  };
  for (const word of words(query)) {
    let text = word.text;
    let sign = 0;
    if (text.length > 1 && (text.startsWith('+') || text.startsWith('-'))) {
      sign = text.startsWith('-') ? -1 : 1;
      text = text.slice(1);
    }
    const tag = !word.quoted || word.tagged ? TAG_PREFIX.exec(text) : null;
    if (tag) {
      tags.push({ words: tagWords(tag[1] ?? ''), exclude: sign < 0 });
      continue; // not a term: the phrase around it goes on
    }
    let weight: number | null = null;
    const weighted = WEIGHT_PREFIX.exec(text);
    if (weighted && weighted[2]) {
      weight = Number(weighted[1]);
      text = weighted[2];
      if (TAG_PREFIX.test(text))
        throw new LanternError(
          'INVALID_INPUT',
          `A tag has no weight: write "${text}" without "${weighted[1]}:".`,
        );
    }
    // A sign, a weight, a quoted stretch or an image path starts a new term.
    const startsTerm =
      sign !== 0 || weight !== null || word.quoted || current === null || isImageFile(text);
    if (startsTerm) {
      finish();
      current = { sign: sign || 1, weight: weight ?? 1, parts: [text], quoted: word.quoted };
      if (word.quoted || isImageFile(text)) finish();
    } else {
      current?.parts.push(text);
    }
  }
  finish();
  const looksFor = terms.some((term) => term.weight > 0) || tags.some((tag) => !tag.exclude);
  if (terms.length === 0 && tags.length === 0)
    throw new LanternError('INVALID_INPUT', 'The search is empty: type a few words to search for.');
  if (!looksFor) {
    throw new LanternError(
      'INVALID_INPUT',
      'The search only excludes things: add at least one term to look for, e.g. "beach -night".',
    );
  }
  if (terms.length > 0 && !terms.some((term) => term.weight > 0))
    throw new LanternError(
      'INVALID_INPUT',
      'The search only excludes things besides its tags: add a word to look for, e.g. "tag:beach sunset -night", or drop the "-" words.',
    );
  return { terms, tags };
}

/** The tag named after `tag:`, checked not to be empty. */
function tagWords(words: string): string {
  const trimmed = words.trim();
  if (trimmed === '')
    throw new LanternError(
      'INVALID_INPUT',
      '"tag:" needs a tag after it, e.g. tag:beach or tag:"city street".',
    );
  return trimmed;
}

/**
 * [Note: negative terms] `dog -night` looks for dogs and drops the dogs that look more
 * like night than like a dog. CLIP's text embeddings are nearly collinear (two sentences
 * share most of their direction), so subtracting the negative embedding from the query
 * also subtracts the shared part and moves every score down: on the `toy-clip-gap`
 * geometry, `orange -red` at weight −1 kept none of the orange photos through the
 * relevance gate, at −½ 7 of 40, at −¼ 14 of 40 (and 101 unrelated ones). Instead the
 * query vector holds only the positive terms (it finds and gates the candidates) and a
 * negative term is a penalty on each score: `score − 2·w·max(0, s_neg − score)`. Photos
 * that match what was asked better than the negative term keep their score: over five
 * such pairs, 40 of 40 wanted photos kept, 6 of 40 excluded ones (docs/search.md,
 * "Negative terms").
 */
export const NEGATIVE_PENALTY = 2;
