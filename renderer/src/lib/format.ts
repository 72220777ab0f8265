/**
 * @file Plain formatting for what the renderer shows: file names, sizes, durations,
 * dates, and the conversion of date-input values to the engine's millisecond bounds.
 */

/** The last segment of a POSIX or Windows path: what a person calls the file. */
export function basename(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return cut === -1 ? trimmed : trimmed.slice(cut + 1);
}

/** Everything before the last segment, for showing where a file lives. */
export function dirname(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut <= 0 ? path.slice(0, cut + 1) : path.slice(0, cut);
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** Decimal units (1 MB = 10⁶ B), as download sizes are usually published. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return 'size unknown';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** "about 3 min", "12 s", "1 h 5 min": an ETA, so rounded to what a person can use. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export function formatCount(n: number): string {
  return n.toLocaleString();
}

/** "1 video", "1,204 photos": a count with its noun in the right number. */
export function countOf(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(ms: number | null): string {
  return ms === null ? 'No capture date' : dateFormat.format(ms);
}

/**
 * `<input type="date">` gives "YYYY-MM-DD" in the person's calendar; the engine takes
 * inclusive millisecond bounds. "From" is the start of that local day, "to" its last
 * millisecond, so a one-day range includes the whole day.
 */
export function dateInputToMs(value: string, edge: 'start' | 'end'): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  return edge === 'start'
    ? new Date(y, m - 1, d).getTime()
    : new Date(y, m - 1, d + 1).getTime() - 1;
}
