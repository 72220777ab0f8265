/**
 * @file Test data for the renderer's component tests: search results in any number, and
 * a video result with its scenes.
 */
import type { ModelSummary } from '../../electron/shared/contract.js';
import type { Scene, SearchResult } from '../../electron/shared/types.js';

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

/** A one-minute video whose best match runs from 4 s to 9 s. */
export function makeVideoResult(over: Partial<SearchResult> = {}): SearchResult {
  return {
    path: '/videos/beach.mp4',
    kind: 'video',
    score: 0.31,
    start: 4,
    end: 9,
    duration: 60,
    takenAt: null,
    width: 1920,
    height: 1080,
    thumbnail: '/cache/thumbnails/beach.webp',
    ...over,
  };
}

/** Two scenes of /videos/beach.mp4, best first as the engine ranks them. */
export function makeScenes(): Scene[] {
  return [
    {
      path: '/videos/beach.mp4',
      start: 30,
      end: 45,
      peak: 38,
      score: 0.34,
      thumbnail: '/cache/frames/b.webp',
    },
    {
      path: '/videos/beach.mp4',
      start: 4,
      end: 9,
      peak: 6,
      score: 0.31,
      thumbnail: '/cache/frames/a.webp',
    },
  ];
}

/** A model card's facts as models:list gives them: CLIP ViT-B/32, not yet downloaded. */
export function modelSummary(over: Partial<ModelSummary> = {}): ModelSummary {
  return {
    id: 'clip-vit-b32',
    name: 'CLIP ViT-B/32',
    task: 'clip',
    installed: false,
    sizeBytes: 605_000_000,
    approxSizeBytes: null,
    partialBytes: null,
    license: 'MIT',
    source: 'https://huggingface.co/openai/clip-vit-base-patch32',
    description: 'Fast and small.',
    quality: 'good',
    speed: 'fast',
    verified: true,
    languages: ['en'],
    measuredSpeed: null,
    ...over,
  };
}
