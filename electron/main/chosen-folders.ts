/**
 * @file Which folders the renderer may name (main process): the record of what the person
 * chose in this window — folders returned by the native picker, files and folders dropped
 * on the window — plus the library's own roots, and the rule the IPC router applies to the
 * channels that hand a folder to the engine.
 *
 * [Note: chosen folders] In the desktop app the renderer is not trusted to name folders:
 * a script injected into the page (a crafted file name that slipped past escaping, a
 * compromised dependency) must not be able to index `~/.ssh`, load a "model" from a folder
 * it prepared, or write clips into the autostart folder. So `library:addRoots`,
 * `library:reindex`, `models:useFolder` and `clip:export`'s `outDir` accept only a path
 * that is, or lies inside, something the person chose:
 * - a folder the native picker returned (main runs the dialog, so main saw the answer);
 * - a file or folder dropped on the window. Only the preload can turn a dropped File into
 *   a path (`webUtils.getPathForFile`), and a File that page script made itself has no
 *   path, so the preload reports each path it resolves on a channel of its own that the
 *   page cannot reach (contextIsolation: the page has `window.lantern` only, whose invoke
 *   is limited to the contract's channels and waits for those reports; bridge.ts);
 * - a root the library already has (they were chosen once, in an earlier session);
 * - for `clip:export`, also the folder holding a chosen video (the "save next to it"
 *   default).
 * Comparisons are between real paths, so a symlink inside a chosen folder that points out
 * of it does not count as inside; `.` and `..` segments are refused outright (neither the
 * picker nor a drop produces them), which spares reasoning about `..` after a symlink.
 * The browser shell has no picker and no paths from drops: there a person types paths
 * into a tab on the same machine, behind the server's token (docs/architecture.md).
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { EngineChannel, ParsedInput, Result } from '../shared/contract.js';

/** What the router asks of the record. */
export interface FolderAccess {
  /** Whether `candidate` is something the person chose, or lies inside it. */
  allows(candidate: string): Promise<boolean>;
}

/**
 * A drop of ten thousand files is plausible; a record without bound is not. Past this the
 * oldest choices are forgotten (the person can pick them again).
 */
const MAX_CHOICES = 10_000;

export class ChosenFolders implements FolderAccess {
  /** Raw path → its real path, resolved once when chosen (null: could not be resolved). */
  private readonly chosen = new Map<string, Promise<string | null>>();

  /** `libraryRoots` answers the roots the library has now (they count as chosen). */
  constructor(private readonly libraryRoots: () => Promise<readonly string[]>) {}

  /**
   * Record what the person chose. Synchronous on purpose: a call that names the path may
   * arrive before its real path is resolved, and `allows` waits for every pending one.
   */
  choose(paths: Iterable<string>): void {
    for (const chosen of paths) {
      if (this.chosen.has(chosen)) continue;
      this.chosen.set(chosen, realPathOf(chosen));
      if (this.chosen.size > MAX_CHOICES) {
        const oldest = this.chosen.keys().next();
        if (!oldest.done) this.chosen.delete(oldest.value);
      }
    }
  }

  async allows(candidate: string): Promise<boolean> {
    const target = await realPathOf(candidate);
    if (target === null) return false;
    const chosen = await Promise.all(this.chosen.values());
    if (chosen.some((folder) => folder !== null && isInside(target, folder))) return true;
    // Asked only when needed: the roots come from the engine worker.
    const roots = await Promise.all((await this.libraryRoots()).map(realPathOf));
    return roots.some((root) => root !== null && isInside(target, root));
  }
}

/**
 * The real path of `candidate`, or null when it cannot be trusted: relative, with `.` or
 * `..` segments, a NUL byte, a dangling symlink, a file where a folder should be, or a
 * folder that cannot be read. A path that does not exist yet (an export folder the engine
 * will create) resolves through its nearest existing ancestor.
 */
export async function realPathOf(candidate: string): Promise<string | null> {
  if (!path.isAbsolute(candidate) || candidate.includes('\0')) return null;
  const separators = path.sep === '\\' ? /[\\/]/ : /\//;
  if (candidate.split(separators).some((segment) => segment === '.' || segment === '..'))
    return null;
  const missing: string[] = [];
  let existing = path.normalize(candidate);
  for (;;) {
    try {
      // The native realpath resolves as the OS will when the engine opens the path.
      return path.join(await realpath(existing), ...missing.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return null;
    }
    // ENOENT with an entry there is a symlink to nowhere: where it leads is not known.
    if (await exists(existing)) return null;
    const parent = path.dirname(existing);
    if (parent === existing) return null;
    missing.push(path.basename(existing));
    existing = parent;
  }
}

async function exists(entry: string): Promise<boolean> {
  try {
    await lstat(entry);
    return true;
  } catch {
    return false;
  }
}

/** Whether real path `target` is `folder` or lies inside it. */
export function isInside(target: string, folder: string): boolean {
  if (target === folder) return true;
  return target.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);
}

const PICK_OR_DROP = 'choose it with the folder picker (“Choose folder…”) or drop it on the window';

/**
 * The router's rule: null when every folder the call names was chosen, else the coded
 * refusal. With no record at all (`folders` undefined) every such call is refused, so a
 * router built without one fails closed.
 */
export async function refuseUnchosenFolders(
  folders: FolderAccess | undefined,
  channel: EngineChannel,
  input: unknown,
): Promise<Result<never> | null> {
  switch (channel) {
    case 'library:addRoots': {
      const { paths } = input as ParsedInput<'library:addRoots'>;
      for (const folder of paths)
        if (!(await folders?.allows(folder)))
          return notAllowed(`Lantern can add only folders you chose: ${PICK_OR_DROP}.`, folder);
      return null;
    }
    case 'library:reindex': {
      const { path: root } = input as ParsedInput<'library:reindex'>;
      if (root === undefined || (await folders?.allows(root))) return null;
      return notAllowed(
        `Lantern can re-index only its own folders: add it first (${PICK_OR_DROP}).`,
        root,
      );
    }
    case 'models:useFolder': {
      const { path: folder } = input as ParsedInput<'models:useFolder'>;
      if (await folders?.allows(folder)) return null;
      return notAllowed(
        `Lantern can load models only from a folder you chose: ${PICK_OR_DROP}.`,
        folder,
      );
    }
    case 'clip:export': {
      const { path: video, outDir } = input as ParsedInput<'clip:export'>;
      if (
        folders &&
        ((await folders.allows(outDir)) || (await holdsChosenFile(folders, outDir, video)))
      )
        return null;
      return notAllowed(
        'Lantern can export only into a folder you chose: choose the destination with “Choose folder…”.',
        outDir,
      );
    }
    default:
      return null;
  }
}

/** Whether `folder` is the folder that holds `file`, a file the person chose. */
async function holdsChosenFile(
  folders: FolderAccess,
  folder: string,
  file: string,
): Promise<boolean> {
  const [realFolder, realFile] = await Promise.all([realPathOf(folder), realPathOf(file)]);
  return (
    realFolder !== null &&
    realFile !== null &&
    realFolder === path.dirname(realFile) &&
    (await folders.allows(file))
  );
}

function notAllowed(sentence: string, named: string): Result<never> {
  return {
    ok: false,
    error: { code: 'NOT_ALLOWED', message: `${named} was not chosen in this window. ${sentence}` },
  };
}
