/**
 * @file One run of a detector or segmenter over one photo and the prompts not yet
 * answered for it: the feeds (pixels from input.ts, prompts through CLIP's BPE) and the
 * raw answers split per prompt for the cache ([Note: what is cached is threshold-free]
 * in prompt-cache.ts). Runs in the engine (plain Node); prompt-models.ts is its caller.
 *
 * [Note: prompt models run on a thread]
 * onnxruntime-node runs a session synchronously on the calling thread, and a real OWL-ViT
 * or CLIPSeg run takes seconds on a CPU: in-process, every other engine channel (search,
 * jobs, progress) would wait for it. So a run goes to an InferenceThread hosting the same
 * model with the provider the in-process load settled on, as CLIP's image encoder does.
 * One thread per loaded session, shared like the session and its answer cache by every
 * Detector or Segmenter of that file; closing it (closePromptThread) stops it for all of
 * them, as releaseSessions does the session. When the thread cannot start, runs stay
 * in-process and the reason is logged.
 *
 * [Note: one copy of the weights]
 * The thread holds its own copy of the model, so once it has started the in-process
 * session (which settled the provider and gave the names to check) is released and
 * forgotten (forgetSession): a real OWL-ViT would otherwise sit in memory twice, some
 * 600 MB more. Its LoadedSession stays as the model's metadata (path, provider, input
 * and output names and shapes) and as the key of its thread and answer cache, but is
 * never run: runModel goes to the thread whenever there is one. A later in-process load
 * of the same file gets a fresh session (loadSession no longer holds this one).
 */
import {
  InferenceThread,
  runSession,
  type InputTensor,
  type LoadedSession,
  type SessionSettings,
} from '../../../native/onnx/index.js';
import type { OutputTensor } from '../../../native/onnx/index.js';
import { LanternError } from '../../shared/errors.js';
import type { DetectModel, PromptModel, SegmentModel } from '../models/manifest.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { prepareVisionInput } from './input.js';
import type { Geometry, VisionInputOptions, VisionPreprocess } from './input.js';
import { promptGrid, type LogitGrid } from './masks.js';

/** A loaded model with what a run needs besides the photo and prompts. */
export interface PromptRunContext<M extends PromptModel> {
  model: M;
  /** Run only when `thread` is null; released otherwise ([Note: one copy of the weights]). */
  session: LoadedSession;
  /** Where runs go; null: in-process ([Note: prompt models run on a thread]). */
  thread: InferenceThread | null;
  tokenizer: TextTokenizer;
  preprocess: VisionPreprocess;
  maxPixels: number;
}

/** A detector's raw answer for one photo: its boxes, and a logit per patch per prompt. */
export interface DetectorEntry {
  geometry: Geometry;
  /** `pred_boxes` [P, 4], the same whatever the prompts. */
  boxes: Float32Array;
  /** Per prompt, one logit per patch (a column of `logits` [1, P, Q]). */
  logits: Map<string, Float32Array>;
}

/** A segmenter's raw answer for one photo: one logit grid per prompt. */
export interface SegmenterEntry {
  geometry: Geometry;
  grids: Map<string, LogitGrid>;
}

/** The thread of each loaded session: a reloaded model file gets a thread of its own. */
const threads = new WeakMap<LoadedSession, Promise<InferenceThread | null>>();

/**
 * The thread `session`'s runs go to, started on first use; null when it cannot start,
 * with the reason logged (runs then block the engine while they last).
 */
export function promptThread(
  session: LoadedSession,
  settings: SessionSettings,
): Promise<InferenceThread | null> {
  let thread = threads.get(session);
  if (thread === undefined) {
    thread = InferenceThread.start(session, settings).catch((error: unknown) => {
      console.warn(
        `INFERENCE_FAILED: ${session.path} runs on the engine's own thread, so other work waits ` +
          `while it runs (${(error as Error).message}); restart Lantern to try again.`,
      );
      return null;
    });
    threads.set(session, thread);
  }
  return thread;
}

/** Stop `session`'s thread, if it has one (with the session, at releaseSessions). */
export async function closePromptThread(session: LoadedSession): Promise<void> {
  const thread = threads.get(session);
  threads.delete(session);
  await (await thread)?.close();
}

/** One run of the model, on its thread when it has one. */
function runModel(
  context: PromptRunContext<PromptModel>,
  feeds: Record<string, InputTensor>,
  outputs: readonly string[],
): Promise<Record<string, OutputTensor>> {
  return context.thread ? context.thread.run(feeds) : runSession(context.session, feeds, outputs);
}

/**
 * The prompt feeds: ids padded with the model's pad token to its context length (the
 * tokenizer truncates a long prompt so its end token stays), and the attention mask when
 * the graph takes one (the manifest names it; some exports leave it out).
 */
