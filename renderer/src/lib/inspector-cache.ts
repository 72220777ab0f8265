/**
 * @file The inspector's answers kept for the whole session (renderer), module-wide so a
 * reopened inspector reuses them ([Note: the slider never asks again] in
 * inspector.svelte.ts): one prompt's share of a vision:detect or vision:segment answer,
 * keyed by picture (a photo, or a video and a frame's time), model and prompt.
 */
import type { VisionDetection, VisionMask } from '../../../electron/shared/types.js';
import type { Size } from './inspector-draw.js';

/** One prompt's share of a vision:detect answer. */
export interface DetectEntry extends Size {
  model: string;
  threshold: number;
  detections: VisionDetection[];
}

/** One prompt's share of a vision:segment answer. */
export interface SegmentEntry extends Size {
  model: string;
  threshold: number;
  mask: VisionMask;
}

export const detectCache = new Map<string, DetectEntry>();
export const segmentCache = new Map<string, SegmentEntry>();
/** Whether a call of this kind has answered yet: the first one loads the model. */
export const warm = { detect: false, segment: false };

/** Forget every cached answer (tests; a photo edited on disk is a new session's business). */
export function clearInspectorCache(): void {
  detectCache.clear();
  segmentCache.clear();
  warm.detect = false;
  warm.segment = false;
}

/** Frames of one video at two times are two pictures: the time is part of the key. */
export function cacheKey(
  path: string,
  time: number | undefined,
  model: string | undefined,
  prompt: string,
): string {
  return `${path}\u0000${time ?? ''}\u0000${model ?? ''}\u0000${prompt.toLowerCase()}`;
}
