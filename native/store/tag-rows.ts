/**
 * @file Rows of the `tags` table (native/store/tags.ts): their TypeScript and Arrow shapes,
 * the conversions between them, and the checks every written row passes. Plain data; the
 * table's rules live in tags.ts ([Note: what a suggestion may change]).
 */
import type * as ArrowModule from 'apache-arrow';
import { arrow } from './arrow.js';
import { readColumn } from './columns.js';
import { StoreError } from './errors.js';

export const TAGS_TABLE = 'tags';

export type TagState = 'suggested' | 'accepted' | 'rejected';
export type TagSource = 'auto' | 'user' | 'learned' | 'keyword';

const STATES: readonly TagState[] = ['suggested', 'accepted', 'rejected'];
const SOURCES: readonly TagSource[] = ['auto', 'user', 'learned', 'keyword'];
/** Which state wins when two tags merge into one (mergeTag): the person's decisions first. */
export const STATE_STRENGTH: Record<TagState, number> = { suggested: 0, rejected: 1, accepted: 2 };

export interface TagRow {
  /** `<hash>|<tag>` (tagKey). */
  key: string;
  /** SHA-256 of the file's bytes (the media row's `hash`). */
  hash: string;
  /** Tag id, e.g. 'colours/red'. */
  tag: string;
  state: TagState;
  source: TagSource;
  /** The tagger's score when it last looked; null for tags nobody scored (user, keyword). */
  score: number | null;
  /** The model whose run last scored it. */
  model: string | null;
  /** For videos: the stretches, in seconds, where the tag holds. */
  ranges: Array<[number, number]> | null;
  /** When the row last changed, ms since the epoch. */
  updatedAt: number;
}

/** One tag a run suggests for one file. */
export interface TagSuggestion {
  hash: string;
  tag: string;
  score: number;
  model?: string | null;
  ranges?: Array<[number, number]> | null;
  /** 'auto' (the vocabulary) unless a learned tag suggests it. */
  source?: 'auto' | 'learned';
}

/** One decision: `tag` on the file `hash` is now `state`. */
export interface TagDecision {
  hash: string;
  tag: string;
  state: TagState;
  /** Default: the row's present source, or 'user' for a row that did not exist. */
  source?: TagSource;
}

/** Values per `IN (…)` list, to keep each SQL statement small. */
export const VALUES_PER_STATEMENT = 500;
export const COLUMNS = [
  'key',
  'hash',
  'tag',
  'state',
  'source',
  'score',
  'model',
  'ranges',
  'updated_at',
] as const;

export function tagKey(hash: string, tag: string): string {
  return `${hash}|${tag}`;
}

export function tagSchema(): ArrowModule.Schema {
  const text = (name: string, nullable = false) =>
    new arrow.Field(name, new arrow.Utf8(), nullable);
  return new arrow.Schema([
    text('key'),
    text('hash'),
    text('tag'),
    text('state'),
    text('source'),
    new arrow.Field('score', new arrow.Float64(), true),
    text('model', true),
    text('ranges', true),
    new arrow.Field('updated_at', new arrow.Float64(), false),
  ]);
}

export function toArrow(rows: readonly TagRow[]): ArrowModule.Table {
  const schema = tagSchema();
  const values: Record<(typeof COLUMNS)[number], (string | number | null)[]> = {
    key: rows.map((r) => r.key),
    hash: rows.map((r) => r.hash),
    tag: rows.map((r) => r.tag),
    state: rows.map((r) => r.state),
    source: rows.map((r) => r.source),
    score: rows.map((r) => r.score),
    model: rows.map((r) => r.model),
    ranges: rows.map((r) => (r.ranges === null ? null : JSON.stringify(r.ranges))),
    updated_at: rows.map((r) => r.updatedAt),
  };
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: rows.length,
    nullCount: 0,
    children: schema.fields.map((field): ArrowModule.Data => {
      const column = values[field.name as (typeof COLUMNS)[number]];
      return arrow.vectorFromArray(column, field.type as ArrowModule.DataType).data[0]!;
    }),
  });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

export function fromArrow(result: ArrowModule.Table | ArrowModule.RecordBatch): TagRow[] {
  const [key, hash, tag, state, source, score, model, ranges, updatedAt] = COLUMNS.map((name) =>
    readColumn(result, name),
  );
  const rows: TagRow[] = [];
  for (let i = 0; i < result.numRows; i++) {
    const rangeText = ranges![i];
    rows.push({
      key: String(key![i]),
      hash: String(hash![i]),
      tag: String(tag![i]),
      state: String(state![i]) as TagState,
      source: String(source![i]) as TagSource,
      score: score![i] === null ? null : Number(score![i]),
      model: model![i] === null ? null : String(model![i]),
      ranges:
        typeof rangeText === 'string' ? (JSON.parse(rangeText) as Array<[number, number]>) : null,
      updatedAt: Number(updatedAt![i]),
    });
  }
  return rows;
}

/** Bad input is the caller's bug; say which value, before anything is written. */
export function check(
  hash: string,
  tag: string,
  extra?: { state?: string | undefined; source?: string | undefined },
): void {
  const problem =
    hash === '' || hash.includes('|')
      ? `the file hash "${hash}" is empty or holds "|"`
      : tag.trim() === ''
        ? 'the tag is empty'
        : extra?.state !== undefined && !STATES.includes(extra.state as TagState)
          ? `"${extra.state}" is not a tag state (${STATES.join(', ')})`
          : extra?.source !== undefined && !SOURCES.includes(extra.source as TagSource)
            ? `"${extra.source}" is not a tag source (${SOURCES.join(', ')})`
            : null;
  if (problem !== null)
    throw new StoreError('INVALID_INPUT', `Cannot save the tag "${tag}": ${problem}.`);
}

export function checkRanges(tag: string, ranges: Array<[number, number]> | null | undefined): void {
  for (const range of ranges ?? []) {
    const [start, end] = range;
    if (!(Number.isFinite(start) && Number.isFinite(end) && start <= end))
      throw new StoreError(
        'INVALID_INPUT',
        `Cannot save the tag "${tag}": the time range ${JSON.stringify(range)} is not [start, end] seconds.`,
      );
  }
}
