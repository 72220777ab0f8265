/**
 * @file The tags of every indexed file in a folder, handed on a chunk of files at a time in
 * the library's storage order: `lantern tag`'s answer (engine worker, plain Node).
 *
 * [Note: a folder's tags as they are printed] `lantern tag` answers with each file of the
 * folder and its tags. It listed the folder's whole records, read their tag rows as objects,
 * built the answer and then its JSON text, all at once: for the bench's 1 000 000-row
 * library that reached 1.8 GB after a tag run that had itself stayed near 650 MiB. Now the
 * folder's files are read twice, path and hash only and a batch at a time: once to learn
 * which contents are asked for (each hash once, numbered), once to hand the files on with
 * their tags. Between the two, the tag rows of those contents are read in one pass
 * (TagTable.eachOfFiles) and kept packed, 16 bytes a row in typed arrays (file number, tag
 * number, score, state, source; a video's ranges beside), then grouped by file with a
 * counting sort. What is held is the numbered hashes and the packed rows, about 110 MB and
 * 16 bytes a tag at 1 000 000 files, and the one chunk of answers being written.
 */
import type { LibraryStore } from '../../../native/store/index.js';
import type { TagRow, TagSource } from '../../../native/store/tags.js';
import type { FileTags, TagState } from '../../shared/types.js';
import { fileTag, inShownOrder, shownTag, tagDefs } from './library-tags.js';
import type { Vocabulary } from './vocabulary.js';

/** Files handed on at a time. */
const FILES_PER_CHUNK = 1000;

const STATES: readonly TagState[] = ['accepted', 'suggested', 'rejected'];
const SOURCES: readonly TagSource[] = ['auto', 'user', 'learned', 'keyword'];

/**
 * Hand `onFiles` every indexed file whose path `keep` accepts, with its tags (those in
 * `states`, when given; hidden tags never), as tagsOfFiles makes them, in chunks, in
 * storage order. Answers how many files there were.
 */
export async function eachFolderFileTags(
  store: LibraryStore,
  vocabulary: Vocabulary,
  keep: (path: string) => boolean,
  onFiles: (files: FileTags[]) => void | Promise<void>,
  options: { states?: readonly TagState[]; filesPerChunk?: number } = {},
): Promise<number> {
  // Each content asked for, numbered in the order first met.
  const contents = new Map<string, number>();
  let files = 0;
  for await (const batch of store.pathsAndHashes())
    for (const { path, hash } of batch) {
      if (!keep(path)) continue;
      files += 1;
      if (!contents.has(hash)) contents.set(hash, contents.size);
    }
  if (files === 0) return 0;
  const defs = tagDefs(vocabulary);
  const packed = new PackedTags();
  await store.tags.eachOfFiles(contents, (row) => {
    if (shownTag(row, defs, options.states)) packed.add(contents.get(row.hash)!, row);
  });
  const grouped = packed.groupedBy(contents.size);
  const perChunk = options.filesPerChunk ?? FILES_PER_CHUNK;
  let chunk: FileTags[] = [];
  for await (const batch of store.pathsAndHashes())
    for (const { path, hash } of batch) {
      if (!keep(path)) continue;
      const content = contents.get(hash);
      const tags =
        content === undefined ? [] : grouped.rowsOf(content).map((row) => fileTag(row, defs));
      chunk.push({ path, tags: tags.sort(inShownOrder) });
      if (chunk.length >= perChunk) {
        await onFiles(chunk);
        chunk = [];
      }
    }
  if (chunk.length > 0) await onFiles(chunk);
  return files;
}

type PackedRow = Pick<TagRow, 'tag' | 'score' | 'state' | 'source' | 'ranges'>;

/** Tag rows as typed arrays, grown by doubling: [Note: a folder's tags as they are printed]. */
class PackedTags {
  private length = 0;
  private content = new Uint32Array(1024);
  private tag = new Uint32Array(1024);
  private score = new Float64Array(1024);
  /** Index in STATES, and in SOURCES times 4. */
  private kind = new Uint8Array(1024);
  private readonly ranges = new Map<number, Array<[number, number]>>();
  private readonly tagIds: string[] = [];
  private readonly tagNumbers = new Map<string, number>();

  add(content: number, row: PackedRow): void {
    if (this.length === this.content.length) this.grow();
    const i = this.length++;
    let tag = this.tagNumbers.get(row.tag);
    if (tag === undefined) {
      tag = this.tagIds.length;
      this.tagIds.push(row.tag);
      this.tagNumbers.set(row.tag, tag);
    }
    this.content[i] = content;
    this.tag[i] = tag;
    this.score[i] = row.score ?? Number.NaN;
    this.kind[i] = STATES.indexOf(row.state) + 4 * Math.max(0, SOURCES.indexOf(row.source));
    if (row.ranges) this.ranges.set(i, row.ranges);
  }

  /** The rows grouped by content (a counting sort): each content's rows in the order added. */
  groupedBy(contents: number): { rowsOf: (content: number) => PackedRow[] } {
    const start = new Uint32Array(contents + 1);
    for (let i = 0; i < this.length; i++) start[this.content[i]! + 1]! += 1;
    for (let c = 0; c < contents; c++) start[c + 1]! += start[c]!;
    const order = new Uint32Array(this.length);
    const next = start.slice(0, contents);
    for (let i = 0; i < this.length; i++) order[next[this.content[i]!]!++] = i;
    return {
      rowsOf: (content) => {
        const rows: PackedRow[] = [];
        for (let k = start[content]!; k < start[content + 1]!; k++) rows.push(this.row(order[k]!));
        return rows;
      },
    };
  }

  private row(i: number): PackedRow {
    const score = this.score[i]!;
    const kind = this.kind[i]!;
    const ranges = this.ranges.get(i);
    return {
      tag: this.tagIds[this.tag[i]!]!,
      score: Number.isNaN(score) ? null : score,
      state: STATES[kind % 4]!,
      source: SOURCES[kind >> 2]!,
      ranges: ranges ?? null,
    };
  }

  private grow(): void {
    const size = this.content.length * 2;
    const grown = <T extends Uint32Array | Float64Array | Uint8Array>(old: T, made: T): T => {
      made.set(old);
      return made;
    };
    this.content = grown(this.content, new Uint32Array(size));
    this.tag = grown(this.tag, new Uint32Array(size));
    this.score = grown(this.score, new Float64Array(size));
    this.kind = grown(this.kind, new Uint8Array(size));
  }
}
