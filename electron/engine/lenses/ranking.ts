/**
 * @file How a CLIP lens ranks texts against one photo (engine, plain Node): cosine, a
 * softmax at CLIP's logit scale, the prompt ensembles for labels and the statements for
 * answers. Pure arithmetic over vectors the caller embedded, so it is unit-tested alone.
 *
 * [Note: CLIP's logit scale]
 * CLIP is trained with a learned temperature: the logits are cos·exp(t), and exp(t) is
 * clipped at 100 during training (Radford et al. 2021, "Learning Transferable Visual
 * Models From Natural Language Supervision", §2.5); the released OpenAI checkpoints end at
 * that clip (openai/CLIP model.py, `logit_scale.exp()` = 100). Zero-shot classification is
 * softmax(100·cos) over the labels (the paper's Figure 3 and its zero-shot notebook). The
 * ONNX exports Lantern loads output only the embeddings, not the scale, so it is this
 * constant. For a SigLIP model the scale and its sigmoid differ: its probabilities read as
 * shares of this softmax, not as SigLIP's own; the ranking is the same.
 */
import { tagEmbedding, type EncodeText } from '../tags/tag-embeddings.js';
import { GENERIC_TEMPLATES, PLACEHOLDER } from '../tags/vocabulary.js';
import { dot } from '../util/vectors.js';
import type { LensCandidate } from '../../shared/types.js';

/** CLIP's logit scale: see [Note: CLIP's logit scale]. */
export const CLIP_LOGIT_SCALE = 100;

/** softmax(scale·x), computed stably (the largest logit subtracted first). */
export function softmax(values: readonly number[], scale = CLIP_LOGIT_SCALE): number[] {
  if (values.length === 0) return [];
  const logits = values.map((v) => v * scale);
  const top = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Candidates best first: each text's cosine with the photo (both vectors unit length) and
 * its softmax share. Ties keep the caller's order, so a ranking is reproducible.
 */
export function rankCandidates(
  image: Float32Array,
  texts: readonly string[],
  vectors: readonly Float32Array[],
): LensCandidate[] {
  const cosines = vectors.map((vector) => dot(image, vector));
  const probabilities = softmax(cosines);
  return texts
    .map((text, i) => ({ text, cosine: cosines[i] ?? 0, probability: probabilities[i] ?? 0 }))
    .sort((a, b) => b.cosine - a.cosine);
}

/**
 * The prompts a label is embedded from: the photo part of CLIP's ImageNet ensemble
 * (GENERIC_TEMPLATES, as the tagger uses for a tag without templates of its own). A label
 * that already reads as a sentence (it has a space and starts with "a "/"an "/"the ", or
 * ends with a full stop) is taken as its own prompt.
 */
export function labelPrompts(label: string): string[] {
  const text = label.trim().replace(/\s+/g, ' ');
  if (/^(a|an|the) \S/i.test(text) || text.endsWith('.')) return [text];
  return [...new Set(GENERIC_TEMPLATES.map((t) => t.replaceAll(PLACEHOLDER, text.toLowerCase())))];
}

/** One vector per label: the mean of its prompts' embeddings (prompt ensembling, tag-embeddings.ts). */
export async function embedLabels(
  labels: readonly string[],
  encodeText: EncodeText,
): Promise<Float32Array[]> {
  const vectors: Float32Array[] = [];
  for (const label of labels) vectors.push(await tagEmbedding(labelPrompts(label), encodeText));
  return vectors;
}

/**
 * VQA by ranking: each answer becomes the statement "question answer" ("what colour is
 * it? red"), and the statements are ranked against the photo. CLIP has no reader for
 * questions; what it scores is how well the whole text describes the photo, and the
 * question's words are shared by every statement, so the answers decide the order
 * (the zero-shot idea of Song et al. 2022, "CLIP Models are Few-Shot Learners: Empirical
 * Studies on VQA and Visual Entailment", ACL: turn question and answer into one statement).
 */
export function answerStatements(question: string, answers: readonly string[]): string[] {
  const asked = question.trim().replace(/\s+/g, ' ');
  return answers.map((answer) => `${asked} ${answer.trim().replace(/\s+/g, ' ')}`);
}

/** CLIPScore = w·max(cos, 0) with w = 2.5 (Hessel et al. 2021, "CLIPScore", §3). */
export const CLIPSCORE_WEIGHT = 2.5;

export function clipScore(cosine: number): number {
  return CLIPSCORE_WEIGHT * Math.max(cosine, 0);
}
