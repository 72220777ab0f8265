/**
 * @file Generates the toy models of `TOY_MODELS.md` and their `models.json` into a
 * folder, deterministically: `npm run toy-models -- <dir>`. Tests call
 * `generateToyModels(dir)` directly. Plain Node, test time only.
 *
 * The folder is loaded like a person's custom model folder: `<dir>/models.json`
 * lists the models with file paths relative to `<dir>` and the size and SHA-256 of
 * every file, so the checksum path of the real loader is exercised too.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest } from '../../electron/engine/models/manifest.js';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { writeModel } from './onnx-writer.js';
import type { GraphBuilder } from './onnx-writer.js';
import {
  CLIP_VOCABULARY,
  buildToyClipText,
  buildToyClipVision,
  readBundledSignature,
} from './toy-clip.js';
import { TOY_CLIP_GAP_ID, buildGapText, buildGapVision } from './toy-clip-gap.js';
import {
  I18N_CONTEXT,
  I18N_PAD,
  TOY_CLIP_I18N_ID,
  buildI18nText,
  i18nTokenizerJson,
  i18nVocabulary,
} from './toy-clip-i18n.js';
import { DETECT_CONTEXT, DETECT_PREPROCESS, TOY_DETECT_ID, buildToyDetect } from './toy-detect.js';
import {
  SEGMENT_CONTEXT,
  SEGMENT_PREPROCESS,
  TOY_SEGMENT_ID,
  buildToySegment,
} from './toy-segment.js';

export const TOY_CLIP_ID = 'toy-clip';
export { TOY_CLIP_GAP_ID, TOY_CLIP_I18N_ID, TOY_DETECT_ID, TOY_SEGMENT_ID };

/** The pad tokens of the real tokenizers: OWL-ViT pads with "!" (id 0), CLIP with its end token. */
const OWLVIT_PAD_TOKEN = 0;
const CLIP_PAD_TOKEN = 49407;

export interface GeneratedToyModels {
  dir: string;
  manifestPath: string;
  visionPath: string;
  textPath: string;
  /** The files of `toy-clip-gap` (TOY_MODELS.md, "toy CLIP with real geometry"). */
  gap: { visionPath: string; textPath: string };
  /** The files of `toy-clip-i18n` (TOY_MODELS.md, "toy multilingual CLIP"). */
  i18n: { visionPath: string; textPath: string; tokenizerPath: string };
  /** The toy detector and segmenter (TOY_MODELS.md), one ONNX file each. */
  detectPath: string;
  segmentPath: string;
  manifest: Manifest;
}

async function writeAndDescribe(
  dir: string,
  relative: string,
  graph: GraphBuilder,
): Promise<{ path: string; size: number; sha256: string }> {
  const written = await writeModel(join(dir, relative), graph, {
    docString: 'Lantern toy model, see TOY_MODELS.md.',
  });
  return { path: relative, ...written };
}

