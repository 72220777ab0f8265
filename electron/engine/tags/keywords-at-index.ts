/**
 * @file The keywords a photo already carries (embedded XMP and IPTC, XMP sidecars), read
 * while the indexer indexes it and recorded as accepted tags of source 'keyword'
 * (docs/tagging.md, "Existing keywords"). Runs in the engine worker (plain Node).
 *
 * Why off the embedding path: reading is started when a batch has been embedded and
 * runs while the next batch decodes; the indexer waits for it only when it flushes rows
 * and at the end of the run, so the hot path gains only the read itself (exifr, ~0.7 ms a
 * photo in-process; measured in docs/tagging.md). ExifTool (a process) starts only for
 * a photo that has a sidecar next to it (readKeywords checks), and is ended at finish().
 *
 * Why `keywords/<slug>` and not the vocabulary tag of the same name: a keyword is a word
 * the person typed in another tool, shown as a tag of its own origin (issue 10); the
 * bundled vocabulary's "Orange" is a colour, a keyword "orange" may be the fruit. A
 * vocabulary merge edit (mergeTag) folds a keyword tag into a vocabulary tag when the
 * person says they are the same.
 */
import type { LibraryStore } from '../../../native/store/index.js';
import type { TagDecision } from '../../../native/store/tags.js';
import { endExiftool } from '../../../native/xmp/exiftool.js';
import { readKeywords } from '../../../native/xmp/keywords.js';
import { slugify } from './vocabulary.js';

/** Tag ids of keywords: `keywords/<slug of the keyword>`. */
export const KEYWORD_CATEGORY = 'keywords';

/** Photos whose keywords are read at the same time (exifr reads a file's first blocks). */
const READ_CONCURRENCY = 4;

export function keywordTagId(keyword: string): string | null {
  const slug = slugify(keyword);
  return slug === '' ? null : `${KEYWORD_CATEGORY}/${slug}`;
}

/** One photo whose keywords to record: its path and the content hash its tags hang on. */
export interface KeywordPhoto {
  path: string;
  hash: string;
}

/**
 * Reads keywords of the photos it is given, in the background, and writes them to the
 * tags table on flush(). A photo whose keywords cannot be read is counted in `unread`
 * and otherwise ignored: its index row is already complete and a keyword is not worth
 * failing a photo for.
 */
export class KeywordRecorder {
  private readonly pending: TagDecision[] = [];
  private readonly reads = new Set<Promise<void>>();
  private readonly queue: KeywordPhoto[] = [];
  private active = 0;
  /** Photos whose keywords could not be read (damaged block, ExifTool missing). */
  unread = 0;

  constructor(private readonly store: LibraryStore) {}

  /** Start reading these photos' keywords; returns at once. */
  add(photos: readonly KeywordPhoto[]): void {
    this.queue.push(...photos);
    while (this.active < READ_CONCURRENCY && this.queue.length > 0) this.startNext();
  }

  /** Wait for the reads started so far and write their keywords (keepDecisions). */
  async flush(): Promise<void> {
    while (this.reads.size > 0 || this.queue.length > 0) {
      if (this.reads.size === 0) this.startNext();
      await Promise.all([...this.reads]);
    }
    const decisions = this.pending.splice(0);
    // keepDecisions: a keyword tag the person rejected (or accepted) is left as it is.
    await this.store.tags.setStates(decisions, { keepDecisions: true });
  }

  /** Flush, then end the ExifTool process if a sidecar started one. */
  async finish(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await endExiftool();
    }
  }

  private startNext(): void {
    const photo = this.queue.shift();
    if (!photo) return;
    this.active++;
    const read = this.read(photo).finally(() => {
      this.active--;
      this.reads.delete(read);
      if (this.queue.length > 0) this.startNext();
    });
    this.reads.add(read);
  }

  private async read(photo: KeywordPhoto): Promise<void> {
    try {
      const keywords = await readKeywords(photo.path, { onSkipped: () => this.unread++ });
      for (const { keyword } of keywords) {
        const tag = keywordTagId(keyword);
        if (tag) this.pending.push({ hash: photo.hash, tag, state: 'accepted', source: 'keyword' });
      }
    } catch {
      this.unread++;
    }
  }
}
