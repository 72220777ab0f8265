/**
 * @file Safe SQL filter expressions for LanceDB `where` clauses (DataFusion SQL). Runs
 * in the engine worker (plain Node).
 *
 * Every value that reaches SQL goes through sqlString or sqlNumber; nothing else in
 * the engine should build a `where` string by hand. Paths are matched with DataFusion's
 * `starts_with` rather than LIKE, so `%` and `_` in folder names need no escaping; only
 * single quotes do (doubled, standard SQL). Backslashes are not escapes in SQL strings,
 * so Windows paths pass through unchanged.
 */
import { sep } from 'node:path';

export function sqlString(value: string): string {
  // A NUL would end the string early in some layers below; no real path contains one.
  if (value.includes('\0')) throw new RangeError('a SQL string cannot contain NUL');
  return `'${value.replaceAll("'", "''")}'`;
}

export function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  // String() gives exponent notation only outside ±1e21, beyond any timestamp or size.
  return String(value);
}

/** `column IN ('a', 'b')`; callers keep lists to a few hundred values. */
export function whereIn(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map(sqlString).join(', ')})`;
}

export function whereKind(kind: 'image' | 'video'): string {
  return `kind = ${sqlString(kind)}`;
}

/**
 * Files under `folder`, at any depth. The folder gets a trailing separator so that
 * "/photos/2020" does not also match "/photos/2020-old".
 */
export function whereUnderFolder(folder: string, separator: string = sep): string {
  const prefix = folder.endsWith('/') || folder.endsWith(separator) ? folder : folder + separator;
  return `starts_with(path, ${sqlString(prefix)})`;
}

/** The date a person thinks of for a file: when it was taken, else when it last changed. */
export function mediaDate(row: { takenAt: number | null; mtime: number }): number {
  return row.takenAt ?? row.mtime;
}

/**
 * Inclusive bounds on the date a person thinks of for a file (mediaDate): its capture time, or
 * its modification time when it has none (as SearchFilters in electron/shared/types.ts
 * defines it). Written without COALESCE so it stays plain comparisons.
 */
export function whereDateBetween(from?: number, to?: number): string | undefined {
  const bounds = (column: string) => {
    const parts: string[] = [];
    if (from !== undefined) parts.push(`${column} >= ${sqlNumber(from)}`);
    if (to !== undefined) parts.push(`${column} <= ${sqlNumber(to)}`);
    return parts.join(' AND ');
  };
  if (from === undefined && to === undefined) return undefined;
  return `((taken_at IS NOT NULL AND ${bounds('taken_at')}) OR (taken_at IS NULL AND ${bounds('mtime')}))`;
}

/** AND of the given clauses, skipping empty ones; undefined when none remain. */
export function whereAll(...clauses: (string | undefined | null)[]): string | undefined {
  const present = clauses.filter(
    (clause): clause is string => typeof clause === 'string' && clause !== '',
  );
  if (present.length === 0) return undefined;
  return present.length === 1 ? present[0] : present.map((clause) => `(${clause})`).join(' AND ');
}

/** The filters a search can carry (SearchFilters in electron/shared/types.ts). */
export interface MediaFilters {
  kind?: 'image' | 'video' | undefined;
  /** Only files under this folder. */
  folder?: string | undefined;
  /** Inclusive bounds on capture time (or mtime when none), ms since the epoch. */
  from?: number | undefined;
  to?: number | undefined;
  /** Only rows embedded by this model. */
  model?: string | undefined;
}

/** One `where` string for a search's filters, or undefined when nothing is filtered. */
export function buildFilter(filters: MediaFilters): string | undefined {
  return whereAll(
    filters.kind === undefined ? undefined : whereKind(filters.kind),
    filters.folder === undefined ? undefined : whereUnderFolder(filters.folder),
    whereDateBetween(filters.from, filters.to),
    filters.model === undefined ? undefined : `model = ${sqlString(filters.model)}`,
  );
}
