/**
 * @file A randomly initialised CLIP ViT-B/32 (image and text encoders) for benchmarks:
 * the architecture, size and tensor signature of the real default model, so timings
 * measure real work, without its weights (which cannot be downloaded where Lantern is
 * built). Plain Node, bench time only: `tsx test/bench/vit-model.ts <dir>`.
 *
 * Figures are CLIP ViT-B/32's (OpenAI CLIP paper, table 20; the Hugging Face
 * openai/clip-vit-base-patch32 config): image 224 px, patch 32, width 768, 12 layers,
 * 12 heads, MLP 3072; text width 512, 12 layers, 8 heads, MLP 2048, vocabulary 49 408,
 * context 77; both projected to 512. About 88 M image and 63 M text parameters.
 *
 * Besides `<dir>/models.json` it writes a Hugging Face-style folder
 * (`config.json`, `preprocessor_config.json`, `onnx/vision_model.onnx`) so that
 * @huggingface/transformers 4 can load the very same file as a peer baseline:
 * `env.localModelPath = dir; env.allowRemoteModels = false;
 * CLIPVisionModelWithProjection.from_pretrained('bench-vit-b32')` reads
 * `onnx/vision_model.onnx` (fp32 on CPU means no file-name suffix).
 *
 * The same folder holds `onnx/{vision,text}_model_quantized.onnx`, the same weights
 * quantised as Xenova's published int8 files are (manifest id `bench-vit-b32-int8`;
 * transformers.js reads them with `dtype: 'q8'`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest } from '../../electron/engine/models/manifest.js';
import { readBundledSignature } from '../toy-models/toy-clip.js';
import type { ToyClipSignature } from '../toy-models/toy-clip.js';
import { GraphBuilder, writeModel } from '../toy-models/onnx-writer.js';
import {
  SeededWeights,
  encoderLayer,
  layerNorm,
  linear,
  quantizedConv,
  quantizedGather,
  type DynamicQuant,
} from './transformer.js';

export const BENCH_MODEL_ID = 'bench-vit-b32';
/** The same weights, quantised as Xenova's `*_quantized.onnx` (see [Note: dynamic int8 quantisation]). */
export const BENCH_MODEL_INT8_ID = 'bench-vit-b32-int8';

export const IMAGE = { size: 224, patch: 32, width: 768, layers: 12, heads: 12, mlp: 3072 };
export const TEXT = { vocab: 49_408, context: 77, width: 512, layers: 12, heads: 8, mlp: 2048 };
const EMBEDDING = 512;

/**
 * transformers.js quantises a graph with a Conv (the image encoder) to uint8 weights
 * and one without (the text encoder) to int8; both per channel, 7-bit.
 */
/** A two-layer, 64-wide stand-in with the same graph, for tests that need it small. */
export const SMALL_SHAPE = { width: 64, layers: 2, heads: 4, mlp: 256 };
export const IMAGE_QUANT: DynamicQuant = { weights: 'uint8', reduceRange: true };
export const TEXT_QUANT: DynamicQuant = { weights: 'int8', reduceRange: true };

/** A smaller shape (tests) and/or quantised weights; the defaults build the bench model. */
export interface EncoderOptions<Shape> {
  shape?: Partial<Shape>;
  quant?: DynamicQuant | undefined;
}

/**
 * Image encoder: patch conv → [class; patches] + positions → pre-LN → 12 layers →
 * post-LN of the class token → projection.
 */
