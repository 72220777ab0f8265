/**
 * @file A dynamically quantised model's uint8 MatMul weights rewritten as int8, exactly.
 *
 * [Note: signed int8 weights]
 * onnxruntime's `quantize_dynamic` stores weights as uint8 when a graph has a Conv (its web
 * runtime has no int8 ConvInteger), so Xenova's quantised CLIP image encoder multiplies
 * uint8 activations by uint8 weights. onnxruntime's CPU kernels for uint8 × int8 use the
 * processor's 8-bit dot-product instructions (AVX-VNNI, AVX512-VNNI, ARM's dot product),
 * which uint8 × uint8 cannot. A uint8 weight q with zero point z stands for s·(q − z);
 * int8 q − k with zero point z − k stands for the same s·(q − z), so rewriting each
 * MatMulInteger's weight and zero point that way changes no result as long as onnxruntime
 * adds the integer products exactly, and on the bench's ViT-B/32 made a batch of 16 photos
 * ~2.2× faster on a 2-core AMD EPYC with AVX512-VNNI, and ~1.28× on one with AVX2 alone
 * (347 → 270 ms a batch of 8), with outputs identical to the last bit on both
 * (test/integration/signed-weights.test.ts).
 *
 * [Note: int8 products that saturate]
 * Where the processor has no 8-bit dot product, onnxruntime's x86 kernel for uint8 × int8
 * uses VPMADDUBSW (AVX2, AVX-512 without VNNI), which adds each pair of products into a
 * saturating 16-bit integer (onnxruntime.ai, "Quantize ONNX Models": uint8 × int8 may
 * saturate on AVX2 and AVX-512 without VNNI, and `reduce_range`'s 7-bit weights exist to
 * avoid it): 255 × 127 + 255 × 127 does not fit, 255 × 64 + 255 × 64 does. The first
 * version of this rewrite took k = 128 (q XOR 0x80). The quantiser had kept the weights in
 * 7 bits (0–127, `reduce_range`, which transformers.js's scripts/convert.py turns on for
 * every model type outside its NO_PER_CHANNEL_REDUCE_RANGE_MODELS, and clip is not in it)
 * precisely so that they fit, and moving them to −128…−1 undid that: on a 2-core AMD EPYC
 * with AVX2 and no VNNI the bench's int8 image encoder gave embeddings at cosine 0.59 to
 * its fp32 weights through that copy, against 0.9998 through the uint8 file, and the test
 * (test/integration/signed-weights.test.ts) failed there. So k is now chosen per tensor to
 * put every weight within ±NARROW_WEIGHT (64) and the zero points within int8 (k = 64 for
 * 7-bit weights); a tensor whose values span more than 129 (full 8-bit weights) stays
 * uint8, where onnxruntime widens to 16 bits first and is exact on every processor. Exact on every kernel, the copy
 * needs no check of the processor it runs on.
 *
 * Only initializers every one of whose uses is a MatMulInteger weight (input 1) or its
 * zero point (input 3), with both present and uint8, are rewritten; everything else in the
 * file (ConvInteger, activations, other nodes) is copied byte for byte. The rewritten model
 * is kept beside the original in `.signed-int8/` (named like the in-place header by the
 * source file's size and time); a model with nothing to rewrite gets an empty marker there,
 * so each file is read for this once. The ONNX protobuf is walked with protobufjs' reader
 * and writer; only the fields named below are interpreted (onnx.proto: ModelProto.graph 7;
 * GraphProto.node 1, initializer 5; NodeProto.input 1, op_type 4; TensorProto.dims 1,
 * data_type 2, name 8, raw_data 9; data types UINT8 2, INT8 3).
 */
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import protobuf from 'protobufjs/minimal.js';
import { modelCopyPath, removeOtherCopies } from './model-copies.js';

const { Reader, Writer } = protobuf;

const COPY_DIR = '.signed-int8';
/**
 * Changes when the rewrite does, so copies made by an earlier one are made again (2: weights
 * shifted into ±NARROW_WEIGHT instead of by 128, [Note: int8 products that saturate]).
 */
const REVISION = 2;
const UINT8 = 2;
const INT8 = 3;

interface Field {
  no: number;
  /** The body of a length-delimited field, else null. */
  body: Uint8Array | null;
  /** The whole field, tag included, to copy as it is. */
  raw: Uint8Array;
}

