/**
 * @file Runs a loaded ONNX session on plain typed arrays: builds the ORT tensors,
 * checks the feeds against the model's inputs so a mismatch is reported in words,
 * and hands back typed arrays with their dimensions. Runs in the engine's process.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { ort } from './ort-module.js';
import { OnnxError, ortReason } from './errors.js';
import type { LoadedSession } from './session.js';

/** float32 for pixels and embeddings, int64 for token ids and masks, int32 for the odd export. */
export type InputData = Float32Array | BigInt64Array | Int32Array;

export interface InputTensor {
  /** Optional; when given it must agree with the array (a cheap guard against mixups). */
  type?: 'float32' | 'int64' | 'int32';
  data: InputData;
  dims: readonly number[];
}

function typeOf(data: InputData): 'float32' | 'int64' | 'int32' {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'int32';
}

export type OutputData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array;

export interface OutputTensor {
  /** ORT's element type name: 'float32', 'int64', 'bool', … */
  type: string;
  data: OutputData;
  dims: readonly number[];
}

function toTensor(loaded: LoadedSession, name: string, input: InputTensor): Tensor {
  const count = input.dims.reduce((a, b) => a * b, 1);
  if (count !== input.data.length) {
    throw new OnnxError(
      'INFERENCE_FAILED',
      loaded.path,
      `Input ${name} for ${loaded.path} has ${input.data.length} values but dims [${input.dims.join(', ')}] need ${count}; this is a bug in the caller.`,
    );
  }
  const { data, dims } = input;
  if (input.type !== undefined && input.type !== typeOf(data)) {
    throw new OnnxError(
      'INFERENCE_FAILED',
      loaded.path,
      `Input ${name} for ${loaded.path} is declared ${input.type} but holds ${typeOf(data)} values; this is a bug in the caller.`,
    );
  }
  const { Tensor } = ort();
  if (data instanceof Float32Array) return new Tensor('float32', data, dims);
  if (data instanceof BigInt64Array) return new Tensor('int64', data, dims);
  return new Tensor('int32', data, dims);
}

function fromTensor(loaded: LoadedSession, name: string, value: Tensor): OutputTensor {
  const data: unknown = value.data;
  if (
    ArrayBuffer.isView(data) &&
    !(data instanceof DataView) &&
    !(data instanceof BigUint64Array)
  ) {
    return { type: value.type, data: data as OutputData, dims: [...value.dims] };
  }
  throw new OnnxError(
    'INFERENCE_FAILED',
    loaded.path,
    `Output ${name} of ${loaded.path} has type ${value.type}, which Lantern does not read; the model does not match its manifest entry.`,
  );
}

/**
 * Runs the model. `feeds` must name every input of the model; `outputs` limits what is
 * fetched (default: all). Failures become INFERENCE_FAILED naming the model file.
 */
export async function run(
  loaded: LoadedSession,
  feeds: Record<string, InputTensor>,
  outputs?: readonly string[],
): Promise<Record<string, OutputTensor>> {
  const missing = loaded.inputNames.filter((name) => !(name in feeds));
  const unknown = Object.keys(feeds).filter((name) => !loaded.inputNames.includes(name));
  if (missing.length > 0 || unknown.length > 0) {
    throw new OnnxError(
      'INFERENCE_FAILED',
      loaded.path,
      `The model file ${loaded.path} takes inputs [${loaded.inputNames.join(', ')}] but was given [${Object.keys(feeds).join(', ')}]; its manifest entry names the wrong inputs.`,
    );
  }
  const ortFeeds: Record<string, Tensor> = {};
  for (const [name, input] of Object.entries(feeds)) ortFeeds[name] = toTensor(loaded, name, input);

  let results: InferenceSession.ReturnType;
  try {
    results =
      outputs === undefined
        ? await loaded.session.run(ortFeeds)
        : await loaded.session.run(ortFeeds, [...outputs]);
  } catch (error) {
    throw new OnnxError(
      'INFERENCE_FAILED',
      loaded.path,
      `Running the model file ${loaded.path} failed (${ortReason(error)}). The model may not match its manifest entry: check the model folder or choose another model.`,
      { cause: error },
    );
  }
  const out: Record<string, OutputTensor> = {};
  for (const [name, value] of Object.entries(results)) {
    if (!(value instanceof ort().Tensor)) {
      throw new OnnxError(
        'INFERENCE_FAILED',
        loaded.path,
        `Output ${name} of ${loaded.path} is not a tensor.`,
      );
    }
    out[name] = fromTensor(loaded, name, value);
  }
  return out;
}

/** The same as `run`; the name the engine's encoders use. */
export const runSession = run;

/** Runs the model and returns one float32 output (default: the model's only output). */
export async function runFloat(
  loaded: LoadedSession,
  feeds: Record<string, InputTensor>,
  output?: string,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const name = output ?? (loaded.outputNames.length === 1 ? loaded.outputNames[0] : undefined);
  if (name === undefined || !loaded.outputNames.includes(name)) {
    throw new OnnxError(
      'INFERENCE_FAILED',
      loaded.path,
      `The model file ${loaded.path} has outputs [${loaded.outputNames.join(', ')}]; name the one to read (asked for ${output ?? 'its only output'}).`,
    );
  }
  const result = (await run(loaded, feeds, [name]))[name];
  if (!result || !(result.data instanceof Float32Array)) {
    throw new OnnxError(
      'INFERENCE_FAILED',
      loaded.path,
      `Output ${name} of ${loaded.path} is ${result?.type ?? 'missing'}, not float32; the model does not match its manifest entry.`,
    );
  }
  return { data: result.data, dims: result.dims };
}
