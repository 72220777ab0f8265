/**
 * @file Learned tags of a library (engine): learning one from example files given by
 * path (learn.ts), suggesting it across the library's stored vectors, saving the model in
 * the library folder (`learned-tags.json`) and applying saved models again when the
 * library is tagged (docs/tagging.md, "Learned tags from the command line").
 *
 * [Note: a learned tag improves with the person's decisions]
 * A learned tag's id is `learned/<slug>`. Learning again uses as positives the examples
 * given now plus every file the person accepted the tag on, and as negatives the
 * counter-examples given now plus every file they rejected it on. Examples given are
 * recorded as accepted and counter-examples as rejected (source 'learned'), so the next
 * run starts from them without being told again.
 *
 * Why weights are read back by probing: both methods of learn.ts score a vector
 * linearly (the logistic logit bias + w·v, the prototype's cosine p·v), and learnTag
 * returns only the scorer. score(0) is the bias and score(e_i) − bias the i-th weight,
 * so the saved model is exact without changing learn.ts; a random vector checks it.
 */
import path from 'node:path';
import { inTurn, type LibraryStore, type MediaKey } from '../../../native/store/index.js';
import { LanternError } from '../../shared/errors.js';
import { readJsonFile, writeFileAtomic } from '../settings-file.js';
import { learnTag, MIN_EXAMPLES, type LearnMethod } from './learn.js';
import { mediaOfPaths } from './library-tags.js';
import { tagVideosFromFrames } from './video-tags.js';
import { slugify } from './vocabulary.js';

export const LEARNED_TAGS_FILE = 'learned-tags.json';

/** One learned tag as saved: a linear scorer and its threshold, for one model's vectors. */
export interface SavedLearnedTag {
  id: string;
  name: string;
  /** The model whose vectors it was learned on; another model's vectors mean nothing to it. */
  model: string;
  method: LearnMethod;
  threshold: number;
  bias: number;
  weights: number[];
  positives: number;
  negatives: number;
  learnedAt: number;
}

export interface LearnRequest {
  name: string;
  examples: readonly string[];
  negatives: readonly string[];
  method?: LearnMethod;
}

export interface LearnAnswer {
  tag: string;
  threshold: number;
  /** Files above the threshold that are neither examples nor counter-examples, best first. */
  suggested: { path: string; score: number }[];
}

export function learnedTagId(name: string): string {
  const slug = slugify(name);
  if (slug === '')
    throw new LanternError(
      'INVALID_INPUT',
      `"${name}" cannot name a learned tag; give it a name with a letter or digit.`,
    );
  return `learned/${slug}`;
}

export async function readLearnedTags(dbDir: string): Promise<SavedLearnedTag[]> {
  const file = path.join(dbDir, LEARNED_TAGS_FILE);
  const content = await readJsonFile(file);
  if (content.state === 'missing') return [];
  const tags = content.state === 'parsed' ? (content.value as { tags?: unknown }).tags : null;
  if (!Array.isArray(tags))
    throw new LanternError(
      'READ_FAILED',
      `${file} is damaged; move it aside and learn the tags again (\`npx lantern tags learn\`).`,
    );
  return tags as SavedLearnedTag[];
}

/** Adds or replaces one tag, after any save before it (two learned at once both stay). */
function saveLearnedTag(dbDir: string, tag: SavedLearnedTag): Promise<void> {
  return inTurn(`learned:${path.resolve(dbDir)}`, async () => {
    const others = (await readLearnedTags(dbDir)).filter((saved) => saved.id !== tag.id);
    const text = JSON.stringify({ version: 1, tags: [...others, tag] });
    await writeFileAtomic(path.join(dbDir, LEARNED_TAGS_FILE), text);
  });
}

