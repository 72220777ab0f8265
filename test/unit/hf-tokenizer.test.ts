/**
 * @file The tokenizer.json path (hf-tokenizer.ts through @huggingface/tokenizers): the
 * manifest's clean-up modes, CJK characters standing alone, WordPiece continuations,
 * padding and truncation that keep the post-processor's tokens, the attention mask, and
 * the choice between BPE and tokenizer.json by the manifest. Uses toy-clip-i18n's
 * generated tokenizer.json and two small hand-written ones. Runs in vitest (plain Node).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HfTokenizer } from '../../electron/engine/tokenizer/hf-tokenizer.js';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { cleanModelText } from '../../electron/engine/tokenizer/text-fixes.js';
import { textTokenizerFor } from '../../electron/engine/tokenizer/text-tokenizer.js';
import { CLIP_VOCABULARY } from '../toy-models/toy-clip.js';
import {
  I18N_CLS,
  I18N_PAD,
  I18N_SEP,
  i18nTokenizerJson,
  i18nVocabulary,
} from '../toy-models/toy-clip-i18n.js';

const vocabulary = i18nVocabulary();
const json = i18nTokenizerJson(vocabulary);
const toy = HfTokenizer.fromJson(json, 'none');
const id = (word: string): number => {
  const found = toy.idOf(word);
  if (found === undefined) throw new Error(`${word} is not in the toy vocabulary`);
  return found;
};
const row = (ids: BigInt64Array, from: number, to: number): number[] =>
  [...ids.slice(from, to)].map(Number);

/** A SentencePiece-like tokenizer whose post-processor only appends `</s>` (T5, SigLIP). */
function endOnlyTokenizer(): object {
  const words = ['<pad>', '</s>', '<unk>', 'a', 'red', 'car', 'photo', 'of'];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['<pad>', '</s>', '<unk>'].map((content, i) => ({
      id: i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: null,
    model: {
      type: 'WordPiece',
      unk_token: '<unk>',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(words.map((w, i) => [w, i])),
    },
  };
}

describe('text clean-up modes (open_clip HFTokenizer)', () => {
  it('none leaves the text alone', () => {
    expect(cleanModelText('  A_Photo, of  RED!  ', 'none')).toBe('  A_Photo, of  RED!  ');
  });

  it('lower fixes, unescapes, collapses whitespace and lower-cases, keeping punctuation', () => {
    expect(cleanModelText('  A  Photo,\tof &amp; “RED”!  ', 'lower')).toBe('a photo, of & "red"!');
  });

  it('canonicalize also turns "_" into a space and drops ASCII punctuation, not letters', () => {
    expect(cleanModelText('  A_Photo, of  "RED"!  grün; 红色的花。 ', 'canonicalize')).toBe(
      'a photo of red grün 红色的花。',
    );
    // ftfy straightens the curly apostrophe first, then it goes as ASCII punctuation.
    expect(cleanModelText('l’été—rouge', 'canonicalize')).toBe('lété—rouge');
  });
});

describe('HfTokenizer on the toy multilingual tokenizer.json', () => {
  it('stands CJK characters alone (BERT pre-tokenisation)', () => {
    expect(toy.tokens('红色的花')).toEqual(['[CLS]', '红', '色', '的', '花', '[SEP]']);
  });

  it('splits an inflected word into stem and ## suffix: blaues → blau + ##es', () => {
    expect(toy.tokens('ein blaues Auto')).toEqual([
      '[CLS]',
      'ein',
      'blau',
      '##es',
      'auto',
      '[SEP]',
    ]);
  });

  it('pads to the context length with the pad token and masks the padding', () => {
    const { ids, mask } = toy.encodeBatch(['une photo rouge', '红'], 8, I18N_PAD);
    expect(row(ids, 0, 8)).toEqual([
      I18N_CLS,
      id('une'),
      id('photo'),
      id('rouge'),
      I18N_SEP,
      I18N_PAD,
      I18N_PAD,
      I18N_PAD,
    ]);
    expect(row(mask, 0, 8)).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(row(ids, 8, 16)).toEqual([I18N_CLS, id('红'), I18N_SEP, 0, 0, 0, 0, 0]);
    expect(row(mask, 8, 16)).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('truncates the text, never the [CLS] and [SEP] the post-processor adds', () => {
    const { ids, mask } = toy.encodeBatch(['une photo rouge de la maison'], 5, I18N_PAD);
    expect(row(ids, 0, 5)).toEqual([I18N_CLS, id('une'), id('photo'), id('rouge'), I18N_SEP]);
    expect(row(mask, 0, 5)).toEqual([1, 1, 1, 1, 1]);
  });

  it('applies the manifest clean-up before tokenising', () => {
    const canonical = HfTokenizer.fromJson(json, 'canonicalize');
    expect(toy.tokens('rouge!')).toContain('[UNK]'); // "!" is not in the toy vocabulary
    expect(canonical.tokens('rouge!')).toEqual(['[CLS]', 'rouge', '[SEP]']);
  });
});

describe('HfTokenizer with an end-token-only post-processor (T5 / SigLIP style)', () => {
  const t5 = HfTokenizer.fromJson(endOnlyTokenizer(), 'lower');

  it('puts </s> after the text and pads with the manifest pad token', () => {
    const { ids, mask } = t5.encodeBatch(['A photo of a RED car'], 8, 0);
    expect(row(ids, 0, 8)).toEqual([3, 6, 7, 3, 4, 5, 1, 0]);
    expect(row(mask, 0, 8)).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it('keeps </s> last when the text is longer than the context', () => {
    const { ids } = t5.encodeBatch(['a photo of a red car'], 4, 0);
    expect(row(ids, 0, 4)).toEqual([3, 6, 7, 1]);
  });
});

describe('choosing the tokenizer from the manifest', () => {
  /** Each test's temporary folder, removed after it. */
  const folders: string[] = [];
  const tokenizerFolder = async () => {
    folders.push(await mkdtemp(path.join(tmpdir(), 'lantern-hf-')));
    return folders.at(-1)!;
  };
  afterEach(async () => {
    for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
  });
  const text = {
    clean: 'canonicalize',
    contextLength: 64,
    input: 'input_ids',
    attentionMask: 'attention_mask',
    output: 'text_embeds',
    padToken: 0,
  } as const;

  it('reads files.tokenizer for tokenizer-json and the BPE merges for clip-bpe', async () => {
    const dir = await tokenizerFolder();
    const file = path.join(dir, 'tokenizer.json');
    await writeFile(file, JSON.stringify(json));
    const files = { clipVocabulary: CLIP_VOCABULARY, tokenizerJson: file };
    const fromJson = textTokenizerFor(
      { id: 'm', text: { ...text, tokenizer: 'tokenizer-json' } },
      files,
    );
    expect(fromJson).toBeInstanceOf(HfTokenizer);
    expect(row(fromJson.encodeBatch(['Rouge!'], 4, 0).ids, 0, 4)).toEqual([
      I18N_CLS,
      id('rouge'),
      I18N_SEP,
      0,
    ]);
    const bpe = textTokenizerFor({ id: 'm', text: { ...text, tokenizer: 'clip-bpe' } }, files);
    expect(bpe).toBeInstanceOf(ClipTokenizer);
  });

  it('says which file is unusable when tokenizer.json is not JSON or not a tokenizer', async () => {
    const dir = await tokenizerFolder();
    const broken = path.join(dir, 'tokenizer.json');
    const failure = (): unknown => {
      try {
        HfTokenizer.fromFile(broken, 'none');
      } catch (error) {
        return error;
      }
      return null;
    };
    await writeFile(broken, '{"model": ');
    expect(failure()).toMatchObject({ code: 'MODEL_INVALID' });
    expect(String((failure() as Error).message)).toContain(
      `The tokenizer ${broken} cannot be read`,
    );
    await writeFile(broken, '{"model": {"type": "Nope"}}');
    expect(failure()).toMatchObject({ code: 'MODEL_INVALID' });
  });
});
