/**
 * @file Checks the bundled model manifest (resources/models.json): it parses, ids are
 * unique, and every figure a download depends on is either present or explained. Runs in
 * vitest (plain Node).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManifestSchema } from '../../electron/engine/models/manifest.js';
import { filesOf } from '../../electron/engine/models/registry.js';

const manifestPath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../resources/models.json',
);
const manifest = ManifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));

describe('resources/models.json', () => {
  it('parses with the manifest schema and lists at least two CLIP models', () => {
    const clip = manifest.models.filter((m) => m.task === 'clip' && !m.hidden);
    expect(clip.length).toBeGreaterThanOrEqual(2);
  });

  it('has unique ids', () => {
    const ids = manifest.models.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every visible file a URL, size and SHA-256, or explains what is unconfirmed', () => {
    for (const model of manifest.models.filter((m) => !m.hidden)) {
      const incomplete = filesOf(model).filter(
        (f) => f.url === undefined || f.size === undefined || f.sha256 === undefined,
      );
      if (incomplete.length === 0) continue;
      const notes = 'notes' in model && typeof model.notes === 'string' ? model.notes : '';
      for (const file of incomplete) {
        expect(file.url, `${model.id}/${file.path} needs a download URL`).toBeDefined();
        expect(notes, `${model.id} must explain why ${file.path} is incomplete`).toContain(
          file.path,
        );
      }
    }
  });

  it('downloads only over https from commit-pinned Hugging Face URLs', () => {
    for (const model of manifest.models.filter((m) => !m.hidden)) {
      for (const file of filesOf(model)) {
        expect(file.url).toMatch(
          /^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/[0-9a-f]{40}\//,
        );
      }
    }
  });

  it('describes each CLIP export the way the pipeline feeds it', () => {
    for (const model of manifest.models) {
      // The tokenizer.json exports (SigLIP) have their own test: models-catalog.test.ts.
      if (model.task !== 'clip' || model.hidden || model.text.tokenizer !== 'clip-bpe') continue;
      expect(model.vision.input).toBe('pixel_values');
      expect(model.vision.output).toBe('image_embeds');
      expect(model.text.input).toBe('input_ids');
      expect(model.text.output).toBe('text_embeds');
      expect(model.text.contextLength).toBe(77);
      // OpenAI CLIP pads with <|endoftext|>.
      expect(model.text.padToken).toBe(49407);
      expect(model.vision.rescale).toBeCloseTo(1 / 255, 12);
      expect(model.license).not.toBe('unknown');
      expect(model.source).toMatch(/^https:\/\//);
    }
  });
});

describe('the detection and segmentation entries', () => {
  const byId = (id: string) => {
    const found = manifest.models.find((m) => m.id === id);
    if (!found) throw new Error(`resources/models.json has no "${id}"`);
    return found;
  };

  it('lists OWL-ViT B/32 and OWLv2 B/16 as detectors and CLIPSeg as a segmenter', () => {
    expect(byId('owlvit-b32').task).toBe('detect');
    expect(byId('owlv2-b16').task).toBe('detect');
    expect(byId('clipseg-rd64-refined').task).toBe('segment');
    // The first visible model stays a CLIP model: it is the default the app starts with.
    expect(manifest.models.find((m) => !m.hidden)?.task).toBe('clip');
  });

  it('describes OWL-ViT B/32 as its export takes it: 768×768 squashed, 16 tokens padded with "!"', () => {
    const owl = byId('owlvit-b32');
    if (owl.task !== 'detect') throw new Error('owlvit-b32 must be a detector');
    expect(owl.vision).toMatchObject({ size: 768, resize: 'squash', interpolation: 'bicubic' });
    expect(owl.vision.padValue).toBeUndefined();
    expect(owl.vision.input).toBe('pixel_values');
    expect(owl.text).toMatchObject({
      tokenizer: 'clip-bpe',
      contextLength: 16,
      padToken: 0,
      input: 'input_ids',
      attentionMask: 'attention_mask',
    });
    expect(owl.outputs).toEqual({
      logits: 'logits',
      boxes: 'pred_boxes',
      boxFormat: 'cxcywh-normalized',
    });
    // 768 / 32 = 24 patches a side: the 576 rows of logits and pred_boxes.
    expect((owl.vision.size / 32) ** 2).toBe(576);
  });

  it('describes OWLv2 B/16 as padded to a grey square before its 960×960 resize', () => {
    const owl2 = byId('owlv2-b16');
    if (owl2.task !== 'detect') throw new Error('owlv2-b16 must be a detector');
    expect(owl2.vision).toMatchObject({
      size: 960,
      resize: 'pad-square',
      padValue: 0.5,
      interpolation: 'bilinear',
    });
    expect(owl2.text).toMatchObject({ contextLength: 16, padToken: 0 });
  });

  it("describes CLIPSeg with ImageNet statistics, not CLIP's, and 77 tokens padded with <|endoftext|>", () => {
    const seg = byId('clipseg-rd64-refined');
    if (seg.task !== 'segment') throw new Error('clipseg-rd64-refined must be a segmenter');
    expect(seg.vision).toMatchObject({ size: 352, resize: 'squash', interpolation: 'bilinear' });
    expect(seg.vision.mean).toEqual([0.485, 0.456, 0.406]);
    expect(seg.vision.std).toEqual([0.229, 0.224, 0.225]);
    expect(seg.text).toMatchObject({ contextLength: 77, padToken: 49407 });
    expect(seg.outputs.logits).toBe('logits');
  });

  it('gives each a licence, a source pinned to a commit, a threshold and a download size', () => {
    const prompted = manifest.models.filter((m) => m.task !== 'clip');
    expect(prompted).toHaveLength(3);
    for (const model of prompted) {
      expect(model.license).toBe('Apache-2.0');
      expect(model.source).toMatch(
        /^https:\/\/huggingface\.co\/Xenova\/[^/]+\/tree\/[0-9a-f]{40}$/,
      );
      const commit = model.source.split('/').at(-1) ?? '';
      expect(model.files.model.url).toContain(`/resolve/${commit}/onnx/model.onnx`);
      expect(model.scoreThreshold).toBeGreaterThan(0);
      expect(model.scoreThreshold).toBeLessThan(1);
      // Unverified files have no exact size, so the picker needs the rough one.
      if (model.files.model.size === undefined) expect(model.approxSize).toBeGreaterThan(1e8);
      expect(model.vision.rescale).toBeCloseTo(1 / 255, 12);
    }
  });
});
