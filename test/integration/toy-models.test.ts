/**
 * @file The toy CLIP of TOY_MODELS.md, end to end through the real tokenizer and
 * onnxruntime-node: generated into a temporary folder, loaded with native/onnx, and
 * checked to answer as documented (colour words match colours). Runs under vitest.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestSchema } from '../../electron/engine/models/manifest.js';
import type { ClipModel } from '../../electron/engine/models/manifest.js';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { loadSession, releaseSessions, runFloat } from '../../native/onnx/index.js';
import type { LoadedSession, OnnxError } from '../../native/onnx/index.js';
import { COLOUR_WORDS, TOY_CLIP_BIAS, TOY_COLOURS, colourVector } from '../toy-models/colours.js';
import type { Rgb } from '../toy-models/colours.js';
import { generateToyModels } from '../toy-models/generate.js';
import type { GeneratedToyModels } from '../toy-models/generate.js';
import { CLIP_VOCABULARY, readBundledSignature } from '../toy-models/toy-clip.js';

let dir: string;
let toy: GeneratedToyModels;
let model: ClipModel;
let vision: LoadedSession;
let text: LoadedSession;
const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lantern-toy-'));
  toy = await generateToyModels(dir);
  const entry = toy.manifest.models[0];
  if (entry?.task !== 'clip') throw new Error('toy-clip missing from the generated manifest');
  model = entry;
  vision = await loadSession(toy.visionPath, { provider: 'cpu' });
  text = await loadSession(toy.textPath, { provider: 'cpu' });
});

afterAll(async () => {
  await releaseSessions();
  await rm(dir, { recursive: true, force: true });
});

/** Solid-colour images, normalised as the manifest says: `(raw·rescale − mean) / std`. */
function solidImages(
  colours: readonly Rgb[],
  width = model.vision.size,
  height = width,
): Float32Array {
  const plane = width * height;
  const data = new Float32Array(colours.length * 3 * plane);
  colours.forEach((rgb, n) => {
    for (let c = 0; c < 3; c++) {
      const value =
        ((rgb[c] ?? 0) * model.vision.rescale - (model.vision.mean[c] ?? 0)) /
        (model.vision.std[c] ?? 1);
      data.fill(value, (n * 3 + c) * plane, (n * 3 + c + 1) * plane);
    }
  });
  return data;
}

async function embedImages(colours: readonly Rgb[], width?: number, height?: number) {
  const side = model.vision.size;
  const dims = [colours.length, 3, height ?? width ?? side, width ?? side];
  return runFloat(vision, {
    [model.vision.input]: { data: solidImages(colours, width, height), dims },
  });
}

async function embedTexts(texts: readonly string[]) {
  const { contextLength, padToken, input, attentionMask } = model.text;
  const { ids, mask } = tokenizer.encodeBatch(texts, contextLength, padToken);
  const dims = [texts.length, contextLength];
  const feeds = { [input]: { data: ids, dims } };
  if (attentionMask !== null) feeds[attentionMask] = { data: mask, dims };
  return runFloat(text, feeds);
}

function rows(data: Float32Array, size: number): Float32Array[] {
  return Array.from({ length: data.length / size }, (_, i) => {
    const row = data.slice(i * size, (i + 1) * size);
    const norm = Math.hypot(...row);
    return row.map((v) => v / norm);
  });
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);

