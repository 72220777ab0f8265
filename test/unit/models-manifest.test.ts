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
      if (model.task !== 'clip' || model.hidden) continue;
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
