/**
 * @file Near-duplicates state (renderer): one `duplicates:find` at a time with its progress
 * (`duplicates:progress`) and cancel, the groups it answered with the keeper the person
 * chose in each, and moving the others to the system trash (`duplicates:trash`). Trashed
 * paths leave their group at once; a group left with one photo is no longer a group.
 */
import type {
  DuplicateFile,
  DuplicateGroup,
  DuplicateProgress,
  TrashAnswer,
} from '../../../electron/shared/channels-duplicates.js';
import { ApiError, errorMessage, invoke, on } from './api.js';

/** The contract's bounds for `threshold` (channels-duplicates.ts). */
export const MIN_SIMILARITY = 0.5;
export const MAX_SIMILARITY = 1;
/** Fine enough to step between a re-encode (≈0.99) and a burst neighbour (≈0.95). */
export const SIMILARITY_STEP = 0.005;

/** A group as the view shows it: the engine's answer plus the keeper chosen now. */
export interface ShownGroup {
  /** Stable across trashing, for keyed lists and focus. */
  id: number;
  similarity: number;
  files: DuplicateFile[];
  /** The keeper now: the engine's suggestion until the person picks another. */
  keeper: string;
  suggested: string;
  suggestedReason: string;
}

/** What a trash request did, for the view to say. */
export interface TrashOutcome extends TrashAnswer {
  asked: number;
}

/** The photos of `group` that are not its keeper: what "Move others to trash" moves. */
export function othersOf(group: ShownGroup): string[] {
  return group.files.map((file) => file.path).filter((path) => path !== group.keeper);
}

function shown(group: DuplicateGroup, id: number): ShownGroup {
  return {
    id,
    similarity: group.similarity,
    files: group.files,
    keeper: group.keeper,
    suggested: group.keeper,
    suggestedReason: group.keeperReason,
  };
}

export class DuplicatesState {
  /** The engine's threshold from its last answer; the slider's default. */
  engineThreshold = $state<number | null>(null);
  /** The person's choice on the slider; null sends none, so the engine uses its own. */
  chosenThreshold = $state<number | null>(null);
  /** Limits the search to one folder of the library; empty means the whole library. */
  folder = $state('');

  finding = $state(false);
  progress = $state.raw<DuplicateProgress | null>(null);
  /** Null before the first answer (nothing to show yet, not "no duplicates"). */
  groups = $state<ShownGroup[] | null>(null);
  scanned = $state(0);
  /** Set when the person stopped a search, so the view says so instead of showing nothing. */
  cancelled = $state(false);
  trashing = $state(false);
  lastTrash = $state.raw<TrashOutcome | null>(null);
  error = $state<string | null>(null);

  /** What the slider shows: the person's choice, else the engine's, else the middle of its range. */
  threshold = $derived(this.chosenThreshold ?? this.engineThreshold ?? 0.9);
  allOthers = $derived((this.groups ?? []).flatMap(othersOf));

  async find(): Promise<void> {
    if (this.finding) return;
    this.finding = true;
    this.cancelled = false;
    this.error = null;
    this.lastTrash = null;
    this.progress = null;
    const stop = on('duplicates:progress', (progress) => {
      this.progress = progress;
    });
    try {
      const folder = this.folder.trim();
      const answer = await invoke('duplicates:find', {
        ...(this.chosenThreshold !== null ? { threshold: this.chosenThreshold } : {}),
        ...(folder ? { folder } : {}),
      });
      this.engineThreshold = answer.threshold;
      this.scanned = answer.scanned;
      this.groups = answer.groups.map(shown);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'CANCELLED') this.cancelled = true;
      else this.error = errorMessage(error);
    } finally {
      stop();
      this.finding = false;
      this.progress = null;
    }
  }

  /** Asks the engine to stop; the running find then ends with CANCELLED. */
  async cancel(): Promise<void> {
    try {
      await invoke('duplicates:cancel', {});
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  setThreshold(value: number): void {
    const clamped = Math.min(MAX_SIMILARITY, Math.max(MIN_SIMILARITY, value));
    this.chosenThreshold = Math.round(clamped / SIMILARITY_STEP) * SIMILARITY_STEP;
  }

  setKeeper(groupId: number, path: string): void {
    const group = this.groups?.find((g) => g.id === groupId);
    if (group?.files.some((file) => file.path === path)) group.keeper = path;
  }

  /**
   * Moves `paths` to the system trash. What moved leaves its group; what failed stays, and
   * the outcome says why. Never throws: the view shows the outcome or the error.
   */
  async trash(paths: string[]): Promise<void> {
    if (paths.length === 0 || this.trashing) return;
    this.trashing = true;
    this.error = null;
    try {
      const answer = await invoke('duplicates:trash', { paths });
      this.lastTrash = { ...answer, asked: paths.length };
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local, built and read once
      const gone = new Set(answer.trashed);
      this.groups = (this.groups ?? [])
        .map((group) => ({ ...group, files: group.files.filter((f) => !gone.has(f.path)) }))
        .filter((group) => group.files.length > 1);
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.trashing = false;
    }
  }
}
