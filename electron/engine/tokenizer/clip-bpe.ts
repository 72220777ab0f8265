/**
 * @file The CLIP byte-pair-encoding tokenizer (OpenAI's `simple_tokenizer`, which the
 * Hugging Face CLIPTokenizer reproduces), reading the real 49 408-token vocabulary
 * bundled in `resources/tokenizers/`. Runs in the engine; works offline.
 *
 * The vocabulary is derived from the merges file exactly as the reference does:
 * 256 byte symbols, the same 256 with the end-of-word marker, one symbol per merge,
 * then the two special tokens. Only the first 48 894 merges are used
 * (49 408 − 2 × 256 − 2), as in the reference. Text is cleaned first as the reference
 * cleans it (ftfy, HTML entities, whitespace, lower case): see text-fixes.ts.
 *
 * [Note: merges read per character]
 * Building the maps of all 48 894 merges took ~100 ms of every cold `lantern search` here,
 * for a query that uses a few dozen of them. A merge can only apply inside a word holding
 * every character of both its halves, so the maps hold only the merges made of characters
 * the texts encoded so far contain: each text with a character not seen before scans the
 * merges once more (a few ms) and adds those its new characters make usable. Ids and ranks
 * are those of the whole file (512 + the merge's line), and every merge that makes a given
 * symbol has that symbol's characters, so all of them are added in the same scan, in file
 * order, and the last one's id wins as when the whole file is read. A word's BPE result only
 * looks up merges of its own characters, so what was encoded before never changes.
 */
import { readFileSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { cleanClipText } from './text-fixes.js';
import type { TextTokenizer } from './text-tokenizer.js';

const END_OF_WORD = '</w>';
const START_TOKEN = '<|startoftext|>';
const END_TOKEN = '<|endoftext|>';
/** 49 152 − 256 − 2: the reference slices merges[1 : 49152-256-2+1]. */
const MERGE_COUNT = 48_894;

/** Same pre-tokenisation as the reference: contractions, letters, single digits, other runs. */
const WORD_PATTERN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/**
 * GPT-2's reversible byte → printable-character table, so BPE never sees raw bytes.
 * `order` lists the bytes in the reference's dictionary order (printable bytes first,
 * then the rest), which is also the order of the first 256 vocabulary ids.
 */
function byteToUnicode(): { table: string[]; order: number[] } {
  const order: number[] = [];
  const add = (from: number, to: number) => {
    for (let b = from; b <= to; b++) order.push(b);
  };
  add(0x21, 0x7e);
  add(0xa1, 0xac);
  add(0xae, 0xff);
  const table: string[] = new Array<string>(256);
  for (const b of order) table[b] = String.fromCodePoint(b);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] !== undefined) continue;
    table[b] = String.fromCodePoint(256 + extra++);
    order.push(b);
  }
  return { table, order };
}

export class ClipTokenizer implements TextTokenizer {
  readonly startToken: number;
  readonly endToken: number;
  readonly vocabSize: number;
  private readonly encoder = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly byteTable: string[];
  private readonly cache = new Map<string, number[]>();
  private readonly textEncoder = new TextEncoder();
  /** Where the merges used start in `merges` (after the version header). */
  private readonly mergesStart: number;
  /** Per UTF-16 code unit: 1 once the merges made of covered characters are in the maps. */
  private readonly covered = new Uint8Array(0x10000);
  private coveredAll = false;

  /** @param merges the merges file's text (first line is a version header). */
  constructor(private readonly merges: string) {
    const { table, order } = byteToUnicode();
    this.byteTable = table;
    const byteSymbols = order.map((b) => table[b] ?? '');
    let id = 0;
    for (const symbol of byteSymbols) this.encoder.set(symbol, id++);
    for (const symbol of byteSymbols) this.encoder.set(symbol + END_OF_WORD, id++);
    this.mergesStart = merges.indexOf('\n') + 1; // the first line is a version header
    let rank = 0;
    for (
      let start = this.mergesStart;
      rank < MERGE_COUNT && start > 0 && start < merges.length;
      rank++
    ) {
      const end = merges.indexOf('\n', start);
      start = end < 0 ? merges.length : end + 1;
    }
    if (rank !== MERGE_COUNT) {
      throw new Error(`CLIP merges file has ${rank} merges, expected ${MERGE_COUNT}.`);
    }
    id += MERGE_COUNT;
    this.encoder.set(START_TOKEN, id++);
    this.encoder.set(END_TOKEN, id++);
    this.vocabSize = id;
    this.startToken = id - 2;
    this.endToken = id - 1;
  }

  static fromFile(path: string): ClipTokenizer {
    const raw = readFileSync(path);
    return new ClipTokenizer(path.endsWith('.gz') ? usedMerges(raw) : raw.toString('utf8'));
  }

  /** Token ids of `text` without the start and end tokens. */
  encode(text: string): number[] {
    const words = this.words(text);
    this.cover(words.join(''));
    return this.encodeWords(words);
  }

  /** The cleaned text's words, each byte-mapped, the special tokens as they are. */
  private words(text: string): string[] {
    return Array.from(cleanClipText(text).matchAll(WORD_PATTERN), (match) => {
      const word = match[0];
      if (word === START_TOKEN || word === END_TOKEN) return word;
      return Array.from(this.textEncoder.encode(word), (b) => this.byteTable[b] ?? '').join('');
    });
  }

