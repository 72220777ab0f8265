/**
 * @file Inference on a worker thread (engine process). onnxruntime-node runs a session
 * synchronously on the thread that calls it, so in-process inference stops everything
 * else in that process — the indexer cannot hand the next photo to sharp while a batch
 * runs. An InferenceThread hosts its own session of the same model, with the provider
 * the in-process load settled on, on a `worker_threads` thread: the calling thread only
 * posts a batch and awaits the answer. [Note: pipeline overlap] in the indexer relies on it.
 *
 * The worker's code is a small self-contained script run with `eval`, so it needs no
 * file of its own in the bundles (out/cli.js, out/worker.cjs) or a TypeScript loader in
 * tests; it requires onnxruntime-node from the path this module resolves.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { OnnxError } from './errors.js';
import { turnOffOrtTelemetry } from './ort-module.js';
import type { InputTensor, OutputTensor } from './run.js';
import type { InferenceSession } from 'onnxruntime-node';
import type { ProviderName } from './providers.js';
import { fileStampOf, ortOptions, type LoadedSession, type SessionSettings } from './session.js';
import { inPlaceModel, type InPlaceModel } from './in-place-weights.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session = null;
const reason = (error) => String(error && error.message || error);
// One provider after another, as loadSession does in-process ([Note: the thread loads its
// own model] in thread-load.ts); the first that loads answers with the session's names.
const ready = (async () => {
  const failures = [];
  let header = workerData.header;
  for (const { name, options } of workerData.candidates) {
    try {
      try {
        session = await ort.InferenceSession.create(header || workerData.modelPath, options);
      } catch (error) {
        // A header the CPU refuses: the file itself decides (as createSession does).
        if (!header || name !== 'cpu') throw error;
        header = null;
        session = await ort.InferenceSession.create(workerData.modelPath, options);
      }
      parentPort.postMessage({ ready: true, provider: name, failures, inPlace: !!header,
        inputNames: [...session.inputNames], outputNames: [...session.outputNames] });
      return;
    } catch (error) {
      failures.push({ name, error: reason(error) });
    }
  }
  parentPort.postMessage({ ready: false, failures, error: failures.map((f) => f.error).join('; ') });
})();
parentPort.on('message', async ({ id, feeds }) => {
  await ready;
  try {
    const inputs = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor(t.type, t.data, t.dims);
    const results = await session.run(inputs);
    const outputs = {};
    const transfer = [];
    for (const [name, t] of Object.entries(results)) {
      outputs[name] = { type: t.type, data: t.data, dims: t.dims };
      if (t.data && t.data.buffer) transfer.push(t.data.buffer);
    }
    parentPort.postMessage({ id, outputs }, transfer);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

interface Reply {
  id?: number;
  ready?: boolean;
  outputs?: Record<string, OutputTensor>;
  error?: string;
  /** When a load walked several providers: the one that loaded, and each that failed. */
  provider?: ProviderName;
  failures?: { name: ProviderName; error: string }[];
  inputNames?: string[];
  outputNames?: string[];
  /** Loaded through the in-place header it was given ([Note: weights read in place]). */
  inPlace?: boolean;
}

/** What a worker answers once it has tried to load its model. */
export type ThreadReady = Reply;

export class InferenceThread {
  private nextId = 1;
  /** Set once the worker is gone: a message posted then would never be answered. */
  private stopped = false;
  private readonly pending = new Map<
    number,
    { resolve: (outputs: Record<string, OutputTensor>) => void; reject: (error: Error) => void }
  >();

  private constructor(
    private readonly worker: Worker,
    readonly path: string,
  ) {
    worker.on('message', (reply: Reply) => {
      if (reply.id === undefined) return;
      const call = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (!call) return;
      if (reply.outputs) call.resolve(reply.outputs);
      else call.reject(this.failure(reply.error ?? 'no output'));
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => {
      this.stopped = true;
      this.failAll(new Error('the inference thread stopped'));
    });
  }

  /** Start a thread hosting `loaded`'s model with the provider it loaded with. */
  static async start(
    loaded: LoadedSession,
    settings: SessionSettings = {},
  ): Promise<InferenceThread> {
    const inPlace = loaded.inPlace
      ? await inPlaceModel(loaded.path, await fileStampOf(loaded.path))
      : null;
    const { thread, ready } = await InferenceThread.spawn(
      loaded.path,
      [{ name: loaded.provider, options: ortOptions(settings, loaded.provider, inPlace) }],
      inPlace,
    );
    if (!thread) {
      throw new OnnxError(
        'INFERENCE_FAILED',
        loaded.path,
        `The inference thread could not load ${loaded.path}: ${ready.error ?? 'unknown error'}.`,
      );
    }
    return thread;
  }

  /**
   * A worker loading `modelPath` (through `inPlace`'s header when given, whose folder the
   * candidates' options name) with the first of `candidates` that works; the thread when
   * one did, else null with the worker's answer (each provider's failure).
   */
  static async spawn(
    modelPath: string,
    candidates: { name: ProviderName; options: InferenceSession.SessionOptions }[],
    inPlace: InPlaceModel | null = null,
  ): Promise<{ thread: InferenceThread | null; ready: ThreadReady }> {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    // Set where the library reads it, before the worker can load it ([Note: onnxruntime's
    // telemetry is off] in ort-module.ts).
    turnOffOrtTelemetry();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ortPath, modelPath, header: inPlace?.header ?? null, candidates },
    });
    const ready = await new Promise<Reply>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', (error) => resolve({ ready: false, error: error.message }));
    });
    if (!ready.ready) {
      await worker.terminate();
      return { thread: null, ready };
    }
    // An idle thread must not keep the process alive (a CLI run ends when its work
    // does); it holds the process only while a call is pending.
    worker.unref();
    return { thread: new InferenceThread(worker, modelPath), ready };
  }

  run(feeds: Record<string, InputTensor>): Promise<Record<string, OutputTensor>> {
    const id = this.nextId++;
    const message: Record<
      string,
      { type: string; data: InputTensor['data']; dims: readonly number[] }
    > = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      const type =
        tensor.type ??
        (tensor.data instanceof BigInt64Array
          ? 'int64'
          : tensor.data instanceof Int32Array
            ? 'int32'
            : 'float32');
      message[name] = { type, data: tensor.data, dims: tensor.dims };
    }
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        reject(this.failure('the inference thread was closed; load the model again'));
        return;
      }
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      // Copied, not transferred: callers reuse their batch buffers.
      this.worker.postMessage({ id, feeds: message });
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.worker.terminate();
  }

  private failure(reason: string): OnnxError {
    return new OnnxError(
      'INFERENCE_FAILED',
      this.path,
      `Inference on ${this.path} failed: ${reason}`,
    );
  }

  private failAll(error: Error): void {
    for (const call of this.pending.values()) call.reject(this.failure(error.message));
    this.pending.clear();
    this.worker.unref();
  }
}