/** Bias and weights of a linear scorer (see the file comment), checked on one vector. */
function linearModel(score: (v: Float32Array) => number, dim: number) {
  const probe = new Float32Array(dim);
  const bias = score(probe);
  const weights: number[] = [];
  for (let i = 0; i < dim; i++) {
    probe[i] = 1;
    weights.push(score(probe) - bias);
    probe[i] = 0;
  }
  const check = Float32Array.from({ length: dim }, (_, i) => Math.sin(i + 1));
  const error = Math.abs(score(check) - scoreWith({ bias, weights }, check));
  if (!(error < 1e-6 * (1 + Math.abs(score(check)))))
    throw new LanternError('INTERNAL', 'The learned tag is not linear; it cannot be saved.');
  return { bias, weights };
}

function scoreWith(model: { bias: number; weights: number[] }, v: Float32Array): number {
  let s = model.bias;
  for (let i = 0; i < model.weights.length; i++) s += (model.weights[i] ?? 0) * (v[i] ?? 0);
  return s;
}

const rounded = (score: number) => Math.round(score * 10_000) / 10_000;

/** Each distinct file content once: its first media row and stored vector. */
async function vectorsByHash(
  store: LibraryStore,
  media: readonly MediaKey[],
): Promise<Map<string, { row: MediaKey; vector: Float32Array }>> {
  const firsts = new Map<string, MediaKey>();
  for (const row of media) if (!firsts.has(row.hash)) firsts.set(row.hash, row);
  const rows = [...firsts.values()];
  const byHash = new Map<string, { row: MediaKey; vector: Float32Array }>();
  for (let i = 0; i < rows.length; i += 1000) {
    const part = rows.slice(i, i + 1000);
    const vectors = await store.getVectors(part.map((row) => row.id));
    // getVectors may drop a row removed meanwhile: pair them one by one then.
    const paired =
      vectors.length === part.length
        ? vectors
        : await Promise.all(part.map(async (row) => (await store.getVectors([row.id]))[0]));
    part.forEach((row, index) => {
      const vector = paired[index];
      if (vector) byHash.set(row.hash, { row, vector });
    });
  }
  return byHash;
}

/** Learn (or learn again) a tag, suggest it across the library and save it. */
export async function learnLibraryTag(
  store: LibraryStore,
  dbDir: string,
  model: string,
  request: LearnRequest,
): Promise<LearnAnswer> {
  const id = learnedTagId(request.name);
  const examples = await mediaOfPaths(store, request.examples);
  const counter = await mediaOfPaths(store, request.negatives);
  const given = new Set(examples.map((row) => row.hash));
  const positives = new Set([...given, ...(await store.tags.filesWithTag(id, ['accepted']))]);
  const negatives = new Set(counter.map((row) => row.hash));
  for (const hash of await store.tags.filesWithTag(id, ['rejected']))
    if (!given.has(hash)) negatives.add(hash);
  for (const hash of negatives) positives.delete(hash);
  const media = await store.listMedia();
  const library = await vectorsByHash(store, media);
  const vectorsOf = (hashes: Set<string>) =>
    [...hashes].flatMap((hash) => {
      const found = library.get(hash);
      return found ? [found.vector] : [];
    });
  const learned = learnTag(
    vectorsOf(positives),
    vectorsOf(negatives),
    [...library.values()].map((entry) => entry.vector),
    request.method ? { method: request.method } : {},
  );
  const dim = library.values().next().value?.vector.length ?? 0;
  const saved: SavedLearnedTag = {
    id,
    name: request.name,
    model,
    method: learned.method,
    threshold: learned.threshold,
    ...linearModel((v) => learned.score(v), dim),
    positives: positives.size,
    negatives: negatives.size,
    learnedAt: Date.now(),
  };
  await store.tags.setStates(
    [
      ...examples.map((row) => ({ hash: row.hash, tag: id, state: 'accepted' as const })),
      ...counter.map((row) => ({ hash: row.hash, tag: id, state: 'rejected' as const })),
    ].map((decision) => ({ ...decision, source: 'learned' as const })),
  );
  const scored = await suggestLearned(store, saved, library, new Set([...positives, ...negatives]));
  // Suggestions of an earlier model of this tag that the new one no longer makes go.
  const passed = new Set(scored.map((s) => s.hash));
  const stale = (await store.tags.filesWithTag(id, ['suggested'])).filter((h) => !passed.has(h));
  await store.tags.removeSuggestions(id, stale);
  await saveLearnedTag(dbDir, saved);
  const byHash = new Map(scored.map((s) => [s.hash, s.score]));
  const suggested = media
    .filter((row) => byHash.has(row.hash))
    .map((row) => ({ path: row.path, score: byHash.get(row.hash) ?? 0 }))
    .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
  return { tag: id, threshold: rounded(saved.threshold), suggested };
}

