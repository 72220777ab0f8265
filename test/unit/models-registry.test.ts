/**
 * @file The model registry with detection and segmentation entries: they are listed with
 * their task and size, CLIP entries still load as CLIP, each task refuses a model of
 * another, and a malformed entry is refused with a sentence naming it. Runs in vitest
 * (plain Node) on temporary model folders; nothing is downloaded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../electron/engine/models/registry.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lantern-registry-'));
  dirs.push(dir);
  return dir;
}

/** A folder holding only a models.json with these entries. */
function folderWith(models: unknown[]): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'models.json'), JSON.stringify({ version: 1, models }));
  return dir;
}

const detector = {
  id: 'my-detector',
  name: 'My detector',
  task: 'detect',
  files: { model: { path: 'detector.onnx' } },
  vision: {
    size: 960,
    resize: 'pad-square',
    padValue: 0.5,
    interpolation: 'bilinear',
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
  },
  text: { tokenizer: 'clip-bpe', contextLength: 16, padToken: 0 },
  outputs: {},
  scoreThreshold: 0.1,
};

/** What a refused promise was refused with: its error code and sentence. */
async function refusal(promise: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { code, message: String(message) };
  }
  throw new Error('expected a refusal, but the call succeeded');
}

const load = (extraDirs: string[] = []) => ModelRegistry.load({ modelsDir: tempDir(), extraDirs });

describe('ModelRegistry with detectors and segmenters', () => {
  it('lists the bundled detectors and segmenter with their task and rough size', async () => {
    const listed = (await load()).list();
    const owl = listed.find((m) => m.id === 'owlvit-b32');
    expect(owl).toMatchObject({ task: 'detect', license: 'Apache-2.0', installed: false });
    expect(owl?.sizeBytes ?? owl?.approxSizeBytes).toBeGreaterThan(5e8);
    expect(listed.find((m) => m.id === 'clipseg-rd64-refined')?.task).toBe('segment');
  });

  it('keeps a CLIP model the default and refuses a detector where CLIP is wanted', async () => {
    const registry = await load();
    expect(registry.get(registry.defaultClipId()).task).toBe('clip');
    const refused = await refusal(registry.resolveClip('owlvit-b32'));
    expect(refused.code).toBe('MODEL_INVALID');
    expect(refused.message).toContain('"owlvit-b32" is a detect model, not a CLIP model');
  });

  it('refuses a CLIP model or a segmenter where a detector is wanted', async () => {
    const registry = await load();
    const refused = await refusal(registry.resolvePromptModel('clip-vit-b32', 'detect'));
    expect(refused.code).toBe('MODEL_INVALID');
    expect(refused.message).toContain('"clip-vit-b32" is a clip model, not a detection model');
    await expect(
      registry.resolvePromptModel('clipseg-rd64-refined', 'detect'),
    ).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });

  it('says how to fetch a detector that is not downloaded yet', async () => {
    const refused = await refusal((await load()).resolvePromptModel('owlvit-b32', 'detect'));
    expect(refused.code).toBe('MODEL_MISSING');
    expect(refused.message).toContain('npx lantern models fetch owlvit-b32');
  });

  it('resolves a folder detector to its file and fills in the default tensor names', async () => {
    const dir = folderWith([detector]);
    writeFileSync(path.join(dir, 'detector.onnx'), 'stand-in bytes');
    const resolved = await (await load([dir])).resolvePromptModel('my-detector', 'detect');
    expect(resolved.modelPath).toBe(path.join(dir, 'detector.onnx'));
    expect(resolved.model.outputs).toEqual({
      logits: 'logits',
      boxes: 'pred_boxes',
      boxFormat: 'cxcywh-normalized',
    });
    expect(resolved.model.text.attentionMask).toBe('attention_mask');
  });

  it('refuses a pad-square detector without a pad value, naming the entry and the field', async () => {
    const bad = { ...detector, vision: { ...detector.vision, padValue: undefined } };
    const dir = folderWith([bad]);
    const refused = await refusal(load([dir]));
    expect(refused.code).toBe('MODEL_INVALID');
    expect(refused.message).toMatch(/model "my-detector" \(entry 1\), vision\.padValue: .*grey/);
  });

  it('refuses a detector that would crop the photo, and one without its files', async () => {
    const cropping = { ...detector, vision: { ...detector.vision, resize: 'shortest-crop' } };
    expect((await refusal(load([folderWith([cropping])]))).message).toContain(
      'model "my-detector" (entry 1), vision.resize',
    );
    const noFiles = { ...detector, id: 'no-files', files: {} };
    expect((await refusal(load([folderWith([detector, noFiles])]))).message).toContain(
      'model "no-files" (entry 2), files.model',
    );
  });

  it('refuses a CLIP entry marked as a detector instead of loading it loosely', async () => {
    const clipShaped = {
      id: 'confused',
      name: 'CLIP marked as a detector',
      task: 'detect',
      embeddingSize: 512,
      files: { vision: { path: 'v.onnx' }, text: { path: 't.onnx' } },
    };
    const refused = await refusal(load([folderWith([clipShaped])]));
    expect(refused.code).toBe('MODEL_INVALID');
    expect(refused.message).toContain('model "confused" (entry 1)');
  });
});