function promptFeeds(
  context: PromptRunContext<PromptModel>,
  prompts: readonly string[],
): Record<string, InputTensor> {
  const { contextLength, padToken, input, attentionMask } = context.model.text;
  const { ids, mask } = context.tokenizer.encodeBatch(prompts, contextLength, padToken);
  const dims = [prompts.length, contextLength];
  const feeds: Record<string, InputTensor> = { [input]: { type: 'int64', data: ids, dims } };
  if (context.session.inputNames.includes(attentionMask))
    feeds[attentionMask] = { type: 'int64', data: mask, dims };
  return feeds;
}

function floatOutput(
  model: PromptModel,
  outputs: Record<string, OutputTensor>,
  name: string,
): OutputTensor & { data: Float32Array } {
  const output = outputs[name];
  if (!(output?.data instanceof Float32Array)) {
    throw new LanternError(
      'MODEL_INVALID',
      `The model ${model.id} did not return a float32 output named "${name}"; its models.json does not match the file.`,
    );
  }
  return output as OutputTensor & { data: Float32Array };
}

/**
 * Run the detector on `photo` for `prompts` (those `previous` lacks) and return the
 * entry with their logits added. The photo is decoded again: a decoded 768² input is
 * 7 MB, kept for a second or two of slider moves that never need it.
 */
export async function runDetector(
  context: PromptRunContext<DetectModel>,
  photo: string | Buffer,
  prompts: readonly string[],
  decode: VisionInputOptions,
  previous: DetectorEntry | undefined,
): Promise<DetectorEntry> {
  const { model } = context;
  const { tensor, geometry } = await prepareVisionInput(photo, context.preprocess, decode);
  const size = context.preprocess.size;
  const feeds = promptFeeds(context, prompts);
  feeds[model.vision.input] = { type: 'float32', data: tensor, dims: [1, 3, size, size] };
  const outputs = await runModel(context, feeds, [model.outputs.logits, model.outputs.boxes]);
  const logits = floatOutput(model, outputs, model.outputs.logits).data;
  const boxes = floatOutput(model, outputs, model.outputs.boxes).data;
  const queries = prompts.length;
  const patches = boxes.length / 4;
  if (!Number.isInteger(patches) || logits.length !== patches * queries) {
    throw new LanternError(
      'MODEL_INVALID',
      `The detector ${model.id} returned ${logits.length} logits and ${boxes.length} box values ` +
        `for ${queries} prompts, not [1, P, ${queries}] and [1, P, 4]; its models.json does not match the file.`,
    );
  }
  const columns = new Map(previous?.logits);
  prompts.forEach((prompt, q) => {
    const column = new Float32Array(patches);
    for (let p = 0; p < patches; p++) column[p] = logits[p * queries + q]!;
    columns.set(prompt, column);
  });
  return { geometry, boxes: boxes.slice(), logits: columns };
}

/**
 * Whether the graph takes one image row only (`pixel_values` [1, …]): such an export is
 * run once per prompt, others once with the image row repeated per prompt.
 */
function takesOneRow(session: LoadedSession, input: string): boolean {
  const shape = session.inputs.find((info) => info.name === input)?.shape;
  return shape?.[0] === 1;
}

/** Run the segmenter on `photo` for `prompts` and return the entry with their grids added. */
export async function runSegmenter(
  context: PromptRunContext<SegmentModel>,
  photo: string | Buffer,
  prompts: readonly string[],
  decode: VisionInputOptions,
  previous: SegmenterEntry | undefined,
): Promise<SegmenterEntry> {
  const { model, session } = context;
  const { tensor, geometry } = await prepareVisionInput(photo, context.preprocess, decode);
  const size = context.preprocess.size;
  const grids = new Map(previous?.grids);
  const batches = takesOneRow(session, model.vision.input)
    ? prompts.map((prompt) => [prompt])
    : [prompts];
  for (const batch of batches) {
    const rows = batch.length;
    const pixels = new Float32Array(rows * tensor.length);
    for (let row = 0; row < rows; row++) pixels.set(tensor, row * tensor.length);
    const feeds = promptFeeds(context, batch);
    feeds[model.vision.input] = { type: 'float32', data: pixels, dims: [rows, 3, size, size] };
    const outputs = await runModel(context, feeds, [model.outputs.logits]);
    const logits = floatOutput(model, outputs, model.outputs.logits);
    batch.forEach((prompt, index) => {
      // The last two axes are the grid whatever the export's leading axes (masks.ts).
      const grid = promptGrid(logits.data, logits.dims, index);
      grids.set(prompt, { ...grid, data: grid.data.slice() });
    });
  }
  return { geometry, grids };
}