export function buildVisionEncoder(
  sig: ToyClipSignature,
  seed = 1,
  options: EncoderOptions<typeof IMAGE> = {},
): GraphBuilder {
  const { size, patch, width, layers, heads, mlp } = { ...IMAGE, ...options.shape };
  const { quant } = options;
  const grid = size / patch;
  const rng = new SeededWeights(seed);
  const g = new GraphBuilder(quant ? 'bench_vit_b32_vision_int8' : 'bench_vit_b32_vision');
  const pixels = g.input(sig.vision.input, 'float32', ['N', 3, size, size]);
  // CLIP's patch embedding is a bias-free conv (openai/CLIP model.py, VisionTransformer.conv1).
  const kernelName = 'vision.patch_embedding.weight';
  const kernelValues = rng.uniform(width * 3 * patch * patch);
  const kernelDims = [width, 3, patch, patch];
  const convAttrs = { kernel_shape: [patch, patch], strides: [patch, patch] };
  const patches = quant
    ? quantizedConv(g, pixels, kernelValues, kernelDims, kernelName, quant, convAttrs)
    : g.op('Conv', [pixels, g.initializer(kernelName, kernelValues, kernelDims)], convAttrs);
  const tokens = g.op(
    'Transpose',
    [g.op('Reshape', [patches, g.int64s([0, width, grid * grid])])],
    { perm: [0, 2, 1] },
  );
  // The class token, repeated over the batch: Expand to [N, 1, width].
  const batch = g.op('Shape', [pixels], { start: 0, end: 1 });
  const classShape = g.op('Concat', [batch, g.int64s([1, width])], { axis: 0 });
  const classToken = g.op('Expand', [
    g.initializer('vision.class_embedding', rng.uniform(width), [1, 1, width]),
    classShape,
  ]);
  let x = g.op('Concat', [classToken, tokens], { axis: 1 });
  x = g.op('Add', [
    x,
    g.initializer('vision.position_embedding', rng.uniform((grid * grid + 1) * width), [
      grid * grid + 1,
      width,
    ]),
  ]);
  x = layerNorm(g, x, width, 'vision.pre_layrnorm'); // sic: the Hugging Face module name
  for (let i = 0; i < layers; i++)
    x = encoderLayer(g, rng, x, { width, heads, mlp, quant }, `vision.layers.${i}`);
  const classOut = g.op('Gather', [x, g.initializer('class_index', BigInt64Array.from([0n]), [])], {
    axis: 1,
  });
  const pooled = layerNorm(g, classOut, width, 'vision.post_layernorm');
  const projected = linear(g, rng, pooled, width, EMBEDDING, 'visual_projection', false, quant);
  g.node('Identity', [projected], [sig.vision.output]);
  g.output(sig.vision.output, 'float32', ['N', EMBEDDING]);
  return g;
}

/**
 * Text encoder: tokens + positions → 12 causal layers → final LN → the row at
 * argmax(ids) (the end token) → projection.
 */
export function buildTextEncoder(
  sig: ToyClipSignature,
  seed = 2,
  options: EncoderOptions<typeof TEXT> = {},
): GraphBuilder {
  const { vocab, context, width, layers, heads, mlp } = { ...TEXT, ...options.shape };
  const { quant } = options;
  const rng = new SeededWeights(seed);
  const g = new GraphBuilder(quant ? 'bench_vit_b32_text_int8' : 'bench_vit_b32_text');
  // The sequence length is dynamic, as in the Hugging Face export: Lantern pads a batch only
  // to its longest text ([Note: padding to the longest text]).
  const ids = g.input(sig.text.input, 'int64', ['N', 'sequence']);
  // Pooling at the end token makes padding irrelevant, so a mask input is accepted and unused.
  if (sig.text.attentionMask !== null) g.input(sig.text.attentionMask, 'int64', ['N', 'sequence']);
  const length = g.op('Gather', [g.op('Shape', [ids]), g.int64s([1])], { axis: 0 });
  const tableValues = rng.uniform(vocab * width);
  let x = quant
    ? quantizedGather(g, tableValues, [vocab, width], ids, 'text.token_embedding', quant)
    : g.op('Gather', [g.initializer('text.token_embedding', tableValues, [vocab, width]), ids], {
        axis: 0,
      });
  const positionTable = g.initializer('text.position_embedding', rng.uniform(context * width), [
    context,
    width,
  ]);
  x = g.op('Add', [x, g.op('Slice', [positionTable, g.int64s([0]), length, g.int64s([0])])]);
  // Causal mask: position i attends to j ≤ i. -1e9 rather than -inf keeps the sums finite.
  const causal = new Float32Array(context * context);
  for (let i = 0; i < context; i++) causal.fill(-1e9, i * context + i + 1, (i + 1) * context);
  const fullMask = g.initializer('text.causal_mask', causal, [1, 1, context, context]);
  const square = g.op('Concat', [length, length], { axis: 0 });
  const mask = g.op('Slice', [fullMask, g.int64s([0, 0]), square, g.int64s([2, 3])]);
  for (let i = 0; i < layers; i++)
    x = encoderLayer(g, rng, x, { width, heads, mlp, quant }, `text.layers.${i}`, mask);
  x = layerNorm(g, x, width, 'text.final_layer_norm');
  // The end token has the highest id (49407), so argmax finds it, as CLIPTextTransformer does.
  const endIndex = g.op('ArgMax', [g.op('Cast', [ids], { to: 6 })], { axis: -1, keepdims: 1 }); // 6 = INT32
  const pooled = g.op('GatherND', [x, endIndex], { batch_dims: 1 });
  const projected = linear(g, rng, pooled, width, EMBEDDING, 'text_projection', false, quant);
  g.node('Identity', [projected], [sig.text.output]);
  g.output(sig.text.output, 'float32', ['N', EMBEDDING]);
  return g;
}

