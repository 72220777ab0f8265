/**
 * @file The CLIP BPE tokenizer against ids published for the reference tokenizer, plus
 * the padding, truncation and cleaning rules the text encoder relies on. Runs under
 * vitest with the bundled vocabulary.
 */
import { readFileSync } from 'node:fs';
import { gzipSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ClipTokenizer, usedMerges } from '../../electron/engine/tokenizer/clip-bpe.js';
import { COLOUR_WORDS } from '../toy-models/colours.js';
import { CLIP_VOCABULARY } from '../toy-models/toy-clip.js';

const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);
const START = 49406;
const END = 49407;
const CONTEXT = 77;

describe('ClipTokenizer', () => {
  it('has the 49 408-token vocabulary with the start and end tokens last', () => {
    expect(tokenizer.vocabSize).toBe(49408);
    expect(tokenizer.startToken).toBe(START);
    expect(tokenizer.endToken).toBe(END);
  });

  it('encodes "a photo of a cat" as the Hugging Face CLIP docs show, padded to 77', () => {
    // Ids from the transformers CLIP model docs example (CLIPTokenizer on openai/clip-vit-base-patch32).
    const { ids, mask } = tokenizer.encodeBatch(['a photo of a cat'], CONTEXT, END);
    expect(ids.length).toBe(CONTEXT);
    expect([...ids.slice(0, 7)].map(Number)).toEqual([START, 320, 1125, 539, 320, 2368, END]);
    expect([...ids.slice(7)].every((id) => id === BigInt(END))).toBe(true);
    expect([...mask].map(Number)).toEqual(
      Array.from({ length: CONTEXT }, (_, i) => (i < 7 ? 1 : 0)),
    );
  });

  it('encodes "Hello world!" as [3306, 1002, 256]', () => {
    expect(tokenizer.encode('Hello world!')).toEqual([3306, 1002, 256]);
  });

  it('pads with the pad token the model asks for', () => {
    const { ids } = tokenizer.encodeBatch(['cat'], 8, 0);
    expect([...ids].map(Number)).toEqual([START, 2368, END, 0, 0, 0, 0, 0]);
  });

  it('truncates a long text so the end token stays at position 76', () => {
    const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const { ids, mask } = tokenizer.encodeBatch([long, 'cat'], CONTEXT, END);
    expect(ids.length).toBe(2 * CONTEXT);
    expect(ids[0]).toBe(BigInt(START));
    expect(ids[CONTEXT - 1]).toBe(BigInt(END));
    expect(ids[CONTEXT - 2]).not.toBe(BigInt(END));
    expect(mask.slice(0, CONTEXT).every((m) => m === 1n)).toBe(true);
    // The second row is independent of the first.
    expect([...ids.slice(CONTEXT, CONTEXT + 3)].map(Number)).toEqual([START, 2368, END]);
  });

  it('encodes every toy colour word as exactly one token', () => {
    const ids = COLOUR_WORDS.map((word) => tokenizer.encode(word));
    for (const tokens of ids) expect(tokens).toHaveLength(1);
    expect(new Set(ids.map((t) => t[0])).size).toBe(COLOUR_WORDS.length);
    expect(tokenizer.encode('a photo of a blue car')).toContain(tokenizer.encode('blue')[0]);
  });

  it('cleans HTML entities, whitespace and case as the reference does', () => {
    expect(tokenizer.encode('salt &amp; pepper')).toEqual(tokenizer.encode('salt & pepper'));
    expect(tokenizer.encode('&quot;hi&quot; &lt;3')).toEqual(tokenizer.encode('"hi" <3'));
    expect(tokenizer.encode('  two\n\tdogs   running ')).toEqual(
      tokenizer.encode('two dogs running'),
    );
    expect(tokenizer.encode('A Photo Of A CAT')).toEqual(tokenizer.encode('a photo of a cat'));
  });

  it('encodes an empty text as start and end tokens only', () => {
    const { ids, mask } = tokenizer.encodeBatch([''], CONTEXT, END);
    expect([...ids.slice(0, 2)].map(Number)).toEqual([START, END]);
    expect(mask.reduce((a, b) => a + b, 0n)).toBe(2n);
  });

  it('gives merge k the id 512 + k and its symbol, the two halves joined', () => {
    const merges = gunzipSync(readFileSync(CLIP_VOCABULARY)).toString('utf8').split('\n');
    // merges[0] is the version header; the reference uses the next 48 894 lines.
    for (const rank of [0, 1, 1000, 48_893]) {
      const line = merges[rank + 1]!;
      expect(tokenizer.symbol(512 + rank)).toBe(line.replace(' ', ''));
    }
  });

  it('encodes each text as a tokenizer that read every merge does, whatever came before', () => {
    // A tokenizer holds the merges of the characters it has seen ([Note: merges read per
    // character]); `symbol` makes one read them all.
    const everything = ClipTokenizer.fromFile(CLIP_VOCABULARY);
    everything.symbol(0);
    const texts = [
      'a photo of a cat',
      'Sunset over the sea, 2019!',
      'zebra crossing at night',
      'naïve café résumé — ½ price',
      '東京の夜景',
      'emoji 🐈 and 👍🏽',
      'Ünïcödé   and\tTABS &amp; entities',
      'xylophone quartz jukebox',
      "it's the dog's ball, isn't it",
    ];
    const seen = ClipTokenizer.fromFile(CLIP_VOCABULARY);
    for (const text of [...texts, ...texts.slice().reverse()]) {
      const fresh = ClipTokenizer.fromFile(CLIP_VOCABULARY);
      const expected = everything.encode(text);
      expect(fresh.encode(text), text).toEqual(expected);
      expect(seen.encode(text), text).toEqual(expected);
    }
    // A batch reads the merges for all its texts at once.
    expect(ClipTokenizer.fromFile(CLIP_VOCABULARY).encodeBatch(texts, 77, 0)).toEqual(
      everything.encodeBatch(texts, 77, 0),
    );
  });

  it('refuses a merges file with too few merges, saying how many it has', () => {
    expect(() => new ClipTokenizer('#version: 0.2\na b\nab c\n')).toThrow(
      'CLIP merges file has 2 merges, expected 48894.',
    );
  });

  it('inflates only the start of the merges file that holds the merges it uses', () => {
    const gzip = readFileSync(CLIP_VOCABULARY);
    const whole = gunzipSync(gzip).toString('utf8');
    const used = usedMerges(gzip);
    expect(whole.startsWith(used.slice(0, used.lastIndexOf('\n') + 1))).toBe(true);
    expect(used.split('\n').length).toBeGreaterThan(48_895); // header + merges, complete
    expect(used.length).toBeLessThan(whole.length / 2);
    // A file whose merges need more than the first inflate (random text compresses badly),
    // and one smaller than it, read whole.
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    let seed = 7;
    const random = () => letters[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % 26];
    const lines = ['#version: 0.2'];
    for (let i = 0; i < 100_000; i++)
      lines.push(
        `${Array.from({ length: 12 }, random).join('')} ${Array.from({ length: 12 }, random).join('')}`,
      );
    const big = `${lines.join('\n')}\n`;
    const bigGzip = gzipSync(big);
    expect(bigGzip.length).toBeGreaterThan(512 * 1024);
    const bigUsed = usedMerges(bigGzip);
    expect(big.startsWith(bigUsed.slice(0, bigUsed.lastIndexOf('\n') + 1))).toBe(true);
    expect(bigUsed.split('\n').length).toBeGreaterThan(48_895);
    expect(bigUsed.length).toBeLessThan(big.length); // a prefix again, after doubling
    expect(new ClipTokenizer(bigUsed).symbol(512 + 48_893)).toBe(lines[48_894]!.replace(' ', ''));
    const small = lines.slice(0, 1000).join('\n');
    expect(usedMerges(gzipSync(small))).toBe(small);
  });
});
