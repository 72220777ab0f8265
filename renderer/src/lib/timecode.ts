/**
 * @file Times in a video, for people and for the in/out controls (renderer): "0:04",
 * "1:02:03.5", and the arithmetic that keeps an in/out range inside the video and in
 * order.
 */

export interface TimeRange {
  start: number;
  end: number;
}

/**
 * The shortest range the in/out handles allow: one keyboard step, so the engine's
 * `end > start` always holds and the two handles never sit on top of each other.
 */
export const MIN_RANGE_SECONDS = 0.1;

/**
 * "m:ss" (or "h:mm:ss") with `decimals` fractional digits. Whole seconds round down, as
 * players show them; with decimals the value is rounded first, so 59.96 s at one decimal
 * reads "1:00.0", not "0:60.0".
 */
export function formatTimecode(seconds: number, decimals = 0): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–:––';
  const scale = 10 ** decimals;
  const total = decimals > 0 ? Math.round(seconds * scale) / scale : Math.floor(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total - hours * 3600 - minutes * 60;
  const secs = rest.toFixed(decimals).padStart(decimals > 0 ? decimals + 3 : 2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${secs}` : `${minutes}:${secs}`;
}

/** "0:04–0:09": a range as its name reads. */
export function formatRange(range: TimeRange, decimals = 0): string {
  return `${formatTimecode(range.start, decimals)}–${formatTimecode(range.end, decimals)}`;
}

/** Milliseconds are finer than any frame; keeps repeated 0.1 s steps from drifting. */
export function roundTime(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Move the in point: inside [0, end − minimum], never past the out point. */
export function withStart(range: TimeRange, start: number): TimeRange {
  return { start: roundTime(clamp(start, 0, range.end - MIN_RANGE_SECONDS)), end: range.end };
}

/** Move the out point: inside [start + minimum, duration], never before the in point. */
export function withEnd(range: TimeRange, end: number, duration: number): TimeRange {
  return {
    start: range.start,
    end: roundTime(clamp(end, range.start + MIN_RANGE_SECONDS, duration)),
  };
}

/**
 * The range to start from when a video opens: the stretch that matched, else the whole
 * video, clamped to what the file really holds.
 */
export function initialRange(match: Partial<TimeRange>, duration: number): TimeRange {
  const start = clamp(match.start ?? 0, 0, Math.max(0, duration - MIN_RANGE_SECONDS));
  const end = clamp(
    match.end ?? duration,
    start + MIN_RANGE_SECONDS,
    Math.max(duration, start + MIN_RANGE_SECONDS),
  );
  return { start: roundTime(start), end: roundTime(end) };
}