/**
 * Learn a saved tag again from the person's decisions alone (after they accepted or
 * rejected it on files: [Note: a learned tag improves with the person's decisions]), with
 * the name and method it was learned with. Null when the tag was never learned here (a
 * `learned/…` row without a saved model) or too few accepted files are left to learn
 * from: the decision stands, the earlier model and its suggestions stay.
 */
export async function relearnLibraryTag(
  store: LibraryStore,
  dbDir: string,
  model: string,
  id: string,
): Promise<LearnAnswer | null> {
  const saved = (await readLearnedTags(dbDir)).find((tag) => tag.id === id);
  if (!saved) return null;
  const accepted = await store.tags.filesWithTag(id, ['accepted']);
  if (accepted.length < MIN_EXAMPLES) return null;
  return learnLibraryTag(store, dbDir, model, {
    name: saved.name,
    examples: [],
    negatives: [],
    method: saved.method,
  });
}

/** Score files with a saved tag and suggest it on those at or above its threshold. */
async function suggestLearned(
  store: LibraryStore,
  tag: SavedLearnedTag,
  files: ReadonlyMap<string, { row: MediaKey; vector: Float32Array }>,
  skip: ReadonlySet<string>,
): Promise<{ hash: string; score: number; ranges?: Array<[number, number]> }[]> {
  // Videos with frames are decided frame by frame, with the ranges where the tag holds,
  // as the vocabulary's tags are (video-tags.ts).
  const videos = await tagVideosFromFrames(
    store,
    [...files.values()].map((file) => file.row),
    (vector) => {
      const score = scoreWith(tag, vector);
      return score >= tag.threshold ? [{ id: tag.id, score }] : [];
    },
  );
  const passed: { hash: string; score: number; ranges?: Array<[number, number]> }[] = [];
  for (const [hash, { row, vector }] of files) {
    if (skip.has(hash)) continue;
    const framed = videos.get(row.id);
    if (framed) {
      const [held] = framed;
      if (held) passed.push({ hash, score: held.score, ranges: held.ranges });
      continue;
    }
    const score = scoreWith(tag, vector);
    if (score >= tag.threshold) passed.push({ hash, score: rounded(score) });
  }
  // suggest() leaves rejected rows rejected and accepted ones accepted.
  await store.tags.suggest(
    passed.map((p) => ({ ...p, tag: tag.id, model: tag.model, source: 'learned' as const })),
  );
  return passed;
}

/**
 * Apply the library's saved learned tags of this model to these files (`lantern tag`).
 * Tags learned on another model are skipped and named, to be learned again.
 */
export async function applyLearnedTags(
  store: LibraryStore,
  dbDir: string,
  model: string,
  media: readonly MediaKey[],
): Promise<{ applied: string[]; otherModel: string[] }> {
  const saved = await readLearnedTags(dbDir);
  const usable = saved.filter((tag) => tag.model === model);
  if (usable.length > 0) {
    const files = await vectorsByHash(store, media);
    for (const tag of usable) await suggestLearned(store, tag, files, new Set());
  }
  return {
    applied: usable.map((tag) => tag.id),
    otherModel: saved.filter((tag) => tag.model !== model).map((tag) => tag.id),
  };
}

/** The names learned tags were given, by id (learned-tags.json). */
export async function learnedTagNames(dbDir: string): Promise<Map<string, string>> {
  return new Map((await readLearnedTags(dbDir)).map((tag) => [tag.id, tag.name]));
}
