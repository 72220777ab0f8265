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
import {
  backgroundSample,
  learnedThreshold,
  learnScorer,
  MIN_EXAMPLES,
  type LearnMethod,
} from './learn.js';
import { mediaOfPaths } from './library-tags.js';
import { vectorsOf } from './tagger.js';
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

/** Contents whose vectors are read at a time. */
const CONTENTS_PER_READ = 1000;
/** Contents a saved tag is applied to at a time (their scores held, one per tag). */
const CONTENTS_PER_PASS = 8192;

/** Each distinct file content once: its first media row, in the order given. */
function distinctContents(media: readonly MediaKey[]): MediaKey[] {
  const firsts = new Map<string, MediaKey>();
  for (const row of media) if (!firsts.has(row.hash)) firsts.set(row.hash, row);
  return [...firsts.values()];
}

/**
 * Hand `visit` each row's stored vector with its position, in order, reading
 * CONTENTS_PER_READ at a time (the next read under way while a part is visited) and
 * holding no more: [Note: a learned tag at scale].
 */
async function eachVector(
  store: LibraryStore,
  rows: readonly MediaKey[],
  visit: (index: number, vector: Float32Array) => void,
): Promise<void> {
  const read = (start: number) => vectorsOf(store, rows.slice(start, start + CONTENTS_PER_READ));
  let next = rows.length > 0 ? read(0) : null;
  for (let start = 0; next; start += CONTENTS_PER_READ) {
    const vectors = await next;
    const after = start + CONTENTS_PER_READ;
    next = after < rows.length ? read(after) : null;
    vectors.forEach((vector, i) => {
      if (vector) visit(start + i, vector);
    });
  }
}