/** A JSON file written as a manifest file entry: path, size and SHA-256. */
async function writeJsonAndDescribe(
  dir: string,
  relative: string,
  value: object,
): Promise<{ path: string; size: number; sha256: string }> {
  const bytes = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
  await writeFile(join(dir, relative), bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { path: relative, size: bytes.length, sha256 };
}

/**
 * Writes `<dir>/<id>/{vision,text}_model.onnx` for each toy CLIP (and toy-clip-i18n's
 * tokenizer.json), `<dir>/<id>/model.onnx`
 * for the toy detector and segmenter, and `<dir>/models.json`.
 */
export async function generateToyModels(
  dir: string,
  options: { bundledManifest?: string } = {},
): Promise<GeneratedToyModels> {
  const root = resolve(dir);
  await mkdir(join(root, TOY_CLIP_ID), { recursive: true });
  await mkdir(join(root, TOY_CLIP_GAP_ID), { recursive: true });
  await mkdir(join(root, TOY_CLIP_I18N_ID), { recursive: true });
  await mkdir(join(root, TOY_DETECT_ID), { recursive: true });
  await mkdir(join(root, TOY_SEGMENT_ID), { recursive: true });
  const sig = readBundledSignature(options.bundledManifest);
  const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);

  const vision = await writeAndDescribe(
    root,
    `${TOY_CLIP_ID}/vision_model.onnx`,
    buildToyClipVision(sig),
  );
  const text = await writeAndDescribe(
    root,
    `${TOY_CLIP_ID}/text_model.onnx`,
    buildToyClipText(sig, tokenizer),
  );
  const gapVision = await writeAndDescribe(
    root,
    `${TOY_CLIP_GAP_ID}/vision_model.onnx`,
    buildGapVision(sig),
  );
  const gapText = await writeAndDescribe(
    root,
    `${TOY_CLIP_GAP_ID}/text_model.onnx`,
    buildGapText(sig, tokenizer),
  );
  // toy-clip-i18n: toy-clip-gap's image graph, its own text graph and tokenizer.json.
  const i18nWords = i18nVocabulary();
  const i18nVision = await writeAndDescribe(
    root,
    `${TOY_CLIP_I18N_ID}/vision_model.onnx`,
    buildGapVision(sig),
  );
  const i18nText = await writeAndDescribe(
    root,
    `${TOY_CLIP_I18N_ID}/text_model.onnx`,
    buildI18nText(i18nWords),
  );
  const i18nTokenizer = await writeJsonAndDescribe(
    root,
    `${TOY_CLIP_I18N_ID}/tokenizer.json`,
    i18nTokenizerJson(i18nWords),
  );
  const detect = await writeAndDescribe(
    root,
    `${TOY_DETECT_ID}/model.onnx`,
    buildToyDetect(tokenizer),
  );
  const segment = await writeAndDescribe(
    root,
    `${TOY_SEGMENT_ID}/model.onnx`,
    buildToySegment(tokenizer),
  );

  const manifest: Manifest = {
    version: 1,
    models: [
      {
        id: TOY_CLIP_ID,
        name: 'Toy CLIP (test fixture)',
        task: 'clip',
        description: 'Colour words match colours; see TOY_MODELS.md.',
        license: 'MIT',
        source: 'test/toy-models/toy-clip.ts',
        notes: `Input/output signature copied from the ${sig.origin}.`,
        hidden: true,
        embeddingSize: sig.embeddingSize,
        languages: ['en'],
        files: { vision, text },
        vision: sig.vision,
        text: { tokenizer: 'clip-bpe', ...sig.text },
      },
      {
        id: TOY_CLIP_GAP_ID,
        name: 'Toy CLIP with real geometry (test fixture)',
        task: 'clip',
        description:
          'Colour words match colours with the score shape of real CLIP ViT-B/32; see TOY_MODELS.md.',
        license: 'MIT',
        source: 'test/toy-models/toy-clip-gap.ts',
        notes: `Input/output signature copied from the ${sig.origin}; the text input's length is dynamic as in the real export.`,
        hidden: true,
        embeddingSize: sig.embeddingSize,
        languages: ['en'],
        files: { vision: gapVision, text: gapText },
        vision: sig.vision,
        text: { tokenizer: 'clip-bpe', ...sig.text },
        // Measured by test/bench/relevance.ts (docs/search.md, "Where relevance ends").
        relevance: { matchFloor: 0.3 },
      },
      {
        id: TOY_CLIP_I18N_ID,
        name: 'Toy multilingual CLIP (test fixture)',
        task: 'clip',
        description:
          'Colour words in English, French, German, Spanish and Chinese match colours, in the toy-clip-gap geometry; see TOY_MODELS.md.',
        license: 'MIT',
        source: 'test/toy-models/toy-clip-i18n.ts',
        notes:
          'A WordPiece tokenizer.json (BERT normalisation and pre-tokenisation); text encoder takes input_ids and attention_mask.',
        hidden: true,
        embeddingSize: sig.embeddingSize,
        languages: ['multilingual', 'en', 'fr', 'de', 'es', 'zh'],
        files: { vision: i18nVision, text: i18nText, tokenizer: i18nTokenizer },
        // The image graph is toy-clip-gap's, which undoes CLIP's mean/std.
        vision: sig.vision,
        text: {
          tokenizer: 'tokenizer-json',
          clean: 'canonicalize',
          contextLength: I18N_CONTEXT,
          input: 'input_ids',
          attentionMask: 'attention_mask',
          output: 'text_embeds',
          padToken: I18N_PAD,
          // As the multilingual SigLIP entry this toy stands for.
          padding: 'max_length',
        },
        relevance: { matchFloor: 0.3 },
      },
      {
        id: TOY_DETECT_ID,
        name: 'Toy detector (test fixture)',
        task: 'detect',
        description:
          'A patch scores a query by colour and boxes its same-coloured region; see TOY_MODELS.md.',
        license: 'MIT',
        source: 'test/toy-models/toy-detect.ts',
        notes:
          'Signature and preprocessing of OWL-ViT B/32 (google/owlvit-base-patch32): 768×768 squash, CLIP mean/std, 16 tokens padded with "!".',
        hidden: true,
        files: { model: detect },
        vision: promptVision(DETECT_PREPROCESS),
        text: {
          tokenizer: 'clip-bpe',
          contextLength: DETECT_CONTEXT,
          input: 'input_ids',
          attentionMask: 'attention_mask',
          padToken: OWLVIT_PAD_TOKEN,
        },
        outputs: { logits: 'logits', boxes: 'pred_boxes', boxFormat: 'cxcywh-normalized' },
        // The real detectors' starting point (resources/models.json).
        scoreThreshold: 0.1,
      },
      {
        id: TOY_SEGMENT_ID,
        name: 'Toy segmenter (test fixture)',
        task: 'segment',
        description: 'A pixel scores a query by colour; see TOY_MODELS.md.',
        license: 'MIT',
        source: 'test/toy-models/toy-segment.ts',
        notes:
          'Signature and preprocessing of CLIPSeg rd64-refined (Xenova/clipseg-rd64-refined): 352×352 squash, ImageNet mean/std, one image row per prompt.',
        hidden: true,
        files: { model: segment },
        vision: promptVision(SEGMENT_PREPROCESS),
        text: {
          tokenizer: 'clip-bpe',
          contextLength: SEGMENT_CONTEXT,
          input: 'input_ids',
          attentionMask: 'attention_mask',
          padToken: CLIP_PAD_TOKEN,
        },
        outputs: { logits: 'logits' },
        scoreThreshold: 0.5,
      },
    ],
  };
  const manifestPath = join(root, 'models.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    dir: root,
    manifestPath,
    visionPath: join(root, vision.path),
    textPath: join(root, text.path),
    gap: { visionPath: join(root, gapVision.path), textPath: join(root, gapText.path) },
    i18n: {
      visionPath: join(root, i18nVision.path),
      textPath: join(root, i18nText.path),
      tokenizerPath: join(root, i18nTokenizer.path),
    },
    detectPath: join(root, detect.path),
    segmentPath: join(root, segment.path),
    manifest,
  };
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('Usage: npm run toy-models -- <output folder>');
    process.exit(2);
  }
  const started = performance.now();
  const result = await generateToyModels(dir);
  const ms = Math.round(performance.now() - started);
  console.log(
    `Wrote ${result.manifestPath} (${result.manifest.models.length} models) in ${ms} ms.`,
  );
}

/** A toy's preprocessing constants as a manifest's prompt-model `vision` block. */
function promptVision(pre: typeof DETECT_PREPROCESS | typeof SEGMENT_PREPROCESS) {
  return {
    ...pre,
    mean: [...pre.mean] as [number, number, number],
    std: [...pre.std] as [number, number, number],
    input: 'pixel_values',
  };
}
