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
 *
 * [Note: dynamic int8 quantisation] With `EncoderShape.quant` set, every weight
 * product is written as onnxruntime's `quantize_dynamic` writes it (onnxruntime
 * python/tools/quantization: MatMulInteger / ConvInteger / GatherQuant), which is
 * how Xenova's `*_quantized.onnx` CLIP exports were made: the weights are stored as
 * 8-bit integers with a scale and zero point; at run time `DynamicQuantizeLinear`
 * turns the activation into uint8 with a per-tensor scale, `MatMulInteger` multiplies
 * the integers, and `Cast → Mul(a_scale · b_scale)` dequantises. That exact chain is
 * what onnxruntime's MatMulIntegerToFloat fusion recognises, so the file runs as fast
 * as a `quantize_dynamic` output. Weights come from the same seeded draws as the fp32
 * graph, so the two graphs compute the same function up to rounding.
 * Note that the activation scale is per tensor: over the whole batch, as in every
 * `quantize_dynamic` model, so an embedding moves slightly with its batch-mates.
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
  /** Weight storage; absent = float32. See [Note: dynamic int8 quantisation]. */
  quant?: DynamicQuant | undefined;
}

/**
 * onnxruntime `quantize_dynamic` settings. transformers.js's quantize script picks
 * uint8 weights for a graph that has a Conv (onnxruntime-web has no int8 ConvInteger)
 * and int8 otherwise, and its older convert script defaulted to per-channel weights
 * with a reduced range (7 bits, so u8·s8 products cannot saturate on AVX2).
 */
export interface DynamicQuant {
  /** 'uint8': asymmetric with a zero point; 'int8': symmetric, zero point 0. */
  weights: 'uint8' | 'int8';
  /** 7-bit weights (onnxruntime's reduce_range). */
  reduceRange: boolean;
}

export interface QuantizedWeights {
  data: Uint8Array | Int8Array;
  /** One per column (per channel) or a single value (per tensor). */
  scale: Float32Array;
  zeroPoint: Uint8Array | Int8Array;
}

/** onnxruntime's get_qmin_qmax_for_qType. */
function quantRange(q: DynamicQuant): [number, number] {
  if (q.weights === 'uint8') return q.reduceRange ? [0, 127] : [0, 255];
  return q.reduceRange ? [-64, 64] : [-127, 127];
}

/**
 * Quantises a row-major `[rows, cols]` matrix per column (`perColumn`, the channel
 * axis of a MatMul weight) or as one tensor, as onnxruntime's compute_scale_zp does:
 * the range always includes 0; int8 is symmetric.
 */
export function quantizeWeights(
  values: Float32Array,
  cols: number,
  perColumn: boolean,
  q: DynamicQuant,
): QuantizedWeights {
  const [qmin, qmax] = quantRange(q);
  const groups = perColumn ? cols : 1;
  const lo = new Float64Array(groups);
  const hi = new Float64Array(groups);
  for (let i = 0; i < values.length; i++) {
    const c = perColumn ? i % cols : 0;
    const v = values[i]!;
    if (v < lo[c]!) lo[c] = v;
    if (v > hi[c]!) hi[c] = v;
  }
  const scale = new Float32Array(groups);
  const zero = new Int32Array(groups);
  for (let c = 0; c < groups; c++) {
    let rmin = lo[c]!;
    let rmax = hi[c]!;
    if (q.weights === 'int8') {
      const absMax = Math.max(-rmin, rmax);
      rmin = -absMax;
      rmax = absMax;
    }
    const s = (rmax - rmin) / (qmax - qmin) || 1;
    scale[c] = s;
    zero[c] = q.weights === 'int8' ? 0 : Math.round(qmin - rmin / s);
  }
  const out = q.weights === 'uint8' ? new Uint8Array(values.length) : new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = perColumn ? i % cols : 0;
    const level = Math.round(values[i]! / scale[c]!) + zero[c]!;
    out[i] = Math.min(qmax, Math.max(qmin, level));
  }
  const zeroPoint = q.weights === 'uint8' ? Uint8Array.from(zero) : Int8Array.from(zero);
  return { data: out, scale, zeroPoint };
}