function fields(message: Uint8Array): Field[] {
  const reader = Reader.create(message);
  const out: Field[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    const wire = tag & 7;
    let body: Uint8Array | null = null;
    if (wire === 2) body = reader.bytes();
    else reader.skipType(wire);
    out.push({ no: tag >>> 3, body, raw: message.subarray(start, reader.pos) });
  }
  return out;
}

const text = (bytes: Uint8Array | null): string =>
  bytes === null ? '' : Buffer.from(bytes).toString('utf8');

function field(no: number, body: Uint8Array): Uint8Array {
  return Writer.create()
    .uint32((no << 3) | 2)
    .bytes(body)
    .finish();
}

interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  raw: Uint8Array | null;
  /** Fields other than the four above (segments, external data, typed value lists). */
  others: number;
}

function tensor(body: Uint8Array): Tensor {
  const reader = Reader.create(body);
  const t: Tensor = { name: '', dims: [], dataType: 0, raw: null, others: 0 };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const no = tag >>> 3;
    const wire = tag & 7;
    if (no === 1 && wire === 0) t.dims.push(Number(reader.int64()));
    else if (no === 1 && wire === 2) {
      const end = reader.uint32() + reader.pos;
      while (reader.pos < end) t.dims.push(Number(reader.int64()));
    } else if (no === 2 && wire === 0) t.dataType = reader.int32();
    else if (no === 8 && wire === 2) t.name = reader.string();
    else if (no === 9 && wire === 2) t.raw = reader.bytes();
    else {
      reader.skipType(wire);
      t.others++;
    }
  }
  return t;
}

/** The tensor as int8, each value `shift` less (stored as its two's-complement byte). */
function int8Tensor(t: Tensor, shift: number): Uint8Array {
  const values = new Uint8Array(t.raw!.length);
  for (let i = 0; i < values.length; i++) values[i] = (t.raw![i]! - shift) & 0xff;
  const writer = Writer.create();
  for (const d of t.dims) writer.uint32((1 << 3) | 0).int64(d);
  writer.uint32((2 << 3) | 0).int32(INT8);
  writer.uint32((8 << 3) | 2).string(t.name);
  writer.uint32((9 << 3) | 2).bytes(values);
  return writer.finish();
}

/** The largest int8 weight, either sign, whose products with uint8 fit 16 bits two at a time. */
const NARROW_WEIGHT = 64;

/**
 * The shift that moves a uint8 weight tensor into ±NARROW_WEIGHT and its zero points into
 * int8, or null when none does ([Note: int8 products that saturate]).
 */
function narrowShift(weight: Uint8Array, zeroPoint: Uint8Array): number | null {
  const range = (values: Uint8Array) => {
    let lo = 255;
    let hi = 0;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi] as const;
  };
  const [qLo, qHi] = range(weight);
  const [zLo, zHi] = range(zeroPoint);
  const lo = Math.max(qHi - NARROW_WEIGHT, zHi - 127);
  const hi = Math.min(qLo + NARROW_WEIGHT, zLo + 128);
  return lo <= hi ? Math.min(Math.max(NARROW_WEIGHT, lo), hi) : null;
}

/**
 * The model with its MatMulInteger uint8 weights as int8 ([Note: signed int8 weights]),
 * or null when it has none to rewrite.
 */