describe('toy CLIP', () => {
  it('writes a models.json that parses and whose sizes and hashes match the files', async () => {
    const manifest = ManifestSchema.parse(JSON.parse(await readFile(toy.manifestPath, 'utf8')));
    const entry = manifest.models[0];
    expect(entry).toMatchObject({ id: 'toy-clip', task: 'clip', hidden: true });
    if (entry?.task !== 'clip') return;
    for (const file of [entry.files.vision, entry.files.text]) {
      const bytes = await readFile(join(dir, file.path));
      expect(file.size).toBe(bytes.byteLength);
      expect(file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('is deterministic: a second generation writes the same bytes', async () => {
    const again = await mkdtemp(join(tmpdir(), 'lantern-toy-'));
    try {
      const second = await generateToyModels(again);
      expect(second.manifest).toEqual(toy.manifest);
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });

  it('mirrors the signature of the bundled default CLIP model', () => {
    const real = readBundledSignature();
    expect(model.vision).toEqual(real.vision);
    expect(model.text).toEqual({ tokenizer: 'clip-bpe', ...real.text });
    expect(model.embeddingSize).toBe(real.embeddingSize);
    expect(vision.inputNames).toEqual([real.vision.input]);
    expect(vision.outputNames).toEqual([real.vision.output]);
    const textInputs = [
      real.text.input,
      ...(real.text.attentionMask === null ? [] : [real.text.attentionMask]),
    ];
    expect(text.inputNames).toEqual(textInputs);
    expect(text.outputNames).toEqual([real.text.output]);
    expect(vision.inputs[0]).toMatchObject({ type: 'float32', shape: ['N', 3, 'H', 'W'] });
    expect(text.inputs[0]).toMatchObject({ type: 'int64', shape: ['N', real.text.contextLength] });
  });

  it('embeds a solid blue image as [v(blue), 0.1, 0, …]', async () => {
    const { data, dims } = await embedImages([TOY_COLOURS.blue]);
    expect(dims).toEqual([1, model.embeddingSize]);
    const expected = colourVector(TOY_COLOURS.blue);
    expected.forEach((v, i) => expect(data[i]).toBeCloseTo(v, 4));
    expect(data[3]).toBeCloseTo(TOY_CLIP_BIAS, 6);
    expect(data.slice(4).every((v) => v === 0)).toBe(true);
  });

  it('accepts any image size (H and W are symbolic)', async () => {
    const { data } = await embedImages([TOY_COLOURS.red], 37, 23);
    colourVector(TOY_COLOURS.red).forEach((v, i) => expect(data[i]).toBeCloseTo(v, 4));
  });

  it('embeds "a photo of a blue car" as v(blue) and a colourless text as the bias alone', async () => {
    const { data, dims } = await embedTexts(['a photo of a blue car', 'a photo of a car']);
    expect(dims).toEqual([2, model.embeddingSize]);
    colourVector(TOY_COLOURS.blue).forEach((v, i) => expect(data[i]).toBeCloseTo(v, 5));
    expect(data[3]).toBeCloseTo(TOY_CLIP_BIAS, 6);
    const second = data.subarray(model.embeddingSize, model.embeddingSize + 4);
    expect([...second].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 0, 0, TOY_CLIP_BIAS]);
  });

  it('ranks the image of each colour first for that colour word', async () => {
    const size = model.embeddingSize;
    const images = rows((await embedImages(COLOUR_WORDS.map((w) => TOY_COLOURS[w]))).data, size);
    const words = rows((await embedTexts(COLOUR_WORDS)).data, size);
    words.forEach((query, q) => {
      const scores = images.map((image) => dot(query, image));
      const best = scores.indexOf(Math.max(...scores));
      expect(COLOUR_WORDS[best], `query "${COLOUR_WORDS[q]}"`).toBe(COLOUR_WORDS[q]);
    });
  });

  it('rejects token ids that are not padded to the context length', async () => {
    const ids = BigInt64Array.from([49406n, 1746n, 49407n]);
    const feeds = { [model.text.input]: { data: ids, dims: [1, 3] } };
    if (model.text.attentionMask !== null)
      feeds[model.text.attentionMask] = { data: ids.map(() => 1n), dims: [1, 3] };
    const error = await runFloat(text, feeds).then(
      () => null,
      (e: unknown) => e as OnnxError,
    );
    expect(error?.code).toBe('INFERENCE_FAILED');
    expect(error?.message).toContain(toy.textPath);
  });
});
