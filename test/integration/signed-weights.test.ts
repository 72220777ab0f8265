/**
 * @file [Note: signed int8 weights]: a dynamically quantised image encoder (the bench's
 * ViT-B/32 graph, small, with uint8 weights as Xenova's export has them) rewritten with
 * int8 weights gives the same embeddings to the last bit, on any processor, because the
 * weights are shifted into ±64 ([Note: int8 products that saturate]); weights spanning all 8
 * bits stay uint8; models with nothing to rewrite,
 * or whose weights have other uses, are left alone; the copy beside the model is made
 * once, follows a replaced file, and a folder where it cannot be made only costs speed.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fileStampOf,
  loadSession,
  releaseSessions,
  runFloat,
  signInt8Weights,
  withSignedInt8Weights,
} from '../../native/onnx/index.js';
import { fileMentions } from '../../native/onnx/signed-weights.js';
import * as vit from '../bench/vit-model.js';
import { GraphBuilder, writeModel } from '../toy-models/onnx-writer.js';
import { readBundledSignature } from '../toy-models/toy-clip.js';

let dir = '';
let quantised = '';
let float = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lantern-signed-'));
  const sig = readBundledSignature();
  quantised = join(dir, 'vision_model_quantized.onnx');
  float = join(dir, 'vision_model.onnx');
  await writeModel(
    quantised,
    vit.buildVisionEncoder(sig, 1, { shape: vit.SMALL_SHAPE, quant: vit.IMAGE_QUANT }),
  );
  await writeModel(float, vit.buildVisionEncoder(sig, 1, { shape: vit.SMALL_SHAPE }));
  await writeModel(
    join(dir, 'text_int8.onnx'),
    vit.buildTextEncoder(sig, 2, { shape: vit.SMALL_SHAPE, quant: vit.TEXT_QUANT }),
  );
});
afterAll(async () => {
  await releaseSessions();
  await rm(dir, { recursive: true, force: true });
});

async function embeddings(file: string): Promise<Float32Array> {
  const session = await loadSession(file, { provider: 'cpu' });
  const pixels = new Float32Array(4 * 3 * 224 * 224);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.sin(i * 0.37) * 2;
  const out = await runFloat(session, {
    pixel_values: { type: 'float32', data: pixels, dims: [4, 3, 224, 224] },
  });
  return Float32Array.from(out.data);
}

/** y = float(MatMulInteger(uint8(x) [2, 8], weights [8, 2], 0, zeroPoint)). */
function matMulInteger(name: string, weights: Uint8Array, zeroPoint: number): GraphBuilder {
  const g = new GraphBuilder(name);
  const x = g.op('Cast', [g.input('x', 'float32', [2, 8])], { to: 2 });
  const w = g.initializer('w', weights, [8, 2]);
  const xZero = g.initializer('x_zero', Uint8Array.of(0), []);
  const wZero = g.initializer('w_zero', Uint8Array.of(zeroPoint), []);
  g.node('MatMulInteger', [x, w, xZero, wZero], ['y_int']);
  g.node('Cast', ['y_int'], ['y'], { to: 1 });
  g.output('y', 'float32', [2, 2]);
  return g;
}