/** Stores quantised weights as `<name>_quantized`, `_scale`, `_zero_point` initializers. */
function quantizedInitializers(
  g: GraphBuilder,
  name: string,
  w: QuantizedWeights,
  dims: readonly number[],
): { data: string; scale: string; zeroPoint: string } {
  const perTensor = w.scale.length === 1;
  const paramDims = perTensor ? [] : [w.scale.length];
  return {
    data: g.initializer(`${name}_quantized`, w.data, dims),
    scale: g.initializer(`${name}_scale`, w.scale, paramDims),
    zeroPoint: g.initializer(`${name}_zero_point`, w.zeroPoint, paramDims),
  };
}

/** `DynamicQuantizeLinear(x)`: the activation as uint8, with its scale and zero point. */
function quantizeActivation(g: GraphBuilder, x: string): [string, string, string] {
  const outs: [string, string, string] = [g.fresh('x_q'), g.fresh('x_scale'), g.fresh('x_zp')];
  g.node('DynamicQuantizeLinear', [x], outs);
  return outs;
}

/** `x · W` with W quantised per column: MatMulInteger, then Cast and Mul(a_scale · b_scale). */
export function quantizedMatMul(
  g: GraphBuilder,
  x: string,
  weight: Float32Array,
  dims: readonly [number, number],
  name: string,
  q: DynamicQuant,
): string {
  const w = quantizedInitializers(g, name, quantizeWeights(weight, dims[1], true, q), dims);
  const [xq, xScale, xZero] = quantizeActivation(g, x);
  const product = g.op('MatMulInteger', [xq, w.data, xZero, w.zeroPoint]);
  const multiplier = g.op('Mul', [xScale, w.scale]);
  return g.op('Mul', [g.op('Cast', [product], { to: 1 }), multiplier]); // 1 = FLOAT
}

/**
 * A bias-free Conv with the kernel quantised per tensor (ConvInteger on onnxruntime's
 * CPU provider takes only a scalar weight zero point).
 */
export function quantizedConv(
  g: GraphBuilder,
  x: string,
  kernel: Float32Array,
  dims: readonly number[],
  name: string,
  q: DynamicQuant,
  attrs: { kernel_shape: number[]; strides: number[] },
): string {
  const w = quantizedInitializers(g, name, quantizeWeights(kernel, 1, false, q), dims);
  const [xq, xScale, xZero] = quantizeActivation(g, x);
  const conv = g.op('ConvInteger', [xq, w.data, xZero, w.zeroPoint], attrs);
  const multiplier = g.op('Mul', [xScale, w.scale]);
  return g.op('Mul', [g.op('Cast', [conv], { to: 1 }), multiplier]);
}

/** An embedding table stored per tensor: Gather the integer rows, then DequantizeLinear. */
export function quantizedGather(
  g: GraphBuilder,
  table: Float32Array,
  dims: readonly [number, number],
  ids: string,
  name: string,
  q: DynamicQuant,
): string {
  const w = quantizedInitializers(g, name, quantizeWeights(table, 1, false, q), dims);
  const rows = g.op('Gather', [w.data, ids], { axis: 0 });
  return g.op('DequantizeLinear', [rows, w.scale, w.zeroPoint]);
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
  quant?: DynamicQuant,
): string {
  const values = rng.uniform(inDim * outDim);
  const product = quant
    ? quantizedMatMul(g, x, values, [inDim, outDim], `${name}.weight`, quant)
    : g.op('MatMul', [x, g.initializer(`${name}.weight`, values, [inDim, outDim])]);
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
    linear(g, rng, x, width, width, `${name}.q_proj`, true, shape.quant),
    g.constant(1 / Math.sqrt(headDim)),
  ]);
  const k = linear(g, rng, x, width, width, `${name}.k_proj`, true, shape.quant);
  const v = linear(g, rng, x, width, width, `${name}.v_proj`, true, shape.quant);
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
  return linear(g, rng, merged, width, width, `${name}.out_proj`, true, shape.quant);
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
    true,
    shape.quant,
  );
  const out = linear(
    g,
    rng,
    quickGelu(g, hidden),
    shape.mlp,
    shape.width,
    `${name}.mlp.fc2`,
    true,
    shape.quant,
  );
  return g.op('Add', [mid, out]);
}
