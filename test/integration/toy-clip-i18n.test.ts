/**
 * @file `toy-clip-i18n` (TOY_MODELS.md, "toy multilingual CLIP") end to end: its text
 * graph computes the toy-clip-gap text maths over the tokens between [CLS] and the first
 * [SEP] where the attention mask is 1, and through the real `lantern` command line
 * (tokenizer.json read by @huggingface/tokenizers, sharp, onnxruntime-node, LanceDB) a
 * query in French, German, Spanish or Chinese finds the photo of its colour first.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManifestSchema, type ClipModel } from '../../electron/engine/models/manifest.js';
import { HfTokenizer } from '../../electron/engine/tokenizer/hf-tokenizer.js';
import { loadSession, releaseSessions, runFloat } from '../../native/onnx/index.js';
import type { LoadedSession } from '../../native/onnx/index.js';
import { lantern } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writeColourSet } from '../fixtures/photos.js';
import { TOY_COLOURS, colourVector, type ColourWord } from '../toy-models/colours.js';
import { readBundledSignature } from '../toy-models/toy-clip.js';
import {
  GAP_CONTENT_SIZE,
  GAP_CONTENT_START,
  GAP_TOKEN_BUCKETS,
  GAP_WEIGHTS,
  gapTokenTable,
  normalised,
} from '../toy-models/toy-clip-gap-reference.js';
import {
  I18N_CONTEXT,
  I18N_SEP,
  i18nColourIds,
  i18nVocabulary,
} from '../toy-models/toy-clip-i18n.js';

const ID = 'toy-clip-i18n';

/** TOY_MODELS.md's text embedding, normalised, for one row of ids and its mask. */
function expectedText(ids: readonly number[], mask: readonly number[]): number[] {
  const colours = i18nColourIds(i18nVocabulary());
  const table = gapTokenTable();
  const colour = [0, 0, 0];
  const content = new Array<number>(GAP_CONTENT_SIZE).fill(0);
  for (let p = 1; p < ids.length && ids[p] !== I18N_SEP; p++) {
    if (mask[p] !== 1) continue;
    const id = ids[p]!;
    const word = colours.get(id);
    if (word) colourVector(TOY_COLOURS[word]).forEach((x, i) => (colour[i] = colour[i]! + x));
    const row = (id % GAP_TOKEN_BUCKETS) * GAP_CONTENT_SIZE;
    for (let k = 0; k < GAP_CONTENT_SIZE; k++) content[k] = content[k]! + table[row + k]!;
  }
  const out = new Array<number>(512).fill(0);
  out[3] = GAP_WEIGHTS.shared;
  out[5] = GAP_WEIGHTS.modality;
  normalised(colour).forEach((x, i) => (out[i] = GAP_WEIGHTS.colour * x));
  normalised(content).forEach((x, k) => (out[GAP_CONTENT_START + k] = GAP_WEIGHTS.content * x));
  return normalised(out);
}

describe('toy-clip-i18n model', () => {
  let model: ClipModel;
  let text: LoadedSession;
  let tokenizer: HfTokenizer;

  beforeAll(async () => {
    const dir = inject('toyModelsDir');
    const manifest = ManifestSchema.parse(
      JSON.parse(await readFile(path.join(dir, 'models.json'), 'utf8')),
    );
    const entry = manifest.models.find((m) => m.id === ID);
    if (entry?.task !== 'clip' || !entry.files.tokenizer) throw new Error(`${ID} missing`);
    model = entry;
    text = await loadSession(path.join(dir, entry.files.text.path), { provider: 'cpu' });
    tokenizer = HfTokenizer.fromFile(path.join(dir, entry.files.tokenizer.path), entry.text.clean);
  });

  afterAll(() => releaseSessions());

  it('is a hidden multilingual tokenizer-json model with toy-clip-gap image preprocessing', () => {
    expect(model).toMatchObject({
      hidden: true,
      languages: ['multilingual', 'en', 'fr', 'de', 'es', 'zh'],
      text: {
        tokenizer: 'tokenizer-json',
        contextLength: I18N_CONTEXT,
        input: 'input_ids',
        attentionMask: 'attention_mask',
        output: 'text_embeds',
      },
    });
    expect(model.vision).toEqual(readBundledSignature().vision);
    expect(text.inputs.map((i) => [i.name, i.type, i.shape])).toEqual([
      ['input_ids', 'int64', ['N', 'L']],
      ['attention_mask', 'int64', ['N', 'L']],
    ]);
  });

  it('text graph: the gap maths over [CLS] … [SEP], only where the attention mask is 1', async () => {
    const { contextLength, padToken } = model.text;
    const { ids, mask } = tokenizer.encodeBatch(['ein blaues Auto'], contextLength, padToken);
    const row = [...ids].map(Number);
    const ones = [...mask].map(Number);
    const run = async (m: number[]) =>
      (
        await runFloat(text, {
          input_ids: { data: ids, dims: [1, contextLength] },
          attention_mask: { data: BigInt64Array.from(m, BigInt), dims: [1, contextLength] },
        })
      ).data;
    const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Math.max(...Array.from(b, (x, i) => Math.abs(x - (a[i] ?? 0))));
    expect(close(normalised(await run(ones)), expectedText(row, ones))).toBeLessThan(1e-4);
    // Masking out "blau" removes the colour: the embedding the mask asks for, not another.
    const noBlue = ones.map((x, i) => (i === 2 ? 0 : x));
    const masked = normalised(await run(noBlue));
    expect(close(masked, expectedText(row, noBlue))).toBeLessThan(1e-4);
    expect(masked.slice(0, 3).every((x) => Math.abs(x) < 1e-6)).toBe(true);
  });
});

describe('multilingual search through the lantern command line', () => {
  let photos: string;
  let db: string;
  let args: string[];

  beforeAll(async () => {
    photos = await tempDir();
    db = await tempDir();
    await writeColourSet(photos);
    args = ['--db', db, '--models', inject('toyModelsDir'), '--model', ID];
    const indexed = await lantern(['index', photos, ...args, '--json']);
    expect(indexed.stderr).toBe('');
    expect(JSON.parse(indexed.stdout)).toMatchObject({ indexed: 11, failed: [] });
  });

  afterAll(async () => {
    await removeDir(photos);
    await removeDir(db);
  });

  const cases: [string, ColourWord][] = [
    ['une photo rouge', 'red'],
    ['ein blaues Auto', 'blue'],
    ['una foto verde', 'green'],
    ['红色的花', 'red'],
    ['a photo of a yellow car', 'yellow'],
  ];
  for (const [query, colour] of cases) {
    it(`"${query}" finds the ${colour} photo first, above the relevance cut-off`, async () => {
      const result = await lantern(['search', query, ...args, '--json']);
      expect(result.stderr).toBe('');
      const { results } = JSON.parse(result.stdout) as { results: { path: string }[] };
      expect(results.length).toBeGreaterThan(0);
      expect(path.basename(results[0]!.path)).toBe(`${colour}.jpg`);
    });
  }

  it('a query with no word of the vocabulary finds nothing above the cut-off', async () => {
    const result = await lantern(['search', 'xyzzy', ...args, '--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({ results: [], hidden: 11 });
  });
});
