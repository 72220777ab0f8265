/**
 * @file The tag vocabulary (engine, plain Node): the bundled `resources/tags/vocabulary.json`
 * (categories with prompt templates, tags with synonyms), validated with zod; the prompts
 * a tag is embedded from; and the user's edits (add, rename, hide, merge) applied over it.
 * Turning prompts into one text embedding per tag is the decision code's job
 * (`tag-embeddings.ts`); this file only says which texts to embed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LanternError } from '../../shared/errors.js';
import { findResourcesDir } from '../models/registry.js';

export interface TagDef {
  /** Stable id: lower-case category slug + '/' + tag slug, e.g. 'animals/dog'. */
  id: string;
  /** Display name, e.g. 'Dog'. */
  name: string;
  /** Display category, e.g. 'Animals'. */
  category: string;
  /** Other words for it, used in prompts and in `tag:` matching: ['puppy', 'hound']. */
  synonyms: string[];
  /** Prompt templates with {} for the name/synonym; empty → the category's templates. */
  templates: string[];
  /** Tags of an exclusive category compete: a photo gets at most one (e.g. time of day). */
  exclusive: boolean;
  hidden: boolean;
  /** Added by the person (a vocabulary edit), not bundled with Lantern. */
  custom?: boolean;
}

/** A category as the bundled file defines it; user categories have none (generic templates). */
export interface CategoryDef {
  /** Slug, the part of a tag id before the '/'. */
  id: string;
  name: string;
  templates: string[];
  exclusive: boolean;
}

export interface Vocabulary {
  version: number;
  tags: TagDef[];
  /** The categories of the file it was loaded from, so edits can give a new tag their templates. */
  categories?: CategoryDef[];
}

/** Where a template puts the tag's name or synonym. */
export const PLACEHOLDER = '{}';

/**
 * Templates for a tag that has none and whose category is unknown (a user's own category):
 * the photo-like part of CLIP's ImageNet ensemble (openai/CLIP,
 * notebooks/Prompt_Engineering_for_ImageNet.ipynb). The bundled file repeats them as its
 * top-level `templates`.
 */
export const GENERIC_TEMPLATES: readonly string[] = [
  'a photo of a {}.',
  'a photo of the {}.',
  'a close-up photo of a {}.',
  'a bright photo of the {}.',
  'a dark photo of the {}.',
  'a blurry photo of a {}.',
  'itap of a {}.',
];

/**
 * '|' separates category and tag in the text format and in XMP's lr:hierarchicalSubject,
 * '=' starts synonyms and '#' a comment in the text format: a name holding one could not
 * be written back. Synonyms are a comma-separated list there, so they hold no ','.
 */
const NAME_FORBIDDEN = /[|=#\r\n]/;
const SYNONYM_FORBIDDEN = /[|=#,\r\n]/;

/** Why `text` cannot be a tag or category name (or synonym), or undefined when it can. */
export function nameProblem(text: string, kind: 'name' | 'synonym' = 'name'): string | undefined {
  if (text.trim() === '') return 'is empty';
  const forbidden = kind === 'name' ? NAME_FORBIDDEN : SYNONYM_FORBIDDEN;
  const bad = forbidden.exec(text);
  if (bad) return `contains '${bad[0] === '\n' || bad[0] === '\r' ? 'a line break' : bad[0]}'`;
  if (slugify(text) === '') return 'has no letter or digit';
  return undefined;
}

/**
 * Lower-case ASCII-or-letter slug: accents dropped ('Café' → 'cafe'), any run of other
 * characters becomes one '-'. Letters of other scripts stay, so '红' is its own slug.
 */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

export function tagId(category: string, name: string): string {
  return `${slugify(category)}/${slugify(name)}`;
}

const templateText = z
  .string()
  .refine((t) => t.includes(PLACEHOLDER), `a template needs ${PLACEHOLDER} where the tag goes`);
const nameText = z.string().superRefine((text, ctx) => {
  const problem = nameProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: `the name ${problem}` });
});
const synonymText = z.string().superRefine((text, ctx) => {
  const problem = nameProblem(text, 'synonym');
  if (problem) ctx.addIssue({ code: 'custom', message: `the synonym '${text}' ${problem}` });
});

