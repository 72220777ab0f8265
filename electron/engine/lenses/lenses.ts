/**
 * @file The CLIP lenses on one photo (engine, plain Node): classify with the person's own
 * labels, describe with captions composed from the vocabulary, ask with candidate answers,
 * and score a generated image against its prompt (CLIPScore). Each is one application of
 * the library's CLIP model — its text encoder and the photo's stored vector (or the photo
 * encoded now when it is not in the library) — and nothing new is downloaded.
 * The arithmetic is in ranking.ts, the captions in captions.ts; docs/lenses.md explains.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readEmbeddedText } from '../../../native/image/index.js';
import { LanternError } from '../../shared/errors.js';
import type { LensDescription, LensRanking, LensScore, LensViewScore } from '../../shared/types.js';
import { mediaKindOf } from '../indexer/scan.js';
import type { Library } from '../library.js';
import { libraryVocabulary } from '../tags/library-vocabulary.js';
import { TagEmbeddingCache } from '../tags/tag-embeddings.js';
import { tagPrompts } from '../tags/vocabulary.js';
import { dot } from '../util/vectors.js';
import { composeCaptions } from './captions.js';
import { promptFromText, type FoundPrompt } from './prompt-text.js';
import { answerStatements, clipScore, embedLabels, rankCandidates } from './ranking.js';

/** Captions shown by default; the rest are weaker rewordings of the same tags. */
export const DEFAULT_CAPTIONS = 5;

/** Views scored at most in one folder: "views of one object" are a handful, not an album. */
export const MAX_VIEWS = 64;

/**
 * What classify, describe and ask look at: a photo's path, or a paused video frame (its PNG
 * bytes, vision/frames.ts) answered under the video's path.
 */
export type LensPhoto =
  string | { readonly path: string; readonly frame: Buffer; readonly name: string };

/** The path an answer names. */
const answerPath = (photo: LensPhoto) => (typeof photo === 'string' ? photo : photo.path);

/** The photo's stored vector or its embedding now; a frame is always embedded now. */
const embedPhoto = (library: Library, photo: LensPhoto) =>
  typeof photo === 'string'
    ? library.embedImageFile(photo)
    : library.embedImage(photo.frame, photo.name);

/** Zero-shot classification: each label's probability among the labels given. */
export async function classifyPhoto(
  library: Library,
  photo: LensPhoto,
  labels: readonly string[],
): Promise<LensRanking> {
  const image = await embedPhoto(library, photo);
  const vectors = await embedLabels(labels, (texts) => library.encoder.encodeTexts(texts));
  return { path: answerPath(photo), candidates: rankCandidates(image, labels, vectors) };
}

/** VQA by ranking: the answers, best first, each scored as "question answer". */
export async function askPhoto(
  library: Library,
  photo: LensPhoto,
  question: string,
  answers: readonly string[],
): Promise<LensRanking> {
  const image = await embedPhoto(library, photo);
  const vectors = await library.encoder.encodeTexts(answerStatements(question, answers));
  return { path: answerPath(photo), candidates: rankCandidates(image, answers, vectors) };
}

/**
 * Captions from the library's vocabulary, ranked by cosine. The tags' embeddings come
 * from the tagger's cache (tag-embeddings.ts), so after a tagging run only the few dozen
 * composed captions are encoded.
 */
export async function describePhoto(
  library: Library,
  photo: LensPhoto,
  limit = DEFAULT_CAPTIONS,
): Promise<LensDescription> {
  const image = await embedPhoto(library, photo);
  const encode = (texts: readonly string[]) => library.encoder.encodeTexts(texts);
  const vocabulary = await libraryVocabulary(library.dbDir);
  const cache = await TagEmbeddingCache.open(library.dbDir);
  const known = cache.size;
  const scored = [];
  for (const tag of vocabulary.tags) {
    if (tag.hidden) continue;
    const vector = await cache.vectorFor(library.encoder.id, tagPrompts(tag), encode);
    scored.push({ tag, cosine: dot(image, vector) });
  }
  if (cache.size > known && !library.readOnly) await cache.save();
  const composed = composeCaptions(scored);
  if (composed.length === 0)
    throw new LanternError(
      'NOT_FOUND',
      'The vocabulary has no visible tag to describe photos with; show some tags again in the Tags view.',
    );
  const texts = composed.map((caption) => caption.text);
  const ranked = rankCandidates(image, texts, await encode(texts));
  const tagsOf = new Map(composed.map((caption) => [caption.text, caption.tags]));
  return {
    path: answerPath(photo),
    captions: ranked
      .slice(0, limit)
      .map((candidate) => ({ ...candidate, tags: tagsOf.get(candidate.text) ?? [] })),
  };
}

/**
 * Prompt fidelity: CLIPScore of the image against the prompt given, or the one it carries
 * ([Note: where generators keep the prompt] in prompt-text.ts). For a folder, every image
 * directly in it is a view of one object and the score is their mean; the prompt, when not
 * given, is the first view's (by name) that carries one.
 */
export async function scorePrompt(
  library: Library,
  target: string,
  given?: string,
): Promise<LensScore> {
  const folder = await isFolder(target);
  const views = folder ? await viewsIn(target) : [target];
  const found: (FoundPrompt & { view?: string }) | null = given?.trim()
    ? { prompt: given.trim(), source: 'given' }
    : await firstPrompt(views);
  if (!found)
    throw new LanternError(
      'NOT_FOUND',
      `${path.basename(target)} carries no prompt (no PNG text chunk 'parameters', 'prompt' or 'Description', no EXIF description); type the prompt to score it against.`,
    );
  const [text] = await library.encoder.encodeTexts([found.prompt]);
  if (!text)
    throw new LanternError('INFERENCE_FAILED', 'The model returned no vector for the prompt.');
  const scores: LensViewScore[] = [];
  for (const view of views) {
    const cosine = dot(await library.embedImageFile(view), text);
    scores.push({ path: view, cosine, clipScore: clipScore(cosine) });
  }
  const mean = scores.reduce((sum, view) => sum + view.clipScore, 0) / scores.length;
  return {
    path: target,
    prompt: found.prompt,
    // In a folder, the source names the view the prompt was read from.
    promptSource:
      folder && found.view ? `${found.source} of ${path.basename(found.view)}` : found.source,
    clipScore: mean,
    views: scores,
  };
}

async function isFolder(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isDirectory();
  } catch {
    return false; // missing: the image read says so with its own sentence
  }
}

/** The images directly in a folder, by name; refused when none or more than MAX_VIEWS. */
async function viewsIn(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const images = entries
    .filter((entry) => entry.isFile() && mediaKindOf(entry.name) === 'image')
    .map((entry) => path.join(folder, entry.name))
    .sort();
  if (images.length === 0)
    throw new LanternError(
      'NOT_FOUND',
      `The folder ${folder} holds no images; give a folder of views of one object, or one image.`,
    );
  if (images.length > MAX_VIEWS)
    throw new LanternError(
      'INVALID_INPUT',
      `The folder ${folder} holds ${images.length} images; views of one object are at most ${MAX_VIEWS}. Score a smaller folder, or one image.`,
    );
  return images;
}

async function firstPrompt(
  views: readonly string[],
): Promise<(FoundPrompt & { view: string }) | null> {
  for (const view of views) {
    const found = promptFromText(await readEmbeddedText(view));
    if (found) return { ...found, view };
  }
  return null;
}
