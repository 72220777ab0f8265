/**
 * @file `lantern tag` and `lantern tags`: suggesting tags for a folder's indexed files,
 * listing the vocabulary with counts, and accepting or rejecting a tag on a file, with
 * accepted tags optionally written to XMP sidecars (docs/tagging.md, docs/xmp.md).
 * Tagging reads the vectors the index holds; it decodes no image.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Library } from '../engine/library.js';
import { isAtOrInsideFolder } from '../engine/library-folders.js';
import { countTags, decideTag, tagsOfFiles, type FileTags } from '../engine/tags/library-tags.js';
import { closeSidecarWriter, writeAcceptedTags } from '../engine/tags/sidecars.js';
import { tagFolders } from '../engine/tags/tag-folders.js';
import { parseVocabText } from '../engine/tags/vocab-text.js';
import { libraryVocabulary, tagOffsets } from '../engine/tags/library-vocabulary.js';
import { withCategoryDefaults, type Vocabulary } from '../engine/tags/vocabulary.js';
import { LanternError } from '../shared/errors.js';
import { need, type CliArgs } from './args.js';
import { createProgressReporter } from './progress-bar.js';
import { print, shown } from './terminal-text.js';

type WithLibrary = <T>(
  args: CliArgs,
  use: { access: 'read' | 'write'; purpose?: string },
  work: (library: Library) => Promise<T>,
) => Promise<T>;

/**
 * The library's vocabulary (bundled plus the person's edits), or the tags of a --vocab file
 * with their categories' prompts.
 */
async function vocabularyFor(args: CliArgs, library: Library): Promise<Vocabulary> {
  const bundled = await libraryVocabulary(library.dbDir);
  if (!args.vocab) return bundled;
  const text = await readFile(path.resolve(args.vocab), 'utf8').catch((error: unknown) => {
    throw new LanternError(
      'NOT_FOUND',
      `--vocab ${args.vocab} could not be read (${String(error)}).`,
    );
  });
  const tags = withCategoryDefaults(parseVocabText(text), bundled);
  if (tags.length === 0)
    throw new LanternError('INVALID_INPUT', `--vocab ${args.vocab} holds no tags.`);
  return { ...bundled, tags };
}

/** The JSON a script reads: per file, its suggested and accepted tags. */
function tagAnswer(files: readonly FileTags[]) {
  return {
    files: files.map((file) => ({
      path: file.path,
      // A video's tags carry where they hold ([start, end] seconds).
      tags: file.tags.map(({ tag, name, score, state, ranges }) => ({
        tag,
        name,
        score,
        state,
        ...(ranges ? { ranges } : {}),
      })),
    })),
  };
}

function tagLines(files: readonly FileTags[]): string {
  return files
    .map((file) => {
      const tags = file.tags
        .map(
          (tag) =>
            `${tag.name}${tag.state === 'accepted' ? ' ✓' : tag.state === 'rejected' ? ' ✗' : ''}${timeRanges(tag.ranges)}`,
        )
        .join(', ');
      return `${shown(file.path)}\n  ${tags || '(no tags)'}`;
    })
    .join('\n');
}

/** A video tag's ranges as " (0:04–0:09, 1:02–1:10)"; nothing for a photo. */
function timeRanges(ranges: ReadonlyArray<[number, number]> | undefined): string {
  if (!ranges?.length) return '';
  const clock = (t: number) => {
    const whole = Math.floor(t);
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
  };
  return ` (${ranges.map(([start, end]) => `${clock(start)}–${clock(end)}`).join(', ')})`;
}

async function writeSidecars(args: CliArgs, files: readonly FileTags[]): Promise<void> {
  if (!args.writeXmp) return;
  try {
    const report = await writeAcceptedTags(files);
    for (const failure of report.failed)
      process.stderr.write(`Sidecar not written for ${shown(failure.path)}: ${failure.error}\n`);
    process.stderr.write(
      `XMP sidecars: ${report.written.length} written, ${report.unchanged} already up to date.\n`,
    );
  } finally {
    await closeSidecarWriter();
  }
}

export async function runTag(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  const folder = path.resolve(need(args.positionals[0], 'the folder to tag'));
  const files = await withLibrary(
    args,
    { access: 'write', purpose: 'lantern tag' },
    async (library) => {
      const vocabulary = await vocabularyFor(args, library);
      const progress = createProgressReporter(process.stderr);
      const started = Date.now();
      await tagFolders(library, vocabulary, [folder], {
        turnOn: !args.vocab,
        onProgress: (done, total) => {
          const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
          const etaSeconds = rate > 0 ? (total - done) / rate : null;
          progress.update({
            phase: 'indexing',
            done,
            total,
            rate,
            etaSeconds,
            currentFile: folder,
          });
        },
      });
      progress.done();
      const media = (await library.store.listMedia()).filter((row) =>
        isAtOrInsideFolder(row.path, folder),
      );
      return tagsOfFiles(library.store, vocabulary, media, { states: ['accepted', 'suggested'] });
    },
  );
  await writeSidecars(args, files);
  print(args, tagAnswer(files), () => tagLines(files));
  return 0;
}

export async function runTags(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  const [verb, file, words] = args.positionals;
  if (verb === 'list' || verb === undefined) {
    const counts = await withLibrary(args, { access: 'read' }, async (library) =>
      countTags(library.store, await vocabularyFor(args, library), await tagOffsets(library.dbDir)),
    );
    print(args, { tags: counts }, () =>
      counts
        .map(
          (tag) =>
            `${tag.category}|${tag.name}${tag.hidden ? ' (hidden)' : ''}: ${tag.accepted} accepted, ${tag.suggested} suggested`,
        )
        .join('\n'),
    );
    return 0;
  }
  if (verb !== 'accept' && verb !== 'reject')
    throw new LanternError(
      'INVALID_INPUT',
      `\`tags ${verb}\` is not a tags command; use \`tags list\`, \`tags accept <file> <tag>\` or \`tags reject <file> <tag>\`.`,
    );
  const target = need(file, 'the file to tag');
  const tagWords = need(words, 'the tag (its name, a synonym or its id)');
  const files = await withLibrary(
    args,
    { access: 'write', purpose: `lantern tags ${verb}` },
    async (library) =>
      decideTag(
        library.store,
        await vocabularyFor(args, library),
        [target],
        tagWords,
        verb === 'accept' ? 'accepted' : 'rejected',
      ),
  );
  await writeSidecars(args, files);
  print(args, tagAnswer(files), () => tagLines(files));
  return 0;
}