const TagEntrySchema = z.strictObject({
  name: nameText,
  /** Overrides the slug after the '/', so a renamed bundled tag keeps the id users' data uses. */
  id: z
    .string()
    .regex(/^[\p{Ll}\p{Lo}\p{N}]+(-[\p{Ll}\p{Lo}\p{N}]+)*$/u, 'a lower-case slug')
    .optional(),
  synonyms: z.array(synonymText).default([]),
  templates: z.array(templateText).optional(),
  hidden: z.boolean().default(false),
});

const CategoryEntrySchema = z.strictObject({
  name: nameText,
  exclusive: z.boolean().default(false),
  templates: z.array(templateText).optional(),
  tags: z.array(TagEntrySchema).min(1),
});

const VocabularyFileSchema = z.strictObject({
  version: z.number().int().positive(),
  /** Free-text comments: where the templates come from, how to edit the file. */
  source: z.string().optional(),
  note: z.string().optional(),
  /** Templates of categories that have none of their own. */
  templates: z.array(templateText).min(1),
  categories: z.array(CategoryEntrySchema).min(1),
});

export function bundledVocabularyPath(): string {
  return path.join(findResourcesDir(), 'tags', 'vocabulary.json');
}

/** Load and validate a vocabulary file; by default the one Lantern ships. */
export async function loadVocabulary(file: string = bundledVocabularyPath()): Promise<Vocabulary> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    const missing = (cause as { code?: unknown }).code === 'ENOENT';
    throw new LanternError(
      missing ? 'NOT_FOUND' : 'INVALID_INPUT',
      missing
        ? `The tag vocabulary ${file} does not exist; check the path, or reinstall Lantern if it is the bundled one.`
        : `The tag vocabulary ${file} is not valid JSON; fix it (the error is in the details) or restore the original.`,
      { cause },
    );
  }
  return vocabularyFromJson(raw, file);
}

/** Validate parsed JSON in the vocabulary format; `origin` names it in errors. */
export function vocabularyFromJson(raw: unknown, origin: string): Vocabulary {
  const parsed = VocabularyFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? describeLocation(raw, issue.path) : 'the file';
    throw new LanternError(
      'INVALID_INPUT',
      `The tag vocabulary ${origin} is invalid at ${where}: ${issue?.message ?? 'unknown problem'}; fix that entry.`,
    );
  }
  const file = parsed.data;
  const categories: CategoryDef[] = [];
  const tags: TagDef[] = [];
  const seenTags = new Map<string, string>();
  const seenCategories = new Map<string, string>();
  for (const entry of file.categories) {
    const category: CategoryDef = {
      id: slugify(entry.name),
      name: entry.name.trim(),
      templates: entry.templates ?? file.templates,
      exclusive: entry.exclusive,
    };
    const clash = seenCategories.get(category.id);
    if (clash !== undefined)
      throw new LanternError(
        'INVALID_INPUT',
        `The tag vocabulary ${origin} has categories '${clash}' and '${category.name}' with the same id '${category.id}'; rename one.`,
      );
    seenCategories.set(category.id, category.name);
    categories.push(category);
    for (const tag of entry.tags) {
      const id = `${category.id}/${tag.id ?? slugify(tag.name)}`;
      const where = `tag '${tag.name}' in '${category.name}'`;
      const earlier = seenTags.get(id);
      if (earlier !== undefined)
        throw new LanternError(
          'INVALID_INPUT',
          `The tag vocabulary ${origin} has the id '${id}' twice (${earlier} and ${where}); rename one or give it an "id".`,
        );
      seenTags.set(id, where);
      const synonyms = tag.synonyms.map(clean);
      const repeated = repeatedTerm(tag.name, synonyms);
      if (repeated !== undefined)
        throw new LanternError(
          'INVALID_INPUT',
          `The tag vocabulary ${origin} lists '${repeated}' twice for ${where}; remove the repeat.`,
        );
      tags.push({
        id,
        name: clean(tag.name),
        category: category.name,
        synonyms,
        templates: tag.templates ?? category.templates,
        exclusive: category.exclusive,
        hidden: tag.hidden,
      });
    }
  }
  return { version: file.version, tags, categories };
}

