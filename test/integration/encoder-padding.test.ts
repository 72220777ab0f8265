/**
 * @file `text.padding: "longest"` ([Note: padding to the longest text]): a causal text
 * encoder pooled at the end token (the bench's ViT-B/32 text graph, small, with the
 * Hugging Face export's dynamic sequence length) gives the same vectors padded to the
 * batch's longest text as padded to the context length; the encoder really feeds the
 * shorter batch; an export with a fixed sequence length still gets the full length.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseSessions } from '../../native/onnx/index.js';
import { GraphBuilder, writeModel } from '../toy-models/onnx-writer.js';
import { readBundledSignature } from '../toy-models/toy-clip.js';
import { loadTextEncoder } from '../fixtures/text-encoder.js';
import { buildTextEncoder } from '../bench/vit-model.js';

const CONTEXT = 77;
const TEXTS = ['a dog', '', 'a photo of a red car parked on a sunny beach at dusk', 'blue'];

/** text_embeds [N,2] = [sequence length fed, 1]: says how long the batch was. */
function lengthGraph(sequence: number | 'L'): GraphBuilder {
  const g = new GraphBuilder('sequence_length');
  const ids = g.input('input_ids', 'int64', ['N', sequence]);
  const length = g.op('Cast', [g.op('Gather', [g.op('Shape', [ids]), g.int64(1)], { axis: 0 })], {
    to: 1,
  });
  const zeros = g.op(
    'ReduceSum',
    [g.op('Mul', [g.op('Cast', [ids], { to: 1 }), g.constant(0)]), g.int64s([1])],
    {
      keepdims: 1,
    },
  );
  const columns = [g.op('Add', [zeros, length]), g.op('Add', [zeros, g.constant(1)])];
  g.node('Concat', columns, ['text_embeds'], { axis: 1 });
  g.output('text_embeds', 'float32', ['N', 2]);
  return g;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lantern-padding-'));
  const sig = readBundledSignature();
  const small = { width: 64, layers: 2, heads: 4, mlp: 256 };
  await writeModel(join(dir, 'causal.onnx'), buildTextEncoder(sig, 2, { shape: small }));
  await writeModel(join(dir, 'length-dynamic.onnx'), lengthGraph('L'));
  await writeModel(join(dir, 'length-fixed.onnx'), lengthGraph(CONTEXT));
});
afterAll(async () => {
  await releaseSessions();
  await rm(dir, { recursive: true, force: true });
});

function encoder(file: string, padding: 'longest' | 'max_length', dim: number) {
  return loadTextEncoder({
    dir,
    textFile: file,
    id: `${file}-${padding}`,
    embeddingSize: dim,
    text: { contextLength: CONTEXT, padToken: 49407, padding },
  });
}

/** Token count fed per text, read back from the length graph's normalised [L, 1]. */
function fedLength(vector: Float32Array): number {
  return Math.round(vector[0]! / vector[1]!);
}

describe('padding a batch to its longest text', () => {
  it('gives the vectors of full-length padding on a causal encoder pooled at the end token', async () => {
    const longest = await encoder('causal.onnx', 'longest', 512);
    const full = await encoder('causal.onnx', 'max_length', 512);
    const trimmed = await longest.encodeTexts(TEXTS);
    const padded = await full.encodeTexts(TEXTS);
    for (const [i, vector] of trimmed.entries()) {
      let worst = 0;
      for (let d = 0; d < vector.length; d++)
        worst = Math.max(worst, Math.abs(vector[d]! - padded[i]![d]!));
      expect(worst, TEXTS[i]).toBeLessThan(1e-5);
    }
    // A text alone is padded to itself: still the same vector.
    const [alone] = await longest.encodeTexts([TEXTS[0]!]);
    for (let d = 0; d < alone!.length; d++) expect(alone![d]).toBeCloseTo(padded[0]![d]!, 5);
    await Promise.all([longest.close(), full.close()]);
  });

  it('feeds only as many tokens as the longest text has', async () => {
    const longest = await encoder('length-dynamic.onnx', 'longest', 2);
    // "a dog": start, a, dog, end; the long sentence: start, 13 words, end.
    expect((await longest.encodeTexts(['a dog'])).map(fedLength)).toEqual([4]);
    expect((await longest.encodeTexts(TEXTS)).map(fedLength)).toEqual([15, 15, 15, 15]);
    const full = await encoder('length-dynamic.onnx', 'max_length', 2);
    expect((await full.encodeTexts(['a dog'])).map(fedLength)).toEqual([CONTEXT]);
    await Promise.all([longest.close(), full.close()]);
  });

  it('feeds the full context length to an export whose sequence length is fixed', async () => {
    const fixed = await encoder('length-fixed.onnx', 'longest', 2);
    expect((await fixed.encodeTexts(['a dog'])).map(fedLength)).toEqual([CONTEXT]);
    await fixed.close();
  });
});
