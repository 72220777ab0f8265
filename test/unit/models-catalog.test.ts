/**
 * @file The catalog beyond OpenAI CLIP (resources/models.json): every visible entry parses
 * through the ManifestSchema with its languages, licence and a download it can verify or
 * notes that say why not; the SigLIP exports are described as Immich's exporter writes
 * them (tokenizer.json, 64 tokens, squashed to a square, mean and std 0.5); and at least
 * one model is multilingual. Runs in vitest (plain Node).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManifestSchema, type ClipModel } from '../../electron/engine/models/manifest.js';
import { filesOf } from '../../electron/engine/models/registry.js';

const manifestPath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../resources/models.json',
);
const raw = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
  models: { id: string; languages?: unknown }[];
};
const manifest = ManifestSchema.parse(raw);
const visible = manifest.models.filter((m) => !m.hidden);
const clipById = (id: string): ClipModel => {
  const found = manifest.models.find((m) => m.id === id);
  if (found?.task !== 'clip') throw new Error(`resources/models.json has no CLIP model "${id}"`);
  return found;
};

describe('the catalog of image–text models', () => {
  it('gives every visible entry a URL with size and SHA-256, or notes naming what is missing', () => {
    for (const model of visible) {
      for (const file of filesOf(model)) {
        expect(file.url, `${model.id}/${file.path}`).toMatch(/^https:\/\//);
        if (file.size !== undefined && file.sha256 !== undefined) continue;
        expect(model.notes ?? '', `${model.id} must say why ${file.path} is unverified`).toContain(
          file.path,
        );
        // An unverified model still tells the picker roughly how much it downloads.
        expect(model.approxSize, `${model.id} needs approxSize`).toBeGreaterThan(1e8);
      }
    }
  });

  it('states languages and a licence for every visible CLIP model, in the catalog itself', () => {
    for (const model of visible) {
      if (model.task !== 'clip') continue;
      // Written in the file, not left to the schema's default of English.
      const written = raw.models.find((m) => m.id === model.id)?.languages;
      if (model.text.tokenizer === 'tokenizer-json') expect(written, model.id).toBeDefined();
      expect(model.languages.length).toBeGreaterThan(0);
      expect(model.license).not.toBe('unknown');
    }
  });

  it('offers a SigLIP B/16 and a multilingual model, both after the default', () => {
    const ids = visible.filter((m) => m.task === 'clip').map((m) => m.id);
    expect(ids[0]).toBe('clip-vit-b32');
    expect(ids).toContain('siglip-vit-b16');
    const multilingual = visible.filter(
      (m) => m.task === 'clip' && m.languages.includes('multilingual'),
    );
    expect(multilingual.map((m) => m.id)).toContain('siglip-vit-b16-i18n');
  });

  it('describes the SigLIP exports as Immich exports them: tokenizer.json, 64 tokens, squash, 0.5', () => {
    for (const [id, size] of [
      ['siglip-vit-b16', 224],
      ['siglip-vit-b16-i18n', 256],
    ] as const) {
      const model = clipById(id);
      expect(model.embeddingSize).toBe(768);
      expect(model.vision).toMatchObject({
        size,
        resize: 'squash',
        interpolation: 'bicubic',
        mean: [0.5, 0.5, 0.5],
        std: [0.5, 0.5, 0.5],
        input: 'image',
        output: 'image_embedding',
      });
      expect(model.text).toMatchObject({
        tokenizer: 'tokenizer-json',
        clean: 'canonicalize',
        contextLength: 64,
        input: 'text',
        output: 'text_embedding',
        attentionMask: null,
      });
      expect(model.files.tokenizer?.path).toBe('tokenizer.json');
      // Every URL of a model is pinned to the one commit its source page names.
      const commit = model.source.split('/').at(-1) ?? '';
      expect(commit).toMatch(/^[0-9a-f]{40}$/);
      for (const file of filesOf(model)) expect(file.url).toContain(`/resolve/${commit}/`);
      // No published relevance figure: the notes say CLIP's default applies.
      expect(model.relevance?.matchFloor).toBeUndefined();
      expect(model.notes).toContain('matchFloor');
    }
  });
});
