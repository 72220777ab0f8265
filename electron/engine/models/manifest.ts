/**
 * @file The model manifest: the schema of `resources/models.json` and of any model
 * folder's own `models.json` (custom or domain models; the test suite's toy models).
 * Runs in the engine (plain Node). Everything the pipeline needs to run a model —
 * file names, tensor names, preprocessing, tokenizer — comes from here, never from
 * code, so a new export is a manifest entry, not a patch.
 */
import { z } from 'zod';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');

export const ModelFileSchema = z.object({
  /** File name inside the model's folder. */
  path: z.string().min(1),
  /** Where Lantern downloads it from; absent for files that are only ever local. */
  url: z.url().optional(),
  /** Exact byte size; checked before the hash. */
  size: z.number().int().positive().optional(),
  sha256: hex64.optional(),
});
export type ModelFile = z.infer<typeof ModelFileSchema>;

export const ResizeModeSchema = z.enum(['shortest-crop', 'squash']);
export type ResizeMode = z.infer<typeof ResizeModeSchema>;
export const InterpolationSchema = z.enum(['nearest', 'bilinear', 'bicubic', 'lanczos3']);
export type Interpolation = z.infer<typeof InterpolationSchema>;

const rgb = z.tuple([z.number(), z.number(), z.number()]);

export const ImagePreprocessSchema = z.object({
  /** Side of the square model input, in pixels. */
  size: z.number().int().positive(),
  resize: ResizeModeSchema,
  interpolation: InterpolationSchema,
  /** Applied to 0..255 values before mean/std (1/255 for the usual exports). */
  rescale: z
    .number()
    .positive()
    .default(1 / 255),
  mean: rgb,
  std: rgb,
});
export type ImagePreprocess = z.infer<typeof ImagePreprocessSchema>;

export const ClipModelSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    name: z.string(),
    task: z.literal('clip'),
    description: z.string().default(''),
    license: z.string().default('unknown'),
    /** The public page the figures below were taken from. */
    source: z.string().default(''),
    /** Notes on figures that could not be confirmed. */
    notes: z.string().optional(),
    /** Test fixtures are loadable but never offered in the model picker. */
    hidden: z.boolean().default(false),
    embeddingSize: z.number().int().positive(),
    files: z.object({
      vision: ModelFileSchema,
      text: ModelFileSchema,
      vocab: ModelFileSchema.optional(),
      /** A Hugging Face tokenizer.json, for `text.tokenizer: 'tokenizer-json'` models. */
      tokenizer: ModelFileSchema.optional(),
    }),
    /**
     * Languages its text encoder was trained on, as ISO 639-1 codes (`["en"]`), or
     * `["multilingual"]` with the main ones listed after it; shown in the model picker.
     */
    languages: z.array(z.string().min(2).max(40)).min(1).default(['en']),
    vision: ImagePreprocessSchema.extend({
      input: z.string().default('pixel_values'),
      output: z.string().default('image_embeds'),
    }),
    text: z.object({
      /**
       * `clip-bpe`: OpenAI CLIP's BPE (bundled vocabulary, or files.vocab); `tokenizer-json`:
       * the model's own Hugging Face tokenizer.json (files.tokenizer) — SigLIP, multilingual.
       */
      tokenizer: z.enum(['clip-bpe', 'tokenizer-json']),
      /**
       * Text clean-up before tokenising, as the model was trained: `lower` lower-cases;
       * `canonicalize` (open_clip's for SigLIP) also drops punctuation and collapses spaces.
       */
      clean: z.enum(['none', 'lower', 'canonicalize']).default('none'),
      contextLength: z.number().int().positive(),
      input: z.string().default('input_ids'),
      /** Name of the attention-mask input when the export takes one. */
      attentionMask: z.string().nullable().default(null),
      output: z.string().default('text_embeds'),
      /** Token id used to pad to the context length. */
      padToken: z.number().int().nonnegative(),
      /**
       * `longest`: pad a batch only to its longest text, for causal encoders pooled at the
       * first end token (Hugging Face's CLIP exports); `max_length`: to `contextLength`.
       * See [Note: padding to the longest text] in tokenizer/text-tokenizer.ts.
       */
      padding: z.enum(['max_length', 'longest']).default('max_length'),
    }),
    /**
     * Bytes to download, roughly, for a model whose files do not all have a published size
     * (the picker says "about 1.7 GB" rather than "size unknown").
     */
    approxSize: z.number().int().positive().optional(),
    /** Rough figures for the model picker. */
    quality: z.string().optional(),
    speed: z.string().optional(),
    /**
     * Calibration of the relevance cut-off (electron/engine/search/cutoff.ts). `matchFloor`:
     * the image–text cosine at which this model's match is a match whatever the library
     * holds; when absent, CLIP ViT-B/32's 0.28 (docs/search.md, "Where relevance ends").
     */
    relevance: z.object({ matchFloor: z.number().min(-1).max(1).optional() }).optional(),
  })
  .superRefine(tokenizerFileGiven);
export type ClipModel = z.infer<typeof ClipModelSchema>;

/**
 * A `tokenizer-json` model reads its own tokenizer.json: without `files.tokenizer` there
 * is nothing to read, and it would only show at the first search, after indexing.
 */
