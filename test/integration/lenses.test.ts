/**
 * @file The lens:* channels of the engine service on toy-clip-gap (real service, store,
 * tokenizer and ONNX runtime), on solid photos whose colour the toy model reads: classify
 * a red photo among colour labels, ask its colour, describe it from the vocabulary, and
 * score a generated image against the prompt it carries, alone and as a folder of views.
 * The toy knows colours only (TOY_MODELS.md): these tests show the plumbing and the
 * direction of each lens, not how well real CLIP answers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LanternService } from '../../electron/engine/service/service.js';
import type { LensDescription, LensRanking, LensScore } from '../../electron/shared/types.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import { withTextChunks } from '../fixtures/png-text.js';
import { TOY_COLOURS, type ColourWord } from '../toy-models/colours.js';

const LABELS = ['blue', 'green', 'red', 'yellow', 'purple'];

describe('lens channels', () => {
  let root: string;
  let db: string;
  let service: LanternService;
  let red: string;

  /** A solid PNG carrying an AUTOMATIC1111 `parameters` chunk, as a generator writes it. */
  async function generated(dir: string, colour: ColourWord, prompt: string): Promise<string> {
    const [r, g, b] = TOY_COLOURS[colour];
    const png = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r, g, b } },
    })
      .png()
      .toBuffer();
    const parameters = `${prompt}\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, Seed: 7`;
    const file = path.join(dir, `${colour}-${prompt.replace(/\W+/g, '-')}.png`);
    await writeFile(
      file,
      withTextChunks(png, [{ type: 'tEXt', keyword: 'parameters', text: parameters }]),
    );
    return file;
  }

  beforeAll(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    red = await writePhoto(root, { colour: 'red' });
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip-gap',
    });
  });

  afterAll(async () => {
    await service.close();
    await removeDir(root);
    await removeDir(db);
  });

  async function value<T>(channel: Parameters<LanternService['invoke']>[0], input: unknown) {
    const answer = await service.invoke(channel, input);
    if (!answer.ok) throw new Error(JSON.stringify(answer.error));
    return answer.value as T;
  }

  it('classifies a red photo as red among colour labels, with probabilities summing to 1', async () => {
    const ranking = await value<LensRanking>('lens:classify', { path: red, labels: LABELS });
    expect(ranking.candidates.map((c) => c.text)[0]).toBe('red');
    expect(ranking.candidates[0]!.probability).toBeGreaterThan(0.5);
    const total = ranking.candidates.reduce((sum, c) => sum + c.probability, 0);
    expect(total).toBeCloseTo(1, 5);
    expect(ranking.candidates).toHaveLength(LABELS.length);
  });

  it('answers "what colour is it?" with red first', async () => {
    const ranking = await value<LensRanking>('lens:ask', {
      path: red,
      question: 'what colour is it?',
      answers: ['blue', 'green', 'red', 'yellow'],
    });
    expect(ranking.candidates[0]).toMatchObject({ text: 'red' });
    expect(ranking.candidates[0]!.cosine).toBeGreaterThan(ranking.candidates[1]!.cosine);
  });

  it('describes a red photo with a caption made of the vocabulary’s red tag first', async () => {
    const description = await value<LensDescription>('lens:describe', { path: red, limit: 3 });
    expect(description.captions).toHaveLength(3);
    expect(description.captions[0]!.text).toMatch(/^a red photo of /);
    expect(description.captions[0]!.tags).toContain('colours/red');
    const cosines = description.captions.map((c) => c.cosine);
    expect([...cosines].sort((a, b) => b - a)).toEqual(cosines);
  });

  it('scores a generated image higher against its own prompt than against another colour', async () => {
    const file = await generated(root, 'red', 'a red square');
    const own = await value<LensScore>('lens:score', { path: file });
    expect(own).toMatchObject({ prompt: 'a red square', promptSource: "PNG chunk 'parameters'" });
    expect(own.clipScore).toBeCloseTo(2.5 * Math.max(own.views[0]!.cosine, 0), 6);
    const other = await value<LensScore>('lens:score', { path: file, prompt: 'a blue square' });
    expect(other.promptSource).toBe('given');
    expect(own.clipScore).toBeGreaterThan(other.clipScore);
  });

  it('averages a folder of views, and a view off the prompt lowers the mean', async () => {
    const views = path.join(root, 'views');
    await mkdir(views);
    await generated(views, 'red', 'a red square');
    await writePhoto(views, { colour: 'red', name: 'side.jpg' });
    const allRed = await value<LensScore>('lens:score', { path: views });
    expect(allRed.views).toHaveLength(2);
    expect(allRed.promptSource).toMatch(/^PNG chunk 'parameters' of red-a-red-square\.png$/);
    const mean = (allRed.views[0]!.clipScore + allRed.views[1]!.clipScore) / 2;
    expect(allRed.clipScore).toBeCloseTo(mean, 6);

    await writePhoto(views, { colour: 'blue', name: 'wrong.jpg' });
    const mixed = await value<LensScore>('lens:score', { path: views });
    expect(mixed.views).toHaveLength(3);
    expect(mixed.clipScore).toBeLessThan(allRed.clipScore);
  });

  it('says what to do when a file carries no prompt, and refuses a single label', async () => {
    const answer = await service.invoke('lens:score', { path: red });
    expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    if (!answer.ok) expect(answer.error.message).toMatch(/carries no prompt.*type the prompt/);
    const one = await service.invoke('lens:classify', { path: red, labels: ['red'] });
    expect(one).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    if (!one.ok) expect(one.error.message).toBe('The list of labels needs at least 2 entries.');
  });
});