describe('rewriting uint8 MatMul weights as int8', () => {
  it('gives the same embeddings to the last bit', async () => {
    const rewritten = signInt8Weights(await readFile(quantised));
    expect(rewritten).not.toBeNull();
    const signed = join(dir, 'signed.onnx');
    await writeFile(signed, rewritten!);
    const [before, after] = [await embeddings(quantised), await embeddings(signed)];
    expect(after).toEqual(before);
    // The embedding is a real one, not zeros that would compare equal anyway.
    expect(before.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });

  // [Note: int8 products that saturate]: weights 60…180 around zero point 64 span 121
  // values, so a shift of 116 puts them in −56…64; 255 × 64 twice still fits 16 bits.
  it('shifts weights into ±64 with their zero point, so the sums stay exact on any processor', async () => {
    const narrow = join(dir, 'narrow.onnx');
    const weights = Uint8Array.from({ length: 16 }, (_, i) => 60 + i * 8);
    await writeModel(narrow, matMulInteger('narrow', weights, 64));
    const rewritten = signInt8Weights(await readFile(narrow));
    expect(rewritten).not.toBeNull();
    const signed = join(dir, 'narrow-signed.onnx');
    await writeFile(signed, rewritten!);
    const x = Float32Array.from({ length: 16 }, (_, i) => (i < 8 ? 255 : (i * 37) % 256));
    const exact = [0, 1].flatMap((row) =>
      [0, 1].map((column) => {
        let sum = 0;
        for (let k = 0; k < 8; k++) sum += x[row * 8 + k]! * (weights[k * 2 + column]! - 64);
        return sum;
      }),
    );
    for (const file of [narrow, signed]) {
      const session = await loadSession(file, { provider: 'cpu' });
      const out = await runFloat(session, { x: { type: 'float32', data: x, dims: [2, 8] } });
      expect(Array.from(out.data), file).toEqual(exact);
    }
    // Every rewritten weight is within ±64: 0x38 (56) … 0xC8 (−56) as stored.
    const stored = weights.map((q) => (q - 116) & 0xff);
    expect(Buffer.from(rewritten!).includes(Buffer.from(stored))).toBe(true);
  });

  it('leaves weights that span all 8 bits as uint8', async () => {
    const wide = join(dir, 'wide.onnx');
    await writeModel(
      wide,
      matMulInteger(
        'wide',
        Uint8Array.from({ length: 16 }, (_, i) => i * 17),
        128,
      ),
    );
    expect(signInt8Weights(await readFile(wide))).toBeNull();
    const full = join(dir, 'vision_full_range.onnx');
    const sig = readBundledSignature();
    await writeModel(
      full,
      vit.buildVisionEncoder(sig, 1, {
        shape: vit.SMALL_SHAPE,
        quant: { weights: 'uint8', reduceRange: false },
      }),
    );
    expect(signInt8Weights(await readFile(full))).toBeNull();
  });

  it('leaves a weight two MatMuls share as uint8 when their zero points need different shifts', async () => {
    const build = (secondZero: number) => {
      const g = new GraphBuilder('two_zero_points');
      const x = g.input('x', 'uint8', [2, 4]);
      const w = g.initializer(
        'w',
        Uint8Array.from({ length: 8 }, (_, i) => 60 + i * 8),
        [4, 2],
      );
      const xZero = g.initializer('x_zero', Uint8Array.of(0), []);
      const first = g.initializer('w_zero_a', Uint8Array.of(64), []);
      const second = g.initializer('w_zero_b', Uint8Array.of(secondZero), []);
      g.node('MatMulInteger', [x, w, xZero, first], ['y']);
      g.node('MatMulInteger', [x, w, xZero, second], ['z']);
      g.output('y', 'int32', [2, 2]);
      g.output('z', 'int32', [2, 2]);
      return g;
    };
    // Each pair takes the shift nearest 64 that its own weights and zero point allow: 64 for
    // zero points 64 and 100, 123 for 250. One tensor cannot hold two shifts.
    const agreeing = join(dir, 'agreeing.onnx');
    await writeModel(agreeing, build(100));
    expect(signInt8Weights(await readFile(agreeing))).not.toBeNull();
    const conflicting = join(dir, 'conflicting.onnx');
    await writeModel(conflicting, build(250));
    expect(signInt8Weights(await readFile(conflicting))).toBeNull();
  });

  it('leaves alone float models, int8 weights, and weights something else also reads', async () => {
    expect(signInt8Weights(await readFile(float))).toBeNull();
    expect(signInt8Weights(await readFile(join(dir, 'text_int8.onnx')))).toBeNull();

    const g = new GraphBuilder('shared_weight');
    const x = g.input('x', 'uint8', [2, 4]);
    const w = g.initializer(
      'w',
      Uint8Array.from({ length: 8 }, (_, i) => 100 + i),
      [4, 2],
    );
    const xZero = g.initializer('x_zero', Uint8Array.of(0), []);
    const wZero = g.initializer('w_zero', Uint8Array.of(64), []);
    g.node('MatMulInteger', [x, w, xZero, wZero], ['y']);
    g.node('Cast', [w], ['w_as_int'], { to: 6 });
    g.output('y', 'int32', [2, 2]);
    g.output('w_as_int', 'int32', [4, 2]);
    const shared = join(dir, 'shared.onnx');
    await writeModel(shared, g);
    expect(signInt8Weights(await readFile(shared))).toBeNull();
  });
});

describe('the signed copy beside the model', () => {
  it('is made at the first load, then reused, and follows a replaced file', async () => {
    const first = await withSignedInt8Weights(quantised, await fileStampOf(quantised));
    expect(first).toContain('.signed-int8');
    const made = (await stat(first)).mtimeMs;
    expect(await withSignedInt8Weights(quantised, await fileStampOf(quantised))).toBe(first);
    expect((await stat(first)).mtimeMs).toBe(made);

    // The same file with another modification time stands for a replaced model.
    const later = new Date(Date.now() + 60_000);
    await utimes(quantised, later, later);
    const second = await withSignedInt8Weights(quantised, await fileStampOf(quantised));
    expect(second).not.toBe(first);
    expect(await readdir(join(dir, '.signed-int8'))).toEqual([second.split('/').pop()!]);
  });

  it('a model with nothing to rewrite loads as it is, and is read for it once', async () => {
    expect(await withSignedInt8Weights(float, await fileStampOf(float))).toBe(float);
    const markers = (await readdir(join(dir, '.signed-int8'))).filter((n) => n.endsWith('.none'));
    expect(markers).toEqual([expect.stringMatching(/^vision_model\.onnx\..*\.none$/)]);
  });

  it('a folder where no copy can be made only costs speed', async () => {
    const other = join(dir, 'read-only');
    await mkdir(other);
    const model = join(other, 'model.onnx');
    await writeFile(model, await readFile(quantised));
    await writeFile(join(other, '.signed-int8'), 'a file where the folder would go');
    expect(await withSignedInt8Weights(model, await fileStampOf(model))).toBe(model);
  });

  it('finds a quantised node name wherever the chunks it is read in split it', async () => {
    const file = join(dir, 'split.bin');
    const needle = Buffer.from('MatMulInteger');
    for (const at of [0, 3, 7, 8, 13, 20]) {
      await writeFile(file, Buffer.concat([Buffer.alloc(at, 0x2e), needle, Buffer.alloc(5, 0x2e)]));
      expect(await fileMentions(file, needle, 8)).toBe(true);
    }
    await writeFile(file, Buffer.concat([Buffer.alloc(9, 0x2e), needle.subarray(0, 12)]));
    expect(await fileMentions(file, needle, 8)).toBe(false);
  });
});
