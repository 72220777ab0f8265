/**
 * @file The near-duplicate channels of the IPC contract (duplicates:*): groups of
 * near-identical photos (re-encoded, resized, slightly cropped, burst shots) found through
 * the vector index, and moving the ones not kept to the system trash. Spread into
 * `contract` in contract.ts.
 */
import { z } from 'zod';
import { absolutePath, empty, returns } from './contract-fields.js';

/** One photo of a group, with what the person compares to choose a keeper. */
export interface DuplicateFile {
  path: string;
  /** Bytes on disk. */
  size: number;
  width: number | null;
  height: number | null;
  /** Capture date (EXIF), ms since the epoch; null when the photo carries none. */
  takenAt: number | null;
  /** Modification time, ms since the epoch. */
  mtime: number;
  /** Relative sharpness within the group (variance of the Laplacian of the thumbnail); null if unreadable. */
  sharpness: number | null;
}

export interface DuplicateGroup {
  /** The lowest cosine similarity between the group's photos and its keeper. */
  similarity: number;
  /** Every photo of the group, the suggested keeper first. */
  paths: string[];
  files: DuplicateFile[];
  /** The suggested keeper (largest, then sharpest, then earliest) and why, in words. */
  keeper: string;
  keeperReason: string;
}

export interface DuplicateAnswer {
  groups: DuplicateGroup[];
  /** The cosine similarity two photos reach to be grouped. */
  threshold: number;
  /** Photos looked at. */
  scanned: number;
}

export interface DuplicateProgress {
  done: number;
  total: number;
}

export interface TrashAnswer {
  /** Moved to the system trash (and gone from the library). */
  trashed: string[];
  /** Not moved, each with why; the file is untouched. */
  failed: { path: string; message: string }[];
}

export const channels = {
  /**
   * Groups of near-identical photos in the library or one folder of it; progress arrives
   * as `duplicates:progress`, and duplicates:cancel stops it (the call then fails CANCELLED).
   */
  'duplicates:find': {
    input: z
      .object({
        threshold: z.number().min(0.5).max(1).optional(),
        folder: absolutePath.optional(),
      })
      .strict(),
    output: returns<DuplicateAnswer>(),
  },
  'duplicates:cancel': { input: empty, output: returns<null>() },
  /**
   * Moves library photos to the system trash (never deletes outright); the renderer asks
   * the person to confirm first. Their rows leave the library.
   */
  'duplicates:trash': {
    input: z.object({ paths: z.array(absolutePath).min(1).max(10_000) }).strict(),
    output: returns<TrashAnswer>(),
  },
} as const;