/**
 * Learn (or learn again) a tag, suggest it across the library and save it.
 *
 * [Note: a learned tag at scale] Learning needs the examples' vectors, a sample of 200 of
 * the library's others to learn against, and every other vector's score to set the
 * threshold; suggesting needs every vector's score under the saved model. It held every
 * vector of the library at once, and its whole records (a library of 1 000 000 photos:
 * 2 GB of 512-float vectors alone). Now the library is listed as a tag run lists it
 * (id, hash, kind, duration), the sample is drawn by position (backgroundSample draws the
 * same whatever it is given) and only those vectors read, and one pass reads every
 * vector a thousand at a time, keeping two numbers for each: its score under the learned
 * scorer (for the threshold) and under the saved linear model (for the suggestions). The
 * answer's paths are read back by streaming path and hash. Applying saved tags
 * (applyLearnedTags) reads the files a part at a time alike.
 */
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
  const contents = distinctContents(await store.listTagTargets(() => true));
  // The marked files' vectors, and the background's sample, read by themselves.
  const marked = contents.filter((row) => positives.has(row.hash) || negatives.has(row.hash));
  const markedVectors = new Map<string, Float32Array>();
  (await vectorsOf(store, marked)).forEach((vector, i) => {
    if (vector) markedVectors.set(marked[i]!.hash, vector);
  });
  const vectorsIn = (hashes: Set<string>) =>
    [...hashes].flatMap((hash) => markedVectors.get(hash) ?? []);
  const exampleVectors = vectorsIn(positives);
  const background = contents.flatMap((row, i) => (positives.has(row.hash) ? [] : [i]));
  const sampled = backgroundSample(background).map((i) => contents[i]!);
  const learned = learnScorer(
    exampleVectors,
    vectorsIn(negatives),
    (await vectorsOf(store, sampled)).filter((vector) => vector !== undefined),
    request.method,
  );
  const linear = linearModel((v) => learned.score(v), exampleVectors[0]?.length ?? 0);
  const backgroundScores: number[] = [];
  const linearScores = new Float64Array(contents.length).fill(Number.NaN);
  await eachVector(store, contents, (i, vector) => {
    if (!positives.has(contents[i]!.hash)) backgroundScores.push(learned.score(vector));
    linearScores[i] = scoreWith(linear, vector);
  });
  const saved: SavedLearnedTag = {
    id,
    name: request.name,
    model,
    method: learned.method,
    threshold: learnedThreshold(learned.score, exampleVectors, backgroundScores),
    ...linear,
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
  const scored = await suggestLearned(
    store,
    saved,
    contents,
    (i) => linearScores[i]!,
    new Set([...positives, ...negatives]),
  );
  // Suggestions of an earlier model of this tag that the new one no longer makes go.
  const passed = new Set(scored.map((s) => s.hash));
  const stale = (await store.tags.filesWithTag(id, ['suggested'])).filter((h) => !passed.has(h));
  await store.tags.removeSuggestions(id, stale);
  await saveLearnedTag(dbDir, saved);
  const byHash = new Map(scored.map((s) => [s.hash, s.score]));
  const suggested: LearnAnswer['suggested'] = [];
  for await (const batch of store.pathsAndHashes())
    for (const row of batch) {
      const score = byHash.get(row.hash);
      if (score !== undefined) suggested.push({ path: row.path, score });
    }
  suggested.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
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

/**
 * Suggest a saved tag on the files at or above its threshold: a photo by its score
 * (`scoreOf` its position; NaN when its vector was not read), a video with frames by
 * them. Files whose content is in `skip` are left alone.
 */
async function suggestLearned(
  store: LibraryStore,
  tag: SavedLearnedTag,
  files: readonly MediaKey[],
  scoreOf: (index: number) => number,
  skip: ReadonlySet<string>,
): Promise<{ hash: string; score: number; ranges?: Array<[number, number]> }[]> {
  // Videos with frames are decided frame by frame, with the ranges where the tag holds,
  // as the vocabulary's tags are (video-tags.ts).
  const videos = await tagVideosFromFrames(store, files, (vector) => {
    const score = scoreWith(tag, vector);
    return score >= tag.threshold ? [{ id: tag.id, score }] : [];
  });
  const passed: { hash: string; score: number; ranges?: Array<[number, number]> }[] = [];
  files.forEach((row, i) => {
    if (skip.has(row.hash)) return;
    const framed = videos.get(row.id);
    if (framed) {
      const [held] = framed;
      if (held) passed.push({ hash: row.hash, score: held.score, ranges: held.ranges });
      return;
    }
    const score = scoreOf(i);
    if (score >= tag.threshold) passed.push({ hash: row.hash, score: rounded(score) });
  });
  // suggest() leaves rejected rows rejected and accepted ones accepted.
  await store.tags.suggest(
    passed.map((p) => ({ ...p, tag: tag.id, model: tag.model, source: 'learned' as const })),
  );
  return passed;
}

/**
 * Apply the library's saved learned tags of this model to these files (`lantern tag`),
 * CONTENTS_PER_PASS contents at a time ([Note: a learned tag at scale]). Tags learned on
 * another model are skipped and named, to be learned again.
 */
export async function applyLearnedTags(
  store: LibraryStore,
  dbDir: string,
  model: string,
  media: readonly MediaKey[],
): Promise<{ applied: string[]; otherModel: string[] }> {
  const saved = await readLearnedTags(dbDir);
  const usable = saved.filter((tag) => tag.model === model);
  const contents = usable.length > 0 ? distinctContents(media) : [];
  for (let start = 0; start < contents.length; start += CONTENTS_PER_PASS) {
    const part = contents.slice(start, start + CONTENTS_PER_PASS);
    const scores = usable.map(() => new Float64Array(part.length).fill(Number.NaN));
    await eachVector(store, part, (i, vector) => {
      usable.forEach((tag, t) => {
        scores[t]![i] = scoreWith(tag, vector);
      });
    });
    for (const [t, tag] of usable.entries())
      await suggestLearned(store, tag, part, (i) => scores[t]![i]!, new Set());
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