/** "category 'Animals', tag 'Dog' (synonyms[1])" for a zod issue path into the raw JSON. */
function describeLocation(raw: unknown, issuePath: readonly PropertyKey[]): string {
  const parts: string[] = [];
  let node: unknown = raw;
  let rest: string[] = [];
  for (const key of issuePath) {
    node = (node as Record<PropertyKey, unknown> | undefined)?.[key];
    const name = (node as { name?: unknown } | undefined)?.name;
    if (typeof key === 'number' && typeof name === 'string' && parts.length < 2) {
      parts.push(`${parts.length === 0 ? 'category' : 'tag'} '${name}'`);
      rest = [];
    } else if (typeof key === 'number' && rest.length > 0) {
      rest[rest.length - 1] += `[${key}]`;
    } else if (key !== 'categories' && key !== 'tags') {
      rest.push(typeof key === 'number' ? `#${key + 1}` : String(key));
    }
  }
  const tail = rest.length > 0 ? ` (${rest.join('.')})` : '';
  return parts.length > 0 ? parts.join(', ') + tail : rest.join('.') || 'the top level';
}

/** Collapse whitespace, so ' hot  dog ' and 'hot dog' are one term. */
function clean(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/** A term listed twice (case-insensitively) among a tag's name and synonyms. */
function repeatedTerm(name: string, synonyms: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const term of [name, ...synonyms]) {
    const key = clean(term).toLowerCase();
    if (seen.has(key)) return term;
    seen.add(key);
  }
  return undefined;
}

/**
 * Every prompt text for a tag: each template with each of its terms (name, then synonyms),
 * deduplicated, in that order. Terms are lower-cased: display names are title case, a
 * caption is not, and 'Dog' next to 'dog' would count one term twice in the mean.
 */
export function tagPrompts(tag: TagDef): string[] {
  const templates = tag.templates.length > 0 ? tag.templates : GENERIC_TEMPLATES;
  const terms = [tag.name, ...tag.synonyms].map((t) => clean(t).toLowerCase()).filter(Boolean);
  const prompts = new Set<string>();
  for (const term of terms)
    for (const template of templates) prompts.add(template.replaceAll(PLACEHOLDER, term));
  return [...prompts];
}

/** User edits, applied over the bundled vocabulary (stored per library as JSON). */
export type VocabularyEdit =
  | { op: 'add'; name: string; category: string; synonyms?: string[] | undefined }
  | { op: 'rename'; id: string; name: string }
  | { op: 'hide'; id: string; hidden: boolean }
  | { op: 'merge'; from: string; into: string }; // from's synonyms join into's; from disappears

/** The stored form of an edit, for whoever reads a library's edits back from disk. */
export const VocabularyEditSchema = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('add'),
    name: nameText,
    category: nameText,
    synonyms: z.array(synonymText).optional(),
  }),
  z.strictObject({ op: z.literal('rename'), id: z.string(), name: nameText }),
  z.strictObject({ op: z.literal('hide'), id: z.string(), hidden: z.boolean() }),
  z.strictObject({ op: z.literal('merge'), from: z.string(), into: z.string() }),
]);

/**
 * The vocabulary after the edits, in order; `base` is not changed. An edit that names an id
 * the vocabulary does not have (at that point: a merged tag is gone) fails, naming the edit,
 * rather than being skipped: a silently dropped rename or merge would re-tag photos.
 */
