/**
 * @file Transformer building blocks for randomly initialised benchmark models, written
 * with the repository's ONNX writer: seeded weights, linear layers, LayerNorm and a
 * CLIP encoder layer (pre-LayerNorm, multi-head self-attention, quick-GELU MLP). Used
 * by `vit-model.ts`; plain Node, bench and test time only.
 *
 * The layer mirrors Hugging Face `CLIPEncoderLayer` (transformers,
 * models/clip/modeling_clip.py): q/k/v/out projections with bias, queries scaled by
 * head_dim^-0.5, `fc1 → quick_gelu → fc2`, a residual around each half. Only the
 * shapes and the work matter for a benchmark; the values are noise.
 */
import { float } from '../toy-models/onnx-writer.js';
import type { GraphBuilder } from '../toy-models/onnx-writer.js';

/** mulberry32 (Tommy Ettinger's public-domain 32-bit PRNG): fast, seedable, good enough for noise. */
export class SeededWeights {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * Uniform values with standard deviation `std` (half-width std·√3). 0.02 is the
   * initialiser scale of CLIP and GPT-2: with LayerNorm before every block the
   * activations stay small and finite through all layers.
   */
  uniform(count: number, std = 0.02): Float32Array {
    const half = std * Math.sqrt(3);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = (this.next() * 2 - 1) * half;
    return out;
  }
}

export interface EncoderShape {
  width: number;
  heads: number;
  mlp: number;
}

/** `x · W (+ b)` with W stored [in, out], as ONNX exports of nn.Linear usually are after folding. */
export function linear(
  g: GraphBuilder,
  rng: SeededWeights,
  x: string,
  inDim: number,
  outDim: number,
  name: string,
  bias = true,
): string {
  const weight = g.initializer(`${name}.weight`, rng.uniform(inDim * outDim), [inDim, outDim]);
  const product = g.op('MatMul', [x, weight]);
  if (!bias) return product;
  return g.op('Add', [product, g.initializer(`${name}.bias`, rng.uniform(outDim), [outDim])]);
}

/** LayerNormalization (opset 17) over the last axis, scale 1 and bias 0, ε = 1e-5 as in CLIP. */
export function layerNorm(g: GraphBuilder, x: string, width: number, name: string): string {
  const scale = g.initializer(`${name}.weight`, new Float32Array(width).fill(1), [width]);
  const bias = g.initializer(`${name}.bias`, new Float32Array(width), [width]);
  return g.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: float(1e-5) });
}

/** Multi-head self-attention over `[N, T, width]`; `mask` is added to the scores when given. */
export function selfAttention(
  g: GraphBuilder,
  rng: SeededWeights,
  x: string,
  shape: EncoderShape,
  name: string,
  mask?: string,
): string {
  const { width, heads } = shape;
  const headDim = width / heads;
  const q = g.op('Mul', [
    linear(g, rng, x, width, width, `${name}.q_proj`),
    g.constant(1 / Math.sqrt(headDim)),
  ]);
  const k = linear(g, rng, x, width, width, `${name}.k_proj`);
  const v = linear(g, rng, x, width, width, `${name}.v_proj`);
  // [N,T,width] → [N,T,heads,headDim] → heads first; keys transposed for Q·Kᵀ.
  const toHeads = (t: string, perm: number[]) =>
    g.op('Transpose', [g.op('Reshape', [t, g.int64s([0, -1, heads, headDim])])], { perm });
  let scores = g.op('MatMul', [toHeads(q, [0, 2, 1, 3]), toHeads(k, [0, 2, 3, 1])]);
  if (mask !== undefined) scores = g.op('Add', [scores, mask]);
  const probs = g.op('Softmax', [scores], { axis: -1 });
  const context = g.op('MatMul', [probs, toHeads(v, [0, 2, 1, 3])]);
  const merged = g.op('Reshape', [
    g.op('Transpose', [context], { perm: [0, 2, 1, 3] }),
    g.int64s([0, -1, width]),
  ]);
  return linear(g, rng, merged, width, width, `${name}.out_proj`);
}

/** quick-GELU, `x · sigmoid(1.702 x)` (OpenAI CLIP `QuickGELU`). */
export function quickGelu(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [g.op('Mul', [x, g.constant(1.702)])])]);
}

/** One pre-LayerNorm encoder layer: x + attn(ln1(x)), then + mlp(ln2(·)). */
export function encoderLayer(
  g: GraphBuilder,
  rng: SeededWeights,
  x: string,
  shape: EncoderShape,
  name: string,
  mask?: string,
): string {
  const attended = selfAttention(
    g,
    rng,
    layerNorm(g, x, shape.width, `${name}.layer_norm1`),
    shape,
    `${name}.self_attn`,
    mask,
  );
  const mid = g.op('Add', [x, attended]);
  const hidden = linear(
    g,
    rng,
    layerNorm(g, mid, shape.width, `${name}.layer_norm2`),
    shape.width,
    shape.mlp,
    `${name}.mlp.fc1`,
  );
  const out = linear(g, rng, quickGelu(g, hidden), shape.mlp, shape.width, `${name}.mlp.fc2`);
  return g.op('Add', [mid, out]);
}