  /** Token ids of words whose characters are covered. */
  private encodeWords(words: readonly string[]): number[] {
    return words.flatMap((word) => {
      if (word === START_TOKEN) return [this.startToken];
      if (word === END_TOKEN) return [this.endToken];
      return this.bpe(word);
    });
  }

  /** The symbol (vocabulary string) of a token id, for debugging and tests. */
  symbol(id: number): string | undefined {
    this.cover(null);
    for (const [symbol, value] of this.encoder) if (value === id) return symbol;
    return undefined;
  }

  /**
   * Adds to the maps the merges that the characters of `text` make usable (null: all of
   * them); see [Note: merges read per character].
   */
  private cover(text: string | null): void {
    if (this.coveredAll) return;
    const NEW = 2;
    let fresh = text === null;
    if (text !== null)
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (this.covered[code] === 0) {
          this.covered[code] = NEW;
          fresh = true;
        }
      }
    if (!fresh) return;
    const merges = this.merges;
    let start = this.mergesStart;
    for (let rank = 0; rank < MERGE_COUNT; rank++) {
      let end = merges.indexOf('\n', start);
      if (end < 0) end = merges.length;
      // The end-of-word marker is not characters of the word.
      const last = merges.endsWith(END_OF_WORD, end) ? end - END_OF_WORD.length : end;
      let usable = true;
      let added = text === null;
      for (let i = start; i < last && usable; i++) {
        const code = merges.charCodeAt(i);
        if (code === 0x20) continue; // the space between the two halves
        const state = this.covered[code];
        if (state === 0) usable = text === null;
        else if (state === NEW) added = true;
      }
      if (usable && added) {
        const line = merges.slice(start, end);
        const space = line.indexOf(' ');
        this.ranks.set(line, rank);
        this.encoder.set(
          space < 0 ? line : line.slice(0, space) + line.slice(space + 1),
          2 * 256 + rank,
        );
      }
      start = end + 1;
    }
    if (text === null) this.coveredAll = true;
    else for (let i = 0; i < text.length; i++) this.covered[text.charCodeAt(i)] = 1;
  }

  /**
   * Encode a batch for the text encoder: start token, tokens (truncated so the end
   * token always fits), end token, then `padToken` up to `contextLength`.
   */
  encodeBatch(
    texts: readonly string[],
    contextLength: number,
    padToken: number,
  ): { ids: BigInt64Array; mask: BigInt64Array } {
    const ids = new BigInt64Array(texts.length * contextLength).fill(BigInt(padToken));
    const mask = new BigInt64Array(texts.length * contextLength);
    // One scan of the merges for the whole batch (a tagging run's hundreds of prompts)
    // rather than one per text that brings a new character.
    const words = texts.map((text) => this.words(text));
    this.cover(words.map((list) => list.join('')).join(''));
    words.forEach((list, row) => {
      const tokens = [
        this.startToken,
        ...this.encodeWords(list).slice(0, contextLength - 2),
        this.endToken,
      ];
      tokens.forEach((token, col) => {
        ids[row * contextLength + col] = BigInt(token);
        mask[row * contextLength + col] = 1n;
      });
    });
    return { ids, mask };
  }

  private bpe(token: string): number[] {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const chars = Array.from(token);
    let word = chars.map((c, i) => (i === chars.length - 1 ? c + END_OF_WORD : c));
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best];
      const second = word[best + 1];
      // Merge every occurrence of the best pair in one pass, as the reference does.
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          merged.push(`${first}${second}`);
          i++;
        } else {
          merged.push(word[i] ?? '');
        }
      }
      word = merged;
    }
    const ids = word.map((symbol) => {
      const id = this.encoder.get(symbol);
      if (id === undefined)
        throw new Error(`CLIP vocabulary has no symbol ${JSON.stringify(symbol)}.`);
      return id;
    });
    if (this.cache.size < 10_000) this.cache.set(token, ids);
    return ids;
  }
}

/** Compressed bytes inflated first; OpenAI's file needs ~220 KB for the merges used. */
const FIRST_INFLATE = 256 * 1024;

/**
 * The start of a gzip'd merges file holding at least the header and the MERGE_COUNT merges
 * used: the file has 262 145 lines (3.2 MB inflated), of which the first 48 895 (525 KB)
 * are read, so only as much is inflated as holds them (a prefix of a gzip stream inflates
 * with a sync flush). Every cold `lantern search` builds this tokenizer: inflating and
 * decoding the whole file took ~50 of its ~115 ms here.
 */
export function usedMerges(gzip: Buffer): string {
  for (let size = FIRST_INFLATE; ; size *= 2) {
    if (size >= gzip.length) return gunzipSync(gzip).toString('utf8');
    const text = gunzipSync(gzip.subarray(0, size), {
      finishFlush: constants.Z_SYNC_FLUSH,
    }).toString('utf8');
    // Complete lines only: the header, then MERGE_COUNT merges, each ended by a newline.
    let lines = 0;
    for (
      let at = text.indexOf('\n');
      at >= 0 && lines <= MERGE_COUNT;
      at = text.indexOf('\n', at + 1)
    )
      lines++;
    if (lines > MERGE_COUNT) return text;
  }
}