export function applyEdits(base: Vocabulary, edits: readonly VocabularyEdit[]): Vocabulary {
  const tags = base.tags.map((t) => ({ ...t, synonyms: [...t.synonyms] }));
  const indexOf = (id: string, edit: number, op: string): number => {
    const i = tags.findIndex((t) => t.id === id);
    if (i < 0)
      throw new LanternError(
        'NOT_FOUND',
        `Vocabulary edit ${edit} (${op}) names the tag '${id}', which the vocabulary does not have; remove that edit or use an id from 'npx lantern tags list'.`,
      );
    return i;
  };
  edits.forEach((edit, n) => {
    const number = n + 1;
    switch (edit.op) {
      case 'add': {
        checkName(edit.name, number, 'the name');
        checkName(edit.category, number, 'the category');
        const known = base.categories?.find((c) => c.id === slugify(edit.category));
        const category = known?.name ?? clean(edit.category);
        const id = tagId(category, edit.name);
        const existing = tags.find((t) => t.id === id);
        if (existing)
          throw new LanternError(
            'INVALID_INPUT',
            `Vocabulary edit ${number} adds '${edit.name}' to '${category}', which already has it as '${existing.name}' (${id}); rename or unhide that tag instead.`,
          );
        const synonyms = dedupeTerms(edit.name, edit.synonyms ?? []);
        synonyms.forEach((s) => checkName(s, number, 'a synonym', 'synonym'));
        tags.push({
          id,
          name: clean(edit.name),
          category,
          synonyms,
          templates: known ? [...known.templates] : [],
          exclusive: known?.exclusive ?? false,
          hidden: false,
          custom: true,
        });
        break;
      }
      case 'rename': {
        checkName(edit.name, number, 'the new name');
        const tag = tags[indexOf(edit.id, number, 'rename')];
        if (tag) {
          // The old name stays a synonym: a rename changes what the tag is called, not
          // what it finds (its prompts still say it, and `tag:<old name>` still works).
          const old = tag.name;
          tag.name = clean(edit.name);
          tag.synonyms = dedupeTerms(tag.name, [old, ...tag.synonyms]);
        }
        break;
      }
      case 'hide': {
        const tag = tags[indexOf(edit.id, number, 'hide')];
        if (tag) tag.hidden = edit.hidden;
        break;
      }
      case 'merge': {
        if (edit.from === edit.into)
          throw new LanternError(
            'INVALID_INPUT',
            `Vocabulary edit ${number} merges '${edit.from}' into itself; name two different tags.`,
          );
        const from = indexOf(edit.from, number, 'merge');
        const into = tags[indexOf(edit.into, number, 'merge')];
        const gone = tags[from];
        // The merged tag's name becomes a synonym too, so `tag:puppy` still finds the photos.
        if (into && gone)
          into.synonyms = dedupeTerms(into.name, [...into.synonyms, gone.name, ...gone.synonyms]);
        tags.splice(from, 1);
        break;
      }
    }
  });
  return { ...base, tags };
}

function checkName(text: string, edit: number, what: string, kind: 'name' | 'synonym' = 'name') {
  const problem = nameProblem(text, kind);
  if (problem)
    throw new LanternError(
      'INVALID_INPUT',
      `Vocabulary edit ${edit}: ${what} '${text}' ${problem}; use letters, digits and spaces.`,
    );
}

/** Synonyms without repeats and without the name itself (case-insensitively), cleaned. */
function dedupeTerms(name: string, synonyms: readonly string[]): string[] {
  const seen = new Set([clean(name).toLowerCase()]);
  const out: string[] = [];
  for (const synonym of synonyms.map(clean)) {
    const key = synonym.toLowerCase();
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(synonym);
  }
  return out;
}

/**
 * Tags from elsewhere (the CLI's `--vocab` text) given what the vocabulary knows of their
 * category: a tag of 'Time of day' gets that category's templates and exclusivity, a tag
 * of a category it does not know keeps the generic templates.
 */
export function withCategoryDefaults(tags: readonly TagDef[], vocabulary: Vocabulary): TagDef[] {
  return tags.map((tag) => {
    const known = vocabulary.categories?.find((c) => c.id === tag.id.split('/')[0]);
    if (!known) return tag;
    return {
      ...tag,
      category: known.name,
      templates: tag.templates.length > 0 ? tag.templates : [...known.templates],
      exclusive: known.exclusive,
    };
  });
}