/**
 * Revision of the graphs below; a cached model of another revision is written again
 * (2: the text encoder's sequence length is dynamic).
 */
export const BENCH_MODEL_REVISION = 2;

export interface BenchModel {
  visionPath: string;
  textPath: string;
  manifestPath: string;
  /** The Hugging Face-style folder, for @huggingface/transformers' `env.localModelPath`. */
  hfRoot: string;
  visionParameters: number;
  textParameters: number;
  /** `bench-vit-b32-int8`: the same weights quantised, beside the fp32 files. */
  visionInt8Path: string;
  textInt8Path: string;
}

/** Preprocessing of openai/clip-vit-base-patch32's preprocessor_config.json. */
function preprocessorConfig(sig: ToyClipSignature): object {
  return {
    image_processor_type: 'CLIPImageProcessor',
    do_resize: true,
    size: { shortest_edge: IMAGE.size },
    resample: 3, // bicubic
    do_center_crop: true,
    crop_size: { height: IMAGE.size, width: IMAGE.size },
    do_rescale: true,
    rescale_factor: sig.vision.rescale,
    do_normalize: true,
    image_mean: sig.vision.mean,
    image_std: sig.vision.std,
    do_convert_rgb: true,
  };
}

function hfConfig(): object {
  return {
    model_type: 'clip',
    architectures: ['CLIPModel'],
    projection_dim: EMBEDDING,
    vision_config: {
      model_type: 'clip_vision_model',
      hidden_size: IMAGE.width,
      image_size: IMAGE.size,
      patch_size: IMAGE.patch,
      num_hidden_layers: IMAGE.layers,
      num_attention_heads: IMAGE.heads,
      intermediate_size: IMAGE.mlp,
      hidden_act: 'quick_gelu',
      projection_dim: EMBEDDING,
    },
    text_config: {
      model_type: 'clip_text_model',
      hidden_size: TEXT.width,
      vocab_size: TEXT.vocab,
      max_position_embeddings: TEXT.context,
      num_hidden_layers: TEXT.layers,
      num_attention_heads: TEXT.heads,
      intermediate_size: TEXT.mlp,
      hidden_act: 'quick_gelu',
      projection_dim: EMBEDDING,
    },
  };
}

/**
 * Writes `<dir>/bench-vit-b32/{config.json, preprocessor_config.json, onnx/*.onnx}` and
 * `<dir>/models.json` (one hidden `clip` entry). Deterministic; ~600 MB on disk.
 */
