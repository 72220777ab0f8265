/**
 * @file The peer baseline (plain Node, bench time only): the same photos and the same
 * model file through @huggingface/transformers, written the way its documentation
 * shows a newcomer — AutoProcessor and CLIPVisionModelWithProjection from a local
 * folder, RawImage.read per photo, the processor and the model on batches of 16.
 * The script itself is baseline-script.mjs, run as its own Node process (no bundle, so
 * its start-up is its own: importing transformers.js and onnxruntime-node, loading the
 * model); this file spawns it, times it whole and reads its batch stamps.
 *
 * [Note: a fair baseline]
 * In Node, transformers.js 4 loads onnxruntime-node (src/backends/onnx.js: `apis.IS_NODE_ENV`
 * → onnx-node.js, which requires 'onnxruntime-node'; the WASM build is for browsers),
 * maps device 'cpu' to the CPU execution provider, and with dtype 'fp32' reads the
 * file without a suffix, `onnx/vision_model.onnx` (src/utils/dtypes.js,
 * DEFAULT_DTYPE_SUFFIX_MAPPING) — the very file Lantern loads (the folder holds no other
 * vision file, so a quantised choice would fail to load rather than run). Both are its Node
 * defaults; they are passed explicitly so a future default cannot change the
 * comparison, and the child reports what the session was really created with (its
 * session_config and the onnxruntime handler class), so the report can show it.
 * Its images are read with Promise.all per batch, so decoding overlaps on libuv's
 * threads as it would in any reasonable script. onnxruntime's telemetry is off in it as in
 * Lantern (ORT_DISABLE_TELEMETRY, set for every process the benchmark starts: [Note:
 * onnxruntime's telemetry is off] in native/onnx/ort-module.ts), so neither side is timed
 * with the SQLite queue and upload onnxruntime's Linux build would otherwise add.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { indexingRun, timedProcess, type BatchStamp, type IndexingRun } from './whole-process.js';

export const BASELINE_BATCH = 16;

export interface BaselineResult extends IndexingRun {
  /** Spawn to transformers.js imported, and to its model loaded, seconds. */
  importSeconds: number;
  loadSeconds: number;
  transformersVersion: string;
  /** What the vision session was created with, as transformers.js records it. */
  sessionDevice: string;
  sessionDtype: string;
  /** The class of the ORT session handler: onnxruntime-node's is OnnxruntimeSessionHandler. */
  ortHandler: string;
  ortPackage: string;
}

interface ScriptOutput {
  importDone: number;
  loaded: number;
  batches: BatchStamp[];
  sessionDevice: string;
  sessionDtype: string;
  ortHandler: string;
}

function packageVersion(file: string): string {
  let dir = path.dirname(file);
  for (;;) {
    try {
      const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (json.name && json.version) return `${json.name}@${json.version}`;
    } catch {
      // No package.json here; look further up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

/** The baseline script over `photos`, whole process, model `modelId` under `hfRoot`. */
export async function runBaseline(
  hfRoot: string,
  modelId: string,
  photos: readonly string[],
): Promise<BaselineResult> {
  const script = path.resolve('test', 'bench', 'baseline-script.mjs');
  const run = await timedProcess(process.execPath, [script, hfRoot, modelId, ...photos]);
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as ScriptOutput;
  const requireHere = createRequire(import.meta.url);
  const transformersEntry = requireHere.resolve('@huggingface/transformers');
  // Resolved from transformers.js' own folder: the copy it loads, not ours by assumption.
  const ortEntry = createRequire(transformersEntry).resolve('onnxruntime-node');
  return {
    ...indexingRun(run, photos.length, out.batches, null),
    importSeconds: (out.importDone - run.spawnedAt) / 1000,
    loadSeconds: (out.loaded - run.spawnedAt) / 1000,
    transformersVersion: packageVersion(transformersEntry),
    sessionDevice: out.sessionDevice,
    sessionDtype: out.sessionDtype,
    ortHandler: out.ortHandler,
    ortPackage: packageVersion(ortEntry),
  };
}
