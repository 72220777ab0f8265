/**
 * @file A small, typed writer of ONNX `ModelProto` files, used by the toy-model
 * generator and the benchmark model generator (plain Node, test and bench time only).
 * It encodes the protobuf wire format by hand so the repository needs no protobuf or
 * onnx dependency.
 *
 * Field numbers come from onnx/onnx `onnx/onnx.proto` (messages ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto,
 * TensorShapeProto, OperatorSetIdProto); the wire format from the protobuf encoding
 * guide (varint = 0, fixed32 = 5, length-delimited = 2). Field numbers are stable
 * across ONNX releases, so citing the file without a commit is enough.
 *
 * [Note: big initializers] A ViT-B/32-sized model carries ~350 MB of weights. Each
 * message is kept as a list of byte chunks; an initializer's `raw_data` is a zero-copy
 * view on the caller's typed array, and the file is written chunk by chunk, so no
 * giant string or second full copy of the weights is ever built.
 */
import { createHash } from 'node:crypto';
import { open, rename } from 'node:fs/promises';
import { endianness } from 'node:os';
import { ProtoMessage } from './protobuf.js';

/** The IR version of ONNX 1.12, the release that introduced opset 17 (onnx docs/Versioning.md). */
export const IR_VERSION = 8;
export const DEFAULT_OPSET = 17;

export type ElemType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool' | 'float64';

/** TensorProto.DataType values (onnx.proto). */
const DATA_TYPE: Record<ElemType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

/** A dimension: a fixed size, or a symbolic name such as 'N'. */
export type Dim = number | string;
export type TensorData =
  Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array | Int8Array;

function elemTypeOf(data: TensorData): ElemType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8'; // quantised weights (test/bench/transformer.ts)
  return 'uint8';
}

// ---- attributes -----------------------------------------------------------------

/** An explicitly typed attribute; plain numbers, strings and number arrays are ints/strings. */
export type Attr =
  | { type: 'float'; value: number }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'int'; value: number | bigint }
  | { type: 'ints'; value: readonly (number | bigint)[] }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: TensorData; dims: readonly number[] };
/** A plain number must be an integer (INT); floats go through `float()` so 1.0 is never an int. */
export type AttrValue = number | string | readonly number[] | Attr;

export const float = (value: number): Attr => ({ type: 'float', value });
export const floats = (value: readonly number[]): Attr => ({ type: 'floats', value });
export const tensorAttr = (value: TensorData, dims: readonly number[]): Attr => ({
  type: 'tensor',
  value,
  dims,
});

function normaliseAttr(name: string, value: AttrValue): Attr {
  if (typeof value === 'string') return { type: 'string', value };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`Attribute ${name}: use float(${value}).`);
    return { type: 'int', value };
  }
  if (Array.isArray(value)) {
    const list = value as readonly number[];
    if (!list.every(Number.isInteger)) throw new Error(`Attribute ${name}: use floats([...]).`);
    return { type: 'ints', value: list };
  }
  return value as Attr;
}

/** AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, type 20. */
function encodeAttr(name: string, attr: Attr): ProtoMessage {
  const m = new ProtoMessage();
  m.string(1, name);
  switch (attr.type) {
    case 'float':
      m.int(20, 1);
      m.float(2, attr.value);
      break;
    case 'int':
      m.int(20, 2);
      m.int(3, attr.value);
      break;
    case 'string':
      m.int(20, 3);
      m.string(4, attr.value);
      break;
    case 'tensor':
      m.int(20, 4);
      m.message(5, encodeTensor('', attr.value, attr.dims));
      break;
    case 'floats':
      m.int(20, 6);
      // proto2 `repeated float` without [packed=true]: one tagged field per element.
      for (const v of attr.value) m.float(7, v);
      break;
    case 'ints':
      m.int(20, 7);
      for (const v of attr.value) m.int(8, v);
      break;
  }
  return m;
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian, see [Note: big initializers]). */
function encodeTensor(name: string, data: TensorData, dims: readonly number[]): ProtoMessage {
  const m = new ProtoMessage();
  for (const d of dims) m.int(1, d);
  m.int(2, DATA_TYPE[elemTypeOf(data)]);
  if (name) m.string(8, name);
  m.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return m;
}

/**
 * ValueInfoProto{name 1, type 2: TypeProto{tensor_type 1: {elem_type 1,
 * shape 2: TensorShapeProto{dim 1: {dim_value 1 | dim_param 2}}}}}.
 */
function encodeValueInfo(name: string, type: ElemType, shape: readonly Dim[]): ProtoMessage {
  const dimsMsg = new ProtoMessage();
  for (const d of shape) {
    const dim = new ProtoMessage();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    dimsMsg.message(1, dim);
  }
  const tensorType = new ProtoMessage();
  tensorType.int(1, DATA_TYPE[type]);
  tensorType.message(2, dimsMsg);
  const typeProto = new ProtoMessage();
  typeProto.message(1, tensorType);
  const m = new ProtoMessage();
  m.string(1, name);
  m.message(2, typeProto);
  return m;
}

// ---- graph builder --------------------------------------------------------------

interface ValueInfo {
  name: string;
  type: ElemType;
  shape: readonly Dim[];
}
interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs: Record<string, AttrValue>;
  name: string;
}
interface InitializerSpec {
  name: string;
  data: TensorData;
  dims: readonly number[];
}

