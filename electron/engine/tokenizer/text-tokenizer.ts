/**
 * @file The one interface the text encoder and the prompt models tokenise through, and
 * the choice between its two implementations, made by the manifest's `text.tokenizer`:
 * `clip-bpe` (OpenAI CLIP's BPE, clip-bpe.ts) or `tokenizer-json` (the model's own
 * Hugging Face tokenizer.json, hf-tokenizer.ts). Runs in the engine.
 */
import { LanternError } from '../../shared/errors.js';
import type { ClipModel } from '../models/manifest.js';
import { ClipTokenizer } from './clip-bpe.js';
import { HfTokenizer } from './hf-tokenizer.js';

/** `[N, contextLength]` row-major token ids and the matching attention mask (1 = token). */
export interface TokenBatch {
  ids: BigInt64Array;
  mask: BigInt64Array;
}

export interface TextTokenizer {
  /**
   * Each text with the model's special tokens, truncated so its end token still fits,
   * padded with `padToken` to `contextLength`.
   */
  encodeBatch(texts: readonly string[], contextLength: number, padToken: number): TokenBatch;
}

/**
 * The tokenizer a CLIP-task model's manifest asks for. `clipVocabulary` is the bundled
 * BPE merges file; `tokenizerJson` the checked path of files.tokenizer (registry.ts).
 */
export function textTokenizerFor(
  model: Pick<ClipModel, 'id' | 'text'>,
  files: { clipVocabulary: string; tokenizerJson: string | null },
): TextTokenizer {
  if (model.text.tokenizer === 'clip-bpe') return ClipTokenizer.fromFile(files.clipVocabulary);
  if (files.tokenizerJson === null) {
    // The manifest schema refuses this already; a hand-built entry could still get here.
    throw new LanternError(
      'MODEL_INVALID',
      `Model ${model.id} reads a tokenizer.json but its models.json names none; add files.tokenizer to its entry.`,
    );
  }
  return HfTokenizer.fromFile(files.tokenizerJson, model.text.clean);
}