export function signInt8Weights(model: Uint8Array): Uint8Array | null {
  const top = fields(model);
  const graphField = top.find((f) => f.no === 7 && f.body !== null);
  if (!graphField) return null;
  const graph = fields(graphField.body!);
  // Every use of every name: which node kind, at which input.
  const uses = new Map<string, string[]>();
  const pairs: [string, string][] = [];
  for (const f of graph) {
    if (f.no !== 1 || f.body === null) continue;
    const node = fields(f.body);
    // A subgraph (If, Loop, Scan: AttributeProto.g 6, graphs 11) may use a weight unseen here.
    const attributes = node.filter((n) => n.no === 5 && n.body !== null);
    if (attributes.some((a) => fields(a.body!).some((x) => x.no === 6 || x.no === 11))) return null;
    const op = text(node.find((n) => n.no === 4)?.body ?? null);
    const inputs = node.filter((n) => n.no === 1).map((n) => text(n.body));
    inputs.forEach((name, i) => uses.set(name, [...(uses.get(name) ?? []), `${op}:${i}`]));
    if (op === 'MatMulInteger' && inputs[1] && inputs[3]) pairs.push([inputs[1], inputs[3]]);
  }
  const initializers = new Map<string, Tensor>();
  for (const f of graph) {
    if (f.no !== 5 || f.body === null) continue;
    const t = tensor(f.body);
    initializers.set(t.name, t);
  }
  const rewritable = (name: string, slot: string) => {
    const t = initializers.get(name);
    return (
      t !== undefined &&
      t.dataType === UINT8 &&
      t.raw !== null &&
      t.others === 0 &&
      (uses.get(name) ?? []).every((use) => use === `MatMulInteger:${slot}`)
    );
  };
  // Each pair's shift; a tensor shared by pairs that need different shifts (or that cannot
  // all be rewritten) stays uint8 with every pair it is in, until nothing changes.
  const shifts = new Map<[string, string], number>();
  for (const pair of pairs) {
    const [weight, zeroPoint] = pair;
    if (!rewritable(weight, '1') || !rewritable(zeroPoint, '3')) continue;
    const shift = narrowShift(initializers.get(weight)!.raw!, initializers.get(zeroPoint)!.raw!);
    if (shift !== null) shifts.set(pair, shift);
  }
  const chosen = new Map<string, number>();
  for (let settled = false; !settled;) {
    settled = true;
    chosen.clear();
    const conflicting = new Set<string>();
    for (const pair of pairs)
      for (const name of pair) {
        const shift = shifts.get(pair);
        const earlier = chosen.get(name);
        if (shift === undefined || (earlier !== undefined && earlier !== shift))
          conflicting.add(name);
        else chosen.set(name, shift);
      }
    for (const pair of shifts.keys())
      if (pair.some((name) => conflicting.has(name))) {
        shifts.delete(pair);
        settled = false;
      }
  }
  if (shifts.size === 0) return null;
  const parts = graph.map((f) => {
    if (f.no !== 5 || f.body === null) return f.raw;
    const t = tensor(f.body);
    const shift = chosen.get(t.name);
    return shift === undefined ? f.raw : field(5, int8Tensor(t, shift));
  });
  const rewrittenGraph = field(7, Buffer.concat(parts));
  return Buffer.concat(top.map((f) => (f === graphField ? rewrittenGraph : f.raw)));
}

function copyPath(modelPath: string, fileStamp: string, suffix: string): string {
  return modelCopyPath(modelPath, COPY_DIR, String(REVISION), fileStamp, suffix);
}

/**
 * The file to load for `modelPath`: its signed-int8 copy when it has weights to rewrite
 * (made now if missing), else the file itself. Failing to make a copy (a read-only
 * folder) is not an error: the original loads, only slower.
 */
export async function withSignedInt8Weights(modelPath: string, fileStamp: string): Promise<string> {
  const copy = copyPath(modelPath, fileStamp, '.onnx');
  const none = copyPath(modelPath, fileStamp, '.none');
  if (await exists(copy)) return copy;
  if (await exists(none)) return modelPath;
  let partial: string | null = null;
  try {
    const rewritten = (await fileMentions(modelPath, MATMUL_INTEGER))
      ? signInt8Weights(await readFile(modelPath))
      : null;
    await mkdir(dirname(copy), { recursive: true });
    const target = rewritten ? copy : none;
    partial = `${target}.partial-${process.pid}`;
    await writeFile(partial, rewritten ?? '');
    await rename(partial, target);
    partial = null;
    await removeOtherCopies(modelPath, [copy, none]);
    return rewritten ? copy : modelPath;
  } catch {
    if (partial !== null) await rm(partial, { force: true }).catch(() => undefined);
    return modelPath;
  }
}

const MATMUL_INTEGER = Buffer.from('MatMulInteger');
const CHUNK = 4 << 20;

/**
 * Whether the file holds `needle` anywhere, read in chunks: a float32 model (no
 * MatMulInteger node) is told apart without holding its ~350 MB in memory while indexing
 * starts.
 */
export async function fileMentions(path: string, needle: Buffer, chunk = CHUNK): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(chunk + needle.length);
    let kept = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, kept, chunk);
      if (bytesRead === 0) return false;
      const end = kept + bytesRead;
      if (buffer.subarray(0, end).includes(needle)) return true;
      // Keep the tail that could begin a needle split across two reads.
      kept = Math.min(needle.length - 1, end);
      buffer.copy(buffer, 0, end - kept, end);
    }
  } finally {
    await file.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
