/**
 * @file Test data for the renderer's component tests: search results in any number.
 */
import type { SearchResult } from '../../electron/shared/types.js';

/** `count` image results named img-0.jpg, img-1.jpg, … with falling scores. */
export function makeResults(count: number): SearchResult[] {
  return Array.from({ length: count }, (_, i) => ({
    path: `/photos/img-${i}.jpg`,
    kind: 'image' as const,
    score: 0.4 - i / 1e7,
    takenAt: null,
    width: 640,
    height: 480,
    thumbnail: `/cache/thumbnails/${i}.webp`,
  }));
}

/** A promise and the functions that settle it, for answering calls out of order. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
