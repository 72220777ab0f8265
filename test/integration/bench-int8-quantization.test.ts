/**
 * @file The int8 bench model's quantisation ([Note: dynamic int8 quantisation] in
 * test/bench/transformer.ts), checked on small encoders built by the very generator
 * code of `bench-vit-b32-int8` (2 layers, width 64): the quantised graphs load in
 * onnxruntime-node, are integer graphs (MatMulInteger, ConvInteger, a quantised
 * embedding table; about a quarter of the fp32 bytes) and compute what the fp32 graphs
 * compute. Agreement is judged against how different the inputs' embeddings are from
 * each other, because random-weight encoders map all inputs into a narrow cone where
 * any two outputs have a high cosine.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSession, releaseSessions, runFloat } from '../../native/onnx/index.js';
import type { InputTensor, LoadedSession } from '../../native/onnx/index.js';
import { GraphBuilder, writeModel } from '../toy-models/onnx-writer.js';
import { readBundledSignature } from '../toy-models/toy-clip.js';
import { Prng } from '../bench/measure.js';
import { quantizedConv, quantizedGather, quantizedMatMul } from '../bench/transformer.js';
import type { DynamicQuant } from '../bench/transformer.js';
import {
  IMAGE_QUANT,
  TEXT_QUANT,
  buildTextEncoder,
  buildVisionEncoder,
  SMALL_SHAPE as SMALL,
} from '../bench/vit-model.js';

const BATCH = 4;
const SIDE = 224;
const CONTEXT = 77;

function rows(data: Float32Array, width: number): Float32Array[] {
  return Array.from({ length: data.length / width }, (_, i) =>
    data.subarray(i * width, (i + 1) * width),
  );
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** Each row minus the mean row: what tells one input's embedding from another's. */
function centred(list: Float32Array[]): Float32Array[] {
  const mean = new Float32Array(list[0]!.length);
  for (const row of list) for (let i = 0; i < row.length; i++) mean[i]! += row[i]! / list.length;
  return list.map((row) => row.map((v, i) => v - mean[i]!));
}

/**
 * int8 must agree with fp32 on every input (cosine ≥ 0.99), and also after the
 * shared direction is removed (centred cosine ≥ 0.9), and each int8 embedding must be
 * nearer its own fp32 embedding than any other input's.
 */
function expectAgreement(fp32: Float32Array[], int8: Float32Array[]): void {
  const plain = fp32.map((row, i) => cosine(row, int8[i]!));
  const c32 = centred(fp32);
  const c8 = centred(int8);
  const specific = c32.map((row, i) => cosine(row, c8[i]!));
  for (const value of plain) expect(value).toBeGreaterThanOrEqual(0.99);
  for (const value of specific) expect(value).toBeGreaterThanOrEqual(0.9);
  int8.forEach((row, i) => {
    const own = cosine(row, fp32[i]!);
    fp32.forEach((other, j) => {
      if (j !== i) expect(own).toBeGreaterThan(cosine(row, other));
    });
  });
}

/** Largest |a − b| over the largest |a|: the error relative to the output's scale. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let top = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    top = Math.max(top, Math.abs(a[i]!));
  }
  return err / top;
}

/**
 * One quantised op against the same op in float, computed here. The weights' columns
 * differ in scale by 1000× and in offset, so a scale on the wrong axis, a lost zero point
 * or a missing dequantisation shows at once (the encoders' LayerNorms would hide them).
 */
