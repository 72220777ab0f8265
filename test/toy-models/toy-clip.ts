/**
 * @file The toy CLIP of `TOY_MODELS.md`: two tiny ONNX graphs whose signature mirrors
 * the bundled default CLIP export and whose answer is predictable — an image embeds
 * as its mean colour, a text as the sum of its colour words, both as
 * `[v(c), 0.1, 0, …, 0]`. Built by the toy-model generator (plain Node, test time).
 *
 * [Note: toy signature] Tensor names, the vision preprocessing and the text context
 * length are read from the first `clip` model of `resources/models.json`, so the toy
 * fails where the real export would fail: a wrong input name, a wrong context length
 * (the text input's length is a fixed dimension, checked by onnxruntime) or a missing
 * attention mask.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestSchema } from '../../electron/engine/models/manifest.js';
import { findResourcesDir } from '../../electron/engine/models/registry.js';
import type { ClipModel } from '../../electron/engine/models/manifest.js';
import type { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { COLOUR_WORDS, TOY_CLIP_BIAS, TOY_COLOURS, colourVector } from './colours.js';
import type { ColourWord } from './colours.js';
import { GraphBuilder } from './onnx-writer.js';

// Found as the engine finds them (walking up from the running file), so the paths also
// hold inside the bench bundle out/bench.js, where a path relative to this file would not.
export const BUNDLED_MANIFEST = path.join(findResourcesDir(), 'models.json');
export const CLIP_VOCABULARY = path.join(findResourcesDir(), 'tokenizers', 'clip-bpe-16e6.txt.gz');

/** What the toy copies from the real export. */
export interface ToyClipSignature {
  embeddingSize: number;
  vision: ClipModel['vision'];
  text: Omit<ClipModel['text'], 'tokenizer'>;
  /** Where the figures came from, for the generated manifest's notes. */
  origin: string;
}

/**
 * Used while `resources/models.json` does not exist yet: the names of the Hugging Face
 * CLIP ONNX exports and OpenAI CLIP's preprocessing (mean/std from openai/CLIP
 * `clip/clip.py`, `_transform`; 224 px, bicubic, resize shortest side then centre crop).
 */
export const FALLBACK_SIGNATURE: ToyClipSignature = {
  embeddingSize: 512,
  vision: {
    size: 224,
    resize: 'shortest-crop',
    interpolation: 'bicubic',
    rescale: 1 / 255,
    mean: [0.48145466, 0.4578275, 0.40821073],
    std: [0.26862954, 0.26130258, 0.27577711],
    input: 'pixel_values',
    output: 'image_embeds',
  },
  text: {
    clean: 'none',
    contextLength: 77,
    input: 'input_ids',
    attentionMask: null,
    output: 'text_embeds',
    padToken: 49407,
    padding: 'longest',
  },
  origin: 'fallback (resources/models.json was absent)',
};

/** The signature of the bundled default CLIP model (the manifest's first `clip` entry). */
export function readBundledSignature(manifestPath = BUNDLED_MANIFEST): ToyClipSignature {
  if (!existsSync(manifestPath)) return FALLBACK_SIGNATURE;
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  const clip = manifest.models.find((m): m is ClipModel => m.task === 'clip');
  if (!clip) return FALLBACK_SIGNATURE;
  const { contextLength, input, attentionMask, output, padToken, padding } = clip.text;
  return {
    embeddingSize: clip.embeddingSize,
    vision: clip.vision,
    text: { clean: 'none', contextLength, input, attentionMask, output, padToken, padding },
    origin: `signature of ${clip.id} in resources/models.json`,
  };
}

/** The token id of each colour word; each must be exactly one CLIP BPE token (TOY_MODELS.md). */
export function colourTokenIds(tokenizer: ClipTokenizer): Map<ColourWord, number> {
  const ids = new Map<ColourWord, number>();
  for (const word of COLOUR_WORDS) {
    const tokens = tokenizer.encode(word);
    const [id] = tokens;
    if (tokens.length !== 1 || id === undefined) {
      throw new Error(`The colour word "${word}" is ${tokens.length} CLIP tokens; it must be one.`);
    }
    ids.set(word, id);
  }
  return ids;
}

/** `[N,3]` → `[N,E]`: pad with zeros, then add the bias (0.1 at index 3). */
function embedColour(g: GraphBuilder, colour: string, embeddingSize: number, output: string): void {
  if (embeddingSize < 4) throw new Error(`A toy CLIP embedding needs at least 4 values.`);
  const padded = g.op('Pad', [colour, g.int64s([0, 0, 0, embeddingSize - 3])], {
    mode: 'constant',
  });
  const bias = new Float32Array(embeddingSize);
  bias[3] = TOY_CLIP_BIAS;
  g.node('Add', [padded, g.initializer('embedding_bias', bias, [embeddingSize])], [output]);
  g.output(output, 'float32', ['N', embeddingSize]);
}

/**
 * Image encoder: undo the normalisation back to 0..1 colour, average over H and W,
 * subtract 0.5, embed. The preprocessing computed `x = (raw·rescale − mean) / std`,
 * so `raw / 255 = (x·std + mean) / (rescale·255)`; the two steps fold into one
 * per-channel scale and offset.
 */
export function buildToyClipVision(sig: ToyClipSignature): GraphBuilder {
  const { vision } = sig;
  const g = new GraphBuilder('toy_clip_vision');
  const pixels = g.input(vision.input, 'float32', ['N', 3, 'H', 'W']);
  const toUnit = 1 / (vision.rescale * 255);
  const scale = g.constant(
    vision.std.map((s) => s * toUnit),
    [1, 3, 1, 1],
  );
  const offset = g.constant(
    vision.mean.map((m) => m * toUnit),
    [1, 3, 1, 1],
  );
  const colour = g.op('Add', [g.op('Mul', [pixels, scale]), offset]);
  // Opset 17 ReduceMean still takes its axes as an attribute (an input from opset 18).
  const mean = g.op('ReduceMean', [colour], { axes: [2, 3], keepdims: 0 });
  const centred = g.op('Sub', [mean, g.constant(0.5)]);
  embedColour(g, centred, sig.embeddingSize, vision.output);
  return g;
}

/**
 * Text encoder: look every token up in a `[vocab, 3]` table that holds `v(c_w)` for
 * the colour words and 0 elsewhere (start, end and pad tokens included), mask, sum
 * over the sequence, embed.
 */
export function buildToyClipText(sig: ToyClipSignature, tokenizer: ClipTokenizer): GraphBuilder {
  const { text } = sig;
  const g = new GraphBuilder('toy_clip_text');
  const ids = g.input(text.input, 'int64', ['N', text.contextLength]);
  const table = new Float32Array(tokenizer.vocabSize * 3);
  for (const [word, id] of colourTokenIds(tokenizer))
    table.set(colourVector(TOY_COLOURS[word]), id * 3);
  const tableName = g.initializer('colour_table', table, [tokenizer.vocabSize, 3]);
  let perToken = g.op('Gather', [tableName, ids], { axis: 0 });
  if (text.attentionMask !== null) {
    const mask = g.input(text.attentionMask, 'int64', ['N', text.contextLength]);
    const maskFloat = g.op('Cast', [mask], { to: 1 }); // 1 = TensorProto.FLOAT
    perToken = g.op('Mul', [perToken, g.op('Unsqueeze', [maskFloat, g.int64s([2])])]);
  }
  const sum = g.op('ReduceSum', [perToken, g.int64s([1])], { keepdims: 0 });
  embedColour(g, sum, sig.embeddingSize, text.output);
  return g;
}
