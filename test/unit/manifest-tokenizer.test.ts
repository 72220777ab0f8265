/**
 * @file The manifest's text side for models that read their own tokenizer.json: an entry
 * with `text.tokenizer: 'tokenizer-json'` must name files.tokenizer (refused with a
 * sentence saying so), its clean-up mode defaults to none, and filesOf lists the
 * tokenizer so download and verify handle it like the ONNX files. Runs in vitest.
 */
import { describe, expect, it } from 'vitest';
import { ManifestSchema, describeManifestIssue } from '../../electron/engine/models/manifest.js';
import { filesOf } from '../../electron/engine/models/registry.js';
import { UNUSED_VISION } from '../fixtures/text-encoder.js';

function entry(text: Record<string, unknown>, files: Record<string, unknown>) {
  return {
    id: 'siglip-like',
    name: 'SigLIP-like',
    task: 'clip',
    embeddingSize: 768,
    files: {
      vision: { path: 'visual/model.onnx' },
      text: { path: 'textual/model.onnx' },
      ...files,
    },
    vision: UNUSED_VISION,
    text: { contextLength: 64, padToken: 1, ...text },
  };
}

describe('tokenizer-json manifest entries', () => {
  it('refuses one without files.tokenizer, naming the model, the field and what it needs', () => {
    const json = { version: 1, models: [entry({ tokenizer: 'tokenizer-json' }, {})] };
    const parsed = ManifestSchema.safeParse(json);
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const sentence = describeManifestIssue(json, parsed.error);
    expect(sentence).toContain('model "siglip-like" (entry 1), files.tokenizer:');
    expect(sentence).toContain("needs files.tokenizer, the model's Hugging Face tokenizer.json");
  });

  it('accepts one with files.tokenizer, clean-up none by default, and lists the tokenizer file', () => {
    const json = {
      version: 1,
      models: [
        entry({ tokenizer: 'tokenizer-json' }, { tokenizer: { path: 'textual/tokenizer.json' } }),
      ],
    };
    const model = ManifestSchema.parse(json).models[0]!;
    expect(model.task === 'clip' && model.text.clean).toBe('none');
    expect(filesOf(model).map((f) => f.path)).toEqual([
      'visual/model.onnx',
      'textual/model.onnx',
      'textual/tokenizer.json',
    ]);
  });

  it('still accepts a clip-bpe entry without one, and refuses an unknown clean-up mode', () => {
    expect(
      ManifestSchema.safeParse({ version: 1, models: [entry({ tokenizer: 'clip-bpe' }, {})] })
        .success,
    ).toBe(true);
    const bad = { version: 1, models: [entry({ tokenizer: 'clip-bpe', clean: 'upper' }, {})] };
    expect(ManifestSchema.safeParse(bad).success).toBe(false);
  });
});
