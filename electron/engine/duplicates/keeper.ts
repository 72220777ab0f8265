/**
 * @file Which photo of a near-duplicate group to keep, and why in words (engine, plain
 * Node): the largest (pixels), then the sharpest, then the earliest, then the first by
 * path so the same library always gives the same answer.
 */
import type { DuplicateFile } from '../../shared/channels-duplicates.js';

/**
 * Sharpness values closer than this ratio count as equal: two re-encodes of one picture
 * differ by a few per cent from JPEG noise alone, which says nothing about focus.
 */
const SHARPNESS_TIE = 1.05;

/** When a file was taken, else last changed (the date a person thinks of). */
function dateOf(file: DuplicateFile): number {
  return file.takenAt ?? file.mtime;
}

function pixelsOf(file: DuplicateFile): number {
  return (file.width ?? 0) * (file.height ?? 0);
}

function sizeText(file: DuplicateFile): string {
  return file.width !== null && file.height !== null ? `${file.width}×${file.height}` : 'unknown';
}

/** Negative when `a` is the better keeper. */
function compareKeepers(a: DuplicateFile, b: DuplicateFile): number {
  const pixels = pixelsOf(b) - pixelsOf(a);
  if (pixels !== 0) return pixels;
  const sa = a.sharpness ?? 0;
  const sb = b.sharpness ?? 0;
  if (sa > sb * SHARPNESS_TIE) return -1;
  if (sb > sa * SHARPNESS_TIE) return 1;
  const date = dateOf(a) - dateOf(b);
  if (date !== 0) return date;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** The files ordered keeper first, and the reason the first one wins, in words. */
export function chooseKeeper(files: readonly DuplicateFile[]): {
  ordered: DuplicateFile[];
  reason: string;
} {
  const ordered = [...files].sort(compareKeepers);
  const [keeper, runnerUp] = ordered;
  if (!keeper || !runnerUp) return { ordered, reason: 'the only photo' };
  if (pixelsOf(keeper) !== pixelsOf(runnerUp))
    return { ordered, reason: `largest: ${sizeText(keeper)}` };
  const sk = keeper.sharpness ?? 0;
  const sr = runnerUp.sharpness ?? 0;
  if (sk > sr * SHARPNESS_TIE)
    return { ordered, reason: `sharpest, at the same size (${sizeText(keeper)})` };
  if (dateOf(keeper) !== dateOf(runnerUp))
    return {
      ordered,
      reason: `earliest: ${new Date(dateOf(keeper)).toISOString().slice(0, 19).replace('T', ' ')}`,
    };
  return { ordered, reason: 'same size, sharpness and date: the first by name' };
}
