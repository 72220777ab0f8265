/**
 * @file A model's own Hugging Face `tokenizer.json` (SigLIP, SigLIP 2, multilingual CLIP),
 * read by `@huggingface/tokenizers`, the tokenizer library of transformers.js: its
 * normaliser, pre-tokeniser, model (WordPiece, Unigram, BPE) and post-processor all come
 * from the file, so no model needs code of its own here. Runs in the engine; offline.
 *
 * [Note: tokenizer.json truncation] The library adds the post-processor's special tokens
 * but neither truncates nor pads. Lantern does both as the Hugging Face tokenizers do with
 * `truncation=True, padding='max_length'` (what open_clip's HFTokenizer and Immich ask
 * for): the text's own tokens are cut so that the tokens the post-processor adds
 * ([CLS] … [SEP], … </s>) still fit, then the row is padded with the manifest's pad token.
 * The post-processor's tokens are found by encoding each text with and without them, so
 * any template (BERT, RoBERTa, T5-style, none) is honoured without reading its config.
 */
import { readFileSync } from 'node:fs';
import * as tokenizersLibrary from '@huggingface/tokenizers';
import { LanternError } from '../../shared/errors.js';
import { cleanModelText, type TextCleanMode } from './text-fixes.js';
import type { TextTokenizer, TokenBatch } from './text-tokenizer.js';

/**
 * The part of the library's `Tokenizer` Lantern uses. The package's own declarations
 * import their modules without file extensions, which TypeScript's NodeNext resolution
 * cannot follow (its types come out as errors), so the shape is stated here.
 */
interface LibraryTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
  tokenize(text: string, options: { add_special_tokens: boolean }): string[];
  token_to_id(token: string): number | undefined;
}
const { Tokenizer } = tokenizersLibrary as unknown as {
  Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => LibraryTokenizer;
};

/** The token ids a post-processor puts around a text's own tokens. */
interface Framed {
  before: number[];
  content: number[];
  after: number[];
}

export class HfTokenizer implements TextTokenizer {
  constructor(
    private readonly tokenizer: LibraryTokenizer,
    private readonly clean: TextCleanMode,
  ) {}

  /** Read `file` (a tokenizer.json); MODEL_INVALID with what to do when it cannot be used. */
  static fromFile(file: string, clean: TextCleanMode): HfTokenizer {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw unusable(file, error);
    }
    return HfTokenizer.fromJson(json, clean, file);
  }

  static fromJson(json: unknown, clean: TextCleanMode, file = 'tokenizer.json'): HfTokenizer {
    try {
      // The second argument is tokenizer_config.json, which only tunes decoding and
      // clean-up of decoded text; Lantern never decodes.
      return new HfTokenizer(new Tokenizer(json as object, {}), clean);
    } catch (error) {
      throw unusable(file, error);
    }
  }

  /** The tokens of `text` after the manifest's clean-up, special tokens included (tests). */
  tokens(text: string): string[] {
    return this.tokenizer.tokenize(cleanModelText(text, this.clean), { add_special_tokens: true });
  }

  /** The id of a vocabulary entry, or undefined (tests, the toy generator). */
  idOf(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** See [Note: tokenizer.json truncation]. */
  encodeBatch(texts: readonly string[], contextLength: number, padToken: number): TokenBatch {
    const ids = new BigInt64Array(texts.length * contextLength).fill(BigInt(padToken));
    const mask = new BigInt64Array(texts.length * contextLength);
    texts.forEach((text, row) => {
      const { before, content, after } = this.frame(cleanModelText(text, this.clean));
      const room = Math.max(0, contextLength - before.length - after.length);
      const tokens = [...before, ...content.slice(0, room), ...after].slice(0, contextLength);
      tokens.forEach((token, col) => {
        ids[row * contextLength + col] = BigInt(token);
        mask[row * contextLength + col] = 1n;
      });
    });
    return { ids, mask };
  }

  private frame(text: string): Framed {
    const content = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    const full = this.tokenizer.encode(text, { add_special_tokens: true }).ids;
    const start = findRun(full, content);
    if (start < 0) return { before: [], content, after: [] }; // a post-processor that rewrites: none seen
    return {
      before: full.slice(0, start),
      content,
      after: full.slice(start + content.length),
    };
  }
}

/** First index where `run` appears in `ids` whole, or −1. */
function findRun(ids: readonly number[], run: readonly number[]): number {
  for (let start = 0; start + run.length <= ids.length; start++) {
    if (run.every((id, i) => ids[start + i] === id)) return start;
  }
  return -1;
}

function unusable(file: string, error: unknown): LanternError {
  const why = error instanceof Error ? error.message : String(error);
  return new LanternError(
    'MODEL_INVALID',
    `The tokenizer ${file} cannot be read (${why}); delete it and download the model again, or copy in the tokenizer.json published with the model.`,
  );
}