function tokenizerFileGiven(
  entry: { text: { tokenizer: string }; files: { tokenizer?: ModelFile | undefined } },
  ctx: z.RefinementCtx,
): void {
  if (entry.text.tokenizer === 'tokenizer-json' && entry.files.tokenizer === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['files', 'tokenizer'],
      message:
        "a tokenizer-json model needs files.tokenizer, the model's Hugging Face tokenizer.json (path, and url, size and sha256 when Lantern downloads it)",
    });
  }
}

/**
 * How a detector or segmenter fits a photo into its square input. `squash` resizes to
 * size×size whatever the aspect (OWL-ViT, CLIPSeg); `pad-square` first pads the photo at
 * its bottom and right to a square of its longer side with `padValue`, then resizes
 * (OWLv2). Centre-cropping is not offered: a crop would hide part of the photo from a
 * model whose answers are places in it.
 */
export const PlacementSchema = z.enum(['squash', 'pad-square']);
export type Placement = z.infer<typeof PlacementSchema>;

export const PromptVisionSchema = ImagePreprocessSchema.extend({
  resize: PlacementSchema,
  /** Grey the padding is filled with, in 0..1 (after rescale, before mean/std). */
  padValue: z.number().min(0).max(1).optional(),
  input: z.string().default('pixel_values'),
});
export type PromptVision = z.infer<typeof PromptVisionSchema>;

/** The prompt side of a detector or segmenter: CLIP's BPE, padded to a fixed length. */
export const PromptTextSchema = z.object({
  tokenizer: z.literal('clip-bpe'),
  /** Tokens per prompt, start and end tokens included (16 for OWL-ViT, 77 for CLIPSeg). */
  contextLength: z.number().int().positive(),
  /** Token id used to pad to the context length ("!" = 0 for OWL, <|endoftext|> for CLIPSeg). */
  padToken: z.number().int().nonnegative(),
  input: z.string().default('input_ids'),
  attentionMask: z.string().default('attention_mask'),
});
export type PromptText = z.infer<typeof PromptTextSchema>;

/** Fields every detector and segmenter entry shares with a CLIP entry. */
const promptModelFields = {
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  name: z.string(),
  description: z.string().default(''),
  license: z.string().default('unknown'),
  source: z.string().default(''),
  notes: z.string().optional(),
  hidden: z.boolean().default(false),
  /** One combined ONNX graph: the Xenova exports take image and prompts in one run. */
  files: z.object({ model: ModelFileSchema }),
  vision: PromptVisionSchema,
  text: PromptTextSchema,
  /** Cut-off on the sigmoid of a logit that the panel's slider starts at. */
  scoreThreshold: z.number().gt(0).lt(1),
  approxSize: z.number().int().positive().optional(),
  quality: z.string().optional(),
  speed: z.string().optional(),
};

/** A pad-square model without a pad value would leave the padding's colour to code. */
function padValueGiven(entry: { vision: PromptVision }, ctx: z.RefinementCtx): void {
  if (entry.vision.resize === 'pad-square' && entry.vision.padValue === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['vision', 'padValue'],
      message: 'a pad-square model needs padValue, the grey its padding is filled with (0..1)',
    });
  }
}

/**
 * Open-vocabulary detector (OWL-ViT, OWLv2): one image and Q prompts in, per patch P a
 * logit for each prompt and one box out. Boxes are (cx, cy, w, h) in 0..1 of the model's
 * input, that is of the padded square for `pad-square` models.
 */
export const DetectModelSchema = z
  .object({
    ...promptModelFields,
    task: z.literal('detect'),
    outputs: z.object({
      /** `[1, P, Q]` */
      logits: z.string().default('logits'),
      /** `[1, P, 4]` */
      boxes: z.string().default('pred_boxes'),
      boxFormat: z.literal('cxcywh-normalized').default('cxcywh-normalized'),
    }),
  })
  .superRefine(padValueGiven);
export type DetectModel = z.infer<typeof DetectModelSchema>;

/**
 * Text-prompted segmenter (CLIPSeg): the image is repeated once per prompt (batch row
 * n pairs image n with prompt n) and each row gets a size×size map of logits.
 */
export const SegmentModelSchema = z
  .object({
    ...promptModelFields,
    task: z.literal('segment'),
    outputs: z.object({
      /** `[N, size, size]`; some exports drop the batch axis when N = 1. */
      logits: z.string().default('logits'),
    }),
  })
  .superRefine(padValueGiven);
export type SegmentModel = z.infer<typeof SegmentModelSchema>;

export type PromptModel = DetectModel | SegmentModel;

export const ModelEntrySchema = z.discriminatedUnion('task', [
  ClipModelSchema,
  DetectModelSchema,
  SegmentModelSchema,
]);
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

export const ManifestSchema = z.object({
  version: z.literal(1),
  models: z.array(ModelEntrySchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * The first problem of a manifest that failed to parse, in words a person can act on:
 * which model (by id when it has one), which field, what is wrong with it.
 */
export function describeManifestIssue(json: unknown, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unknown problem';
  const [top, index, ...rest] = issue.path;
  if (top !== 'models' || typeof index !== 'number') {
    return `${issue.path.join('.') || 'top level'}: ${issue.message}`;
  }
  const models = (json as { models?: unknown[] } | null)?.models;
  const raw = Array.isArray(models) ? (models[index] as { id?: unknown } | undefined) : undefined;
  const who =
    typeof raw?.id === 'string' ? `model "${raw.id}" (entry ${index + 1})` : `entry ${index + 1}`;
  const field = rest.length > 0 ? rest.join('.') : 'task';
  return `${who}, ${field}: ${issue.message}`;
}
