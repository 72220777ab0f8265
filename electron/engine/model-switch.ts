/**
 * @file Choosing which model's index answers searches while another is being built, for
 * Library (engine, plain Node).
 *
 * [Note: switching model]
 * Choosing another model never empties the library. The new model gets tables of its
 * own ([Note: one set of tables per model] in native/store/meta.ts) and the next index
 * run fills them, over every root, while searches keep answering from the previous
 * model's complete index. When a run over every root completes, the new model takes
 * over. Switching back to a model whose index is complete is instant: its tables were
 * never dropped.
 */
import type { LibraryStore, StoredModel } from '../../native/store/index.js';
import type { ClipEncoder } from './clip/encoder.js';
import type { ModelRegistry, ResolvedClipModel } from './models/registry.js';

/** A model's open tables with the encoder that fills and queries them. */
export interface ModelSide {
  store: LibraryStore;
  encoder: ClipEncoder;
}

/** The chosen model while its index is still being built ([Note: switching model]). */
export interface PendingModel {
  store: LibraryStore;
  resolved: ResolvedClipModel;
  encoder: Promise<ClipEncoder> | null;
}

/**
 * Which model's index answers searches: the chosen one when its index is complete, or when
 * no other model has a complete index that can still be loaded; else the most recently
 * indexed such model ([Note: switching model]).
 */
export function servingModelFor(
  chosen: string,
  stored: readonly StoredModel[],
  registry: ModelRegistry,
): string {
  if (stored.find((m) => m.model === chosen)?.complete) return chosen;
  const installed = new Set(
    registry
      .list()
      .filter((m) => m.task === 'clip' && m.installed)
      .map((m) => m.id),
  );
  const previous = stored
    .filter((m) => m.model !== chosen && m.complete && m.rows > 0 && installed.has(m.model))
    .sort((a, b) => b.updatedAt - a.updatedAt)[0];
  return previous?.model ?? chosen;
}
