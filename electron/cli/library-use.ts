/**
 * @file How the command line's commands open the library: read or write access, the one-query
 * text encoder, the options from the command line, and the note printed while another
 * model's index answers.
 */
import { Library, type LibraryOptions } from '../engine/library.js';
import type { CliArgs } from './args.js';
import { shown } from './terminal-text.js';

/**
 * How a command uses the library: readers (search, similar, status, scenes) may run beside
 * the one writer (index), which names itself for the busy message.
 */
export type LibraryAccess = Required<Pick<LibraryOptions, 'access'>> &
  Pick<LibraryOptions, 'purpose' | 'prepare' | 'freeTextAfterUse'>;

/**
 * A command that encodes one query (search, scenes): its text encoder starts loading as the
 * library opens (encoder.ts, textSession) and is freed once the query is encoded, before the
 * store is searched ([Note: a one-shot search frees the text encoder]).
 */
export const ONE_QUERY: LibraryAccess = { access: 'read', prepare: 'text', freeTextAfterUse: true };

export function libraryOptions(args: CliArgs, use: LibraryAccess): LibraryOptions {
  return {
    ...(args.db ? { dbDir: args.db } : {}),
    ...(args.models ? { modelsDir: args.models } : {}),
    ...(args.model ? { modelId: args.model } : {}),
    ...(args.provider ? { provider: args.provider } : {}),
    ...use,
  };
}

/**
 * Say on stderr, once, that the chosen model's index is still being built and which
 * model's index answers meanwhile ([Note: switching model] in engine/model-switch.ts).
 */
export function noteReindex(library: Library): boolean {
  if (library.encoder.id === library.modelId) return false;
  process.stderr.write(
    `Re-indexing for model ${shown(library.modelId)}: searches use ${shown(library.encoder.id)}'s index until \`npx lantern index\` completes a run over every folder.\n`,
  );
  return true;
}

export async function withLibrary<T>(
  args: CliArgs,
  use: LibraryAccess,
  work: (library: Library) => Promise<T>,
): Promise<T> {
  const library = await Library.open(libraryOptions(args, use));
  try {
    return await work(library);
  } finally {
    await library.close();
  }
}
