/**
 * @file `lantern tags learn <name> --examples F… [--negatives F…]`: a tag learned from a
 * few indexed example files, suggested across the library and saved so `lantern tag`
 * applies it again (engine/tags/learned-tags.ts, docs/tagging.md). Reads stored vectors
 * only; no image is decoded.
 */
import type { Library } from '../engine/library.js';
import { learnLibraryTag } from '../engine/tags/learned-tags.js';
import { need, type CliArgs } from './args.js';
import { print, shown } from './terminal-text.js';

type WithLibrary = <T>(
  args: CliArgs,
  use: { access: 'read' | 'write'; purpose?: string },
  work: (library: Library) => Promise<T>,
) => Promise<T>;

export async function runLearn(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  const name = need(args.positionals[1], 'the name of the tag to learn');
  const answer = await withLibrary(
    args,
    { access: 'write', purpose: 'lantern tags learn' },
    (library) =>
      learnLibraryTag(library.store, library.dbDir, library.encoder.id, {
        name,
        examples: args.examples,
        negatives: args.negatives,
      }),
  );
  print(args, { tag: answer.tag, suggested: answer.suggested }, () =>
    [
      `Learned ${answer.tag}: suggested on ${answer.suggested.length} file(s).`,
      ...answer.suggested.map((file) => `  ${file.score.toFixed(3)}  ${shown(file.path)}`),
    ].join('\n'),
  );
  return 0;
}