/** Collects one graph; `writeModel` encodes it. Nodes must be added in topological order. */
export class GraphBuilder {
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: InitializerSpec[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name = 'graph') {}

  input(name: string, type: ElemType, shape: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push({ name, type, shape });
    return name;
  }

  /** Declares a graph output; the value itself is produced by a node. */
  output(name: string, type: ElemType, shape: readonly Dim[]): string {
    this.outputs.push({ name, type, shape });
    return name;
  }

  initializer(name: string, data: TensorData, dims: readonly number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new Error(`Initializer ${name}: ${data.length} values for dims [${dims.join(',')}].`);
    }
    this.claim(name);
    this.initializers.push({ name, data, dims });
    return name;
  }

  /** A float32 constant with a generated name; shape [] for a scalar. */
  constant(values: readonly number[] | number, dims?: readonly number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    return this.initializer(
      this.fresh('const'),
      Float32Array.from(list),
      dims ?? (typeof values === 'number' ? [] : [list.length]),
    );
  }

  /** An int64 scalar constant (Range bounds, Gather indices, CumSum axes). */
  int64(value: number): string {
    return this.initializer(this.fresh('i64'), BigInt64Array.from([BigInt(value)]), []);
  }

  /** An int64 1-D constant (axes, pads, shapes). */
  int64s(values: readonly number[]): string {
    return this.initializer(this.fresh('i64'), BigInt64Array.from(values, BigInt), [values.length]);
  }

  node(
    op: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
  ): void {
    for (const out of outputs) this.claim(out);
    this.nodes.push({ op, inputs, outputs, attrs, name: `${op}_${this.nodes.length}` });
  }

  /** A single-output node with a generated output name, for chaining. */
  op(
    op: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    out?: string,
  ): string {
    const output = out ?? this.fresh(op.toLowerCase());
    this.node(op, inputs, [output], attrs);
    return output;
  }

  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  /** Values held in initializers: a model's parameters, plus its few small shape and scalar constants. */
  parameterCount(): number {
    return this.initializers.reduce((sum, i) => sum + i.data.length, 0);
  }

  /** GraphProto: node 1, name 2, initializer 5, input 11, output 12. */
  encode(): ProtoMessage {
    const g = new ProtoMessage();
    for (const n of this.nodes) {
      const node = new ProtoMessage();
      for (const i of n.inputs) node.string(1, i);
      for (const o of n.outputs) node.string(2, o);
      node.string(3, n.name);
      node.string(4, n.op);
      for (const [key, value] of Object.entries(n.attrs))
        node.message(5, encodeAttr(key, normaliseAttr(key, value)));
      g.message(1, node);
    }
    g.string(2, this.name);
    for (const init of this.initializers)
      g.message(5, encodeTensor(init.name, init.data, init.dims));
    for (const v of this.inputs) g.message(11, encodeValueInfo(v.name, v.type, v.shape));
    for (const v of this.outputs) g.message(12, encodeValueInfo(v.name, v.type, v.shape));
    return g;
  }

  private claim(name: string): void {
    if (this.names.has(name))
      throw new Error(`Graph ${this.name}: the name ${name} is used twice.`);
    this.names.add(name);
  }
}

export interface ModelOptions {
  opset?: number;
  producerName?: string;
  docString?: string;
}

/** ModelProto: ir_version 1, producer_name 2, doc_string 6, graph 7, opset_import 8 {domain 1, version 2}. */
export function encodeModel(
  graph: GraphBuilder,
  options: ModelOptions = {},
): { chunks: Uint8Array[]; byteLength: number } {
  if (endianness() !== 'LE')
    throw new Error('raw_data must be little-endian (onnx.proto, TensorProto.raw_data).');
  const model = new ProtoMessage();
  model.int(1, IR_VERSION);
  model.string(2, options.producerName ?? 'lantern-toy-models');
  if (options.docString) model.string(6, options.docString);
  model.message(7, graph.encode());
  const opset = new ProtoMessage();
  opset.string(1, ''); // '' is the default ai.onnx domain.
  opset.int(2, options.opset ?? DEFAULT_OPSET);
  model.message(8, opset);
  model.flush();
  return { chunks: model.chunks, byteLength: model.byteLength };
}

/** Encodes and writes the model atomically (temp file, then rename); returns its size and SHA-256. */
export async function writeModel(
  path: string,
  graph: GraphBuilder,
  options: ModelOptions = {},
): Promise<{ size: number; sha256: string }> {
  const { chunks, byteLength } = encodeModel(graph, options);
  const hash = createHash('sha256');
  const temp = `${path}.${process.pid}.tmp`;
  const file = await open(temp, 'w');
  try {
    // writev takes at most IOV_MAX (1024 on Linux) buffers per call.
    for (let i = 0; i < chunks.length; i += 1024) {
      const batch = chunks.slice(i, i + 1024);
      for (const chunk of batch) hash.update(chunk);
      const expected = batch.reduce((sum, c) => sum + c.byteLength, 0);
      const { bytesWritten } = await file.writev(batch);
      if (bytesWritten !== expected) throw new Error(`Short write to ${temp}.`);
    }
  } finally {
    await file.close();
  }
  await rename(temp, path);
  return { size: byteLength, sha256: hash.digest('hex') };
}