describe('quantised ops match float arithmetic', () => {
  const rng = new Prng(3);
  const [rowsIn, cols] = [16, 8];
  const weight = Float32Array.from({ length: rowsIn * cols }, (_, i) => {
    const column = i % cols;
    return (
      (rng.next() - 0.3) * 10 ** ((column % 4) - 2) + (column % 2) * 0.5 * 10 ** ((column % 4) - 2)
    );
  });
  const x = Float32Array.from({ length: 2 * rowsIn }, () => rng.next() * 4 - 1);
  const expected = new Float32Array(2 * cols);
  for (let r = 0; r < 2; r++)
    for (let c = 0; c < cols; c++)
      for (let k = 0; k < rowsIn; k++)
        expected[r * cols + c]! += x[r * rowsIn + k]! * weight[k * cols + c]!;

  async function runOne(build: (g: GraphBuilder) => string, feeds: Record<string, InputTensor>) {
    const g = new GraphBuilder('one_op');
    for (const [name, t] of Object.entries(feeds))
      g.input(name, t.data instanceof BigInt64Array ? 'int64' : 'float32', t.dims);
    g.node('Identity', [build(g)], ['y']);
    g.output('y', 'float32', ['A', 'B']);
    const dir = await mkdtemp(join(tmpdir(), 'lantern-int8-op-'));
    try {
      await writeModel(join(dir, 'op.onnx'), g);
      const session = await loadSession(join(dir, 'op.onnx'), { provider: 'cpu' });
      return (await runFloat(session, feeds, 'y')).data;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  for (const quant of [IMAGE_QUANT, TEXT_QUANT] as DynamicQuant[]) {
    it(`MatMul with ${quant.weights} weights per column`, async () => {
      const y = await runOne((g) => quantizedMatMul(g, 'x', weight, [rowsIn, cols], 'w', quant), {
        x: { data: x, dims: [2, rowsIn] },
      });
      // Per column, each output is within ~1 % of that column's own scale.
      for (let c = 0; c < cols; c++) {
        const column = (a: Float32Array) => Float32Array.from([a[c]!, a[cols + c]!]);
        expect(relativeError(column(expected), column(y))).toBeLessThan(0.05);
      }
    });
  }

  it('Gather of a quantised table returns the rows', async () => {
    const ids = BigInt64Array.from([0n, 5n, 15n, 7n]);
    const y = await runOne(
      (g) => quantizedGather(g, weight, [rowsIn, cols], 'ids', 'table', TEXT_QUANT),
      { ids: { data: ids, dims: [4] } },
    );
    const want = Float32Array.from(
      [...ids].flatMap((id) => [...weight.subarray(Number(id) * cols, (Number(id) + 1) * cols)]),
    );
    expect(relativeError(want, y)).toBeLessThan(0.02);
  });

  it('ConvInteger patch embedding matches the float convolution', async () => {
    // A 2-channel 4×4 image, 2×2 patches, 3 output channels: a MatMul per patch.
    const kernel = Float32Array.from({ length: 3 * 2 * 2 * 2 }, () => rng.next() - 0.4);
    const image = Float32Array.from({ length: 2 * 4 * 4 }, () => rng.next() * 3 - 1);
    const y = await runOne(
      (g) =>
        g.op('Reshape', [
          quantizedConv(g, 'img', kernel, [3, 2, 2, 2], 'k', IMAGE_QUANT, {
            kernel_shape: [2, 2],
            strides: [2, 2],
          }),
          g.int64s([3, 4]),
        ]),
      { img: { data: image, dims: [1, 2, 4, 4] } },
    );
    const want = new Float32Array(12);
    for (let o = 0; o < 3; o++)
      for (let py = 0; py < 2; py++)
        for (let px = 0; px < 2; px++)
          for (let c = 0; c < 2; c++)
            for (let ky = 0; ky < 2; ky++)
              for (let kx = 0; kx < 2; kx++)
                want[o * 4 + py * 2 + px]! +=
                  kernel[((o * 2 + c) * 2 + ky) * 2 + kx]! *
                  image[(c * 4 + py * 2 + ky) * 4 + px * 2 + kx]!;
    expect(relativeError(want, y)).toBeLessThan(0.05);
  });
});

describe('bench-vit-b32-int8 quantisation (small encoders from the same generator)', () => {
  const sig = readBundledSignature();
  let dir: string;
  const sessions: Record<string, LoadedSession> = {};
  const sizes: Record<string, number> = {};
  const files: Record<string, Buffer> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lantern-int8-'));
    const graphs = {
      vision: buildVisionEncoder(sig, 1, { shape: SMALL }),
      visionInt8: buildVisionEncoder(sig, 1, { shape: SMALL, quant: IMAGE_QUANT }),
      text: buildTextEncoder(sig, 2, { shape: SMALL }),
      textInt8: buildTextEncoder(sig, 2, { shape: SMALL, quant: TEXT_QUANT }),
    };
    for (const [name, graph] of Object.entries(graphs)) {
      const path = join(dir, `${name}.onnx`);
      sizes[name] = (await writeModel(path, graph)).size;
      files[name] = await readFile(path);
      sessions[name] = await loadSession(path, { provider: 'cpu' });
    }
  });

  afterAll(async () => {
    await releaseSessions();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores integer weights: about a quarter of the fp32 file, integer ops', () => {
    expect(sizes.visionInt8! / sizes.vision!).toBeLessThan(0.3);
    expect(sizes.textInt8! / sizes.text!).toBeLessThan(0.3);
    for (const op of ['DynamicQuantizeLinear', 'MatMulInteger', 'ConvInteger'])
      expect(files.visionInt8!.includes(op)).toBe(true);
    expect(files.textInt8!.includes('DequantizeLinear')).toBe(true);
    expect(files.vision!.includes('MatMulInteger')).toBe(false);
  });

  it('image: int8 embeddings agree with fp32 on each input', async () => {
    const rng = new Prng(7);
    // Smooth random images (a colour per 32-px patch plus noise), normalised range.
    const pixels = new Float32Array(BATCH * 3 * SIDE * SIDE);
    for (let n = 0; n < BATCH; n++)
      for (let c = 0; c < 3; c++) {
        const base = rng.next() * 3 - 1.5;
        for (let i = 0; i < SIDE * SIDE; i++)
          pixels[(n * 3 + c) * SIDE * SIDE + i] = base + (rng.next() - 0.5) * 0.8;
      }
    const feeds = { [sig.vision.input]: { data: pixels, dims: [BATCH, 3, SIDE, SIDE] } };
    const fp32 = await runFloat(sessions.vision!, feeds, sig.vision.output);
    const int8 = await runFloat(sessions.visionInt8!, feeds, sig.vision.output);
    expectAgreement(rows(fp32.data, 512), rows(int8.data, 512));
  });

  it('text: int8 embeddings agree with fp32 on each input', async () => {
    const rng = new Prng(11);
    const ids = new BigInt64Array(BATCH * CONTEXT).fill(49407n); // padded with <|endoftext|>
    for (let n = 0; n < BATCH; n++) {
      const length = 3 + n * 2;
      ids[n * CONTEXT] = 49406n; // <|startoftext|>
      for (let t = 1; t <= length; t++)
        ids[n * CONTEXT + t] = BigInt(Math.floor(rng.next() * 49000));
    }
    const feeds = { [sig.text.input]: { data: ids, dims: [BATCH, CONTEXT] } };
    const fp32 = await runFloat(sessions.text!, feeds, sig.text.output);
    const int8 = await runFloat(sessions.textInt8!, feeds, sig.text.output);
    expectAgreement(rows(fp32.data, 512), rows(int8.data, 512));
  });
});