export async function writeVitB32(dir: string): Promise<BenchModel> {
  const root = resolve(dir);
  const modelDir = join(root, BENCH_MODEL_ID);
  await mkdir(join(modelDir, 'onnx'), { recursive: true });
  const options = {
    producerName: 'lantern-bench-models',
    docString: 'Random-weight CLIP ViT-B/32 for benchmarks.',
  };

  // One graph at a time, so only one model's weights are in memory at once.
  const sig = readBundledSignature(); // the tensor names and preprocessing of the real default model
  const visionGraph = buildVisionEncoder(sig);
  const visionParameters = visionGraph.parameterCount();
  const visionRelative = `${BENCH_MODEL_ID}/onnx/vision_model.onnx`;
  const vision = await writeModel(join(root, visionRelative), visionGraph, options);
  const textGraph = buildTextEncoder(sig);
  const textParameters = textGraph.parameterCount();
  const textRelative = `${BENCH_MODEL_ID}/onnx/text_model.onnx`;
  const text = await writeModel(join(root, textRelative), textGraph, options);

  await writeFile(join(modelDir, 'config.json'), `${JSON.stringify(hfConfig(), null, 2)}\n`);
  await writeFile(
    join(modelDir, 'preprocessor_config.json'),
    `${JSON.stringify(preprocessorConfig(sig), null, 2)}\n`,
  );

  // After the fp32 graphs, in a scope of their own, so the float draws can be collected.
  const visionInt8Relative = `${BENCH_MODEL_ID}/onnx/vision_model_quantized.onnx`;
  const visionInt8 = await writeModel(
    join(root, visionInt8Relative),
    buildVisionEncoder(sig, 1, { quant: IMAGE_QUANT }),
    options,
  );
  const textInt8Relative = `${BENCH_MODEL_ID}/onnx/text_model_quantized.onnx`;
  const textInt8 = await writeModel(
    join(root, textInt8Relative),
    buildTextEncoder(sig, 2, { quant: TEXT_QUANT }),
    options,
  );

  const manifest: Manifest = {
    version: 1,
    models: [
      {
        id: BENCH_MODEL_ID,
        name: 'Benchmark CLIP ViT-B/32 (random weights)',
        task: 'clip',
        description: 'Architecture and size of CLIP ViT-B/32 with random weights; for timing only.',
        license: 'MIT',
        source: 'test/bench/vit-model.ts',
        hidden: true,
        embeddingSize: EMBEDDING,
        languages: ['en'],
        files: {
          vision: { path: visionRelative, ...vision },
          text: { path: textRelative, ...text },
        },
        vision: sig.vision,
        text: { tokenizer: 'clip-bpe', ...sig.text },
      },
      {
        id: BENCH_MODEL_INT8_ID,
        name: 'Benchmark CLIP ViT-B/32, int8 (random weights)',
        task: 'clip',
        description:
          'bench-vit-b32 with int8 weights (onnxruntime dynamic quantisation); for timing only.',
        license: 'MIT',
        source: 'test/bench/vit-model.ts',
        hidden: true,
        embeddingSize: EMBEDDING,
        languages: ['en'],
        files: {
          vision: { path: visionInt8Relative, ...visionInt8 },
          text: { path: textInt8Relative, ...textInt8 },
        },
        vision: sig.vision,
        text: { tokenizer: 'clip-bpe', ...sig.text },
      },
    ],
  };
  const manifestPath = join(root, 'models.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    visionPath: join(root, visionRelative),
    textPath: join(root, textRelative),
    manifestPath,
    hfRoot: root,
    visionParameters,
    textParameters,
    visionInt8Path: join(root, visionInt8Relative),
    textInt8Path: join(root, textInt8Relative),
  };
}

// The file-name check matters once bundled: inside out/bench.js, import.meta.url is the
// bundle itself, which is also argv[1], and this block must not run there.
const modulePath = fileURLToPath(import.meta.url);
const invokedDirectly =
  /vit-model\.[cm]?[jt]s$/.test(modulePath) &&
  process.argv[1] !== undefined &&
  resolve(process.argv[1]) === modulePath;
if (invokedDirectly) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('Usage: tsx test/bench/vit-model.ts <output folder>');
    process.exit(2);
  }
  const started = performance.now();
  const model = await writeVitB32(dir);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `Wrote ${model.manifestPath}: image ${(model.visionParameters / 1e6).toFixed(1)} M, text ${(model.textParameters / 1e6).toFixed(1)} M parameters, in ${seconds} s.`,
  );
}
