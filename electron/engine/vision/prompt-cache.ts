/**
 * @file The memory of a detector's or segmenter's raw answers, so that moving a threshold
 * slider, hiding a prompt or exporting what is on screen never runs the model again.
 * Runs in the engine (plain Node).
 *
 * [Note: what is cached is threshold-free]
 * A detector's raw answer for one photo is its boxes (one per patch, the same for every
 * prompt) and, per prompt, one logit per patch; a segmenter's is one logit grid per
 * prompt. Thresholds, suppression and upsampling are cheap arithmetic on those and run
 * on every call, so any threshold is answered from the same entry. Entries are keyed by
 * the photo's identity (its path with size and modification time, or a hash of the
 * bytes when the caller holds only bytes) and by prompt; the model is implicit, because
 * each loaded model (one onnxruntime session, renewed when its file changes) has its own
 * cache. The cache is bounded by bytes, not entries: a CLIPSeg grid is half a megabyte,
 * an OWL-ViT logit column two kilobytes.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';

/** A least-recently-used map whose size is the sum of its entries' weights (bytes). */
export class WeightedLru<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private total = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Re-inserting moves the key to the end: Map iterates in insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Store (or re-store after it grew) `value`; the oldest entries go until it fits. */
  set(key: string, value: V): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.total -= old.weight;
      this.entries.delete(key);
    }
    const weight = this.weigh(value);
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [oldest, entry] of this.entries) {
      // The newest entry stays even when it alone is over the limit: it is being used.
      if (this.total <= this.maxWeight || oldest === key) break;
      this.entries.delete(oldest);
      this.total -= entry.weight;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get weight(): number {
    return this.total;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}

/**
 * What identifies a photo's content for the cache: the absolute path with its size and
 * modification time (a photo edited in place gets a fresh entry), or the SHA-256 of the
 * bytes. A path that cannot be stat'ed gets no key: the decode that follows reports why.
 */
export async function sourceKey(source: string | Buffer): Promise<string | null> {
  if (typeof source !== 'string') {
    return `sha256:${createHash('sha256').update(source).digest('hex')}`;
  }
  const absolute = path.resolve(source);
  const info = await stat(absolute).catch(() => null);
  if (info === null || !info.isFile()) return null;
  return `file:${info.size}:${info.mtimeMs}:${absolute}`;
}
