/**
 * @file The store adapter: Lantern's only door to LanceDB and Arrow. Runs in the
 * engine worker (plain Node); imports node and the native packages only (DESIGN.md,
 * Layout).
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

export { LibraryStore } from './library-store.js';
export {
  DEFAULT_NPROBES,
  REFINE_CANDIDATES,
  refineFactorFor,
  ROWS_PER_PARTITION,
  SHUFFLE_BUFFER_BYTES,
  VECTOR_INDEX_MIN_ROWS,
  VECTOR_INDEX_TYPE,
} from './vector-index.js';
export { FrameTable, frameId } from './frames.js';
export { frameVectorPages, imageVectorPages } from './vector-pages.js';
export type { FrameVectorPage, ImageVectorPage } from './vector-pages.js';
export { ArrowEmbeddingFile, embeddingSchema } from './arrow-file.js';
export type { EmbeddingColumns } from './arrow-file.js';
export type { FrameHit, FrameRow } from './frames.js';
export { TagTable, TAGS_TABLE, tagKey } from './tags.js';
export { inTurn } from './turns.js';
export { removeDeadScratch, SCRATCH_PREFIX, TEMP_BASE_ENV, useOwnScratch } from './scratch.js';
export type { TagDecision, TagRow, TagSource, TagState, TagSuggestion } from './tags.js';
export type {
  OpenStoreOptions,
  StoredModel,
  VectorHit,
  VectorSearchOptions,
} from './library-store.js';
export type { FailureRow, MediaKey, MediaRow, StoredMedia, StoreMediaKind } from './schema.js';
export type { StoredFile, VanishedFile } from './stored-files.js';
export {
  buildFilter,
  mediaDate,
  sqlNumber,
  sqlString,
  whereAll,
  whereDateBetween,
  whereIn,
  whereKind,
  whereUnderFolder,
} from './filters.js';
export type { MediaFilters } from './filters.js';
export { StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';

/**
 * A file's id: the first 32 hex digits (128 bits) of the SHA-256 of its absolute path
 * (UTF-8). Path-based, not content-based, because two copies of a photo in two folders
 * are two library entries; the content hash is kept separately to recognise moves.
 * 128 bits make an accidental collision negligible (about 2^64 files for even odds).
 */
export function mediaIdFor(path: string): string {
  return createHash('sha256').update(resolve(path), 'utf8').digest('hex').slice(0, 32);
}
