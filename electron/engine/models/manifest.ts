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

export const ClipModelSchema = z.object({
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
  }),
  vision: ImagePreprocessSchema.extend({
    input: z.string().default('pixel_values'),
    output: z.string().default('image_embeds'),
  }),
  text: z.object({
    tokenizer: z.literal('clip-bpe'),
    contextLength: z.number().int().positive(),
    input: z.string().default('input_ids'),
    /** Name of the attention-mask input when the export takes one. */
    attentionMask: z.string().nullable().default(null),
    output: z.string().default('text_embeds'),
    /** Token id used to pad to the context length. */
    padToken: z.number().int().nonnegative(),
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
});
export type ClipModel = z.infer<typeof ClipModelSchema>;

/** Detection and segmentation models arrive with their features; kept loose until then. */
export const OtherModelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    task: z.enum(['detect', 'segment']),
    hidden: z.boolean().default(false),
    files: z.record(z.string(), ModelFileSchema),
  })
  .loose();

export const ModelEntrySchema = z.discriminatedUnion('task', [ClipModelSchema, OtherModelSchema]);
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

export const ManifestSchema = z.object({
  version: z.literal(1),
  models: z.array(ModelEntrySchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;
