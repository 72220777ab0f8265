/**
 * @file `lantern tag` and `lantern tags`: suggesting tags for a folder's indexed files,
 * listing the vocabulary with counts, and accepting or rejecting a tag on a file, with
 * accepted tags optionally written to XMP sidecars (docs/tagging.md, docs/xmp.md).
 * Tagging reads the vectors the index holds; it decodes no image.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Library } from '../engine/library.js';
import { isAtOrInsideFolder } from '../engine/library-folders.js';
import { readStoredSettings } from '../engine/service/settings.js';
import { learnedTagNames, relearnLibraryTag } from '../engine/tags/learned-tags.js';
import {
  decideTag,
  resolveStoredTag,
  withLearnedNames,
  type FileTags,
} from '../engine/tags/library-tags.js';
import {
  closeSidecarWriter,
  writeAcceptedTags,
  type SidecarReport,
} from '../engine/tags/sidecars.js';
import { eachFolderFileTags } from '../engine/tags/folder-tags.js';
import { libraryTagCounts } from '../engine/tags/tag-counts.js';
import { tagFolders } from '../engine/tags/tag-folders.js';
import {
  exportVocabularyText,
  importVocabularyText,
  parseVocabText,
} from '../engine/tags/vocab-text.js';
import { libraryVocabulary } from '../engine/tags/library-vocabulary.js';
import { withCategoryDefaults, type Vocabulary } from '../engine/tags/vocabulary.js';
import { LanternError } from '../shared/errors.js';
import { rateProgress } from '../engine/util/rate-progress.js';
import { need, type CliArgs } from './args.js';
import { createProgressReporter } from './progress-bar.js';
import { print, printInChunks, shown } from './terminal-text.js';

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

type AnswerFile = ReturnType<typeof tagAnswer>['files'][number];

function tagLines(files: readonly AnswerFile[]): string {
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

/** Accepted tags to sidecars when --write-xmp is given or the library has writeXmp on. */
async function writeSidecars(
  files: readonly FileTags[],
  sidecars: { write: boolean; learnedNames: ReadonlyMap<string, string> },
): Promise<void> {
  if (!sidecars.write) return;
  try {
    reportSidecars(await writeAcceptedTags(files, sidecars.learnedNames));
  } finally {
    await closeSidecarWriter();
  }
}

function reportSidecars(report: SidecarReport): void {
  for (const failure of report.failed)
    process.stderr.write(`Sidecar not written for ${shown(failure.path)}: ${failure.error}\n`);
  process.stderr.write(
    `XMP sidecars: ${report.written.length} written, ${report.unchanged} already up to date.\n`,
  );
}

function addReport(total: SidecarReport, part: SidecarReport): void {
  total.written.push(...part.written);
  total.unchanged += part.unchanged;
  total.failed.push(...part.failed);
}

/** Whether to write sidecars, and the learned tags' names they are written under. */
async function sidecarChoice(args: CliArgs, library: Library) {
  const write = args.writeXmp || (await readStoredSettings(library.dbDir)).writeXmp;
  // Read whether or not sidecars are written: the answer names learned tags by them too.
  return { write, learnedNames: await learnedTagNames(library.dbDir) };
}

export async function runTag(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  const folder = path.resolve(need(args.positionals[0], 'the folder to tag'));
  const report = await withLibrary(
    args,
    { access: 'write', purpose: 'lantern tag' },
    async (library) => {
      const vocabulary = await vocabularyFor(args, library);
      const progress = createProgressReporter(process.stderr);
      await tagFolders(library, vocabulary, [folder], {
        turnOn: !args.vocab,
        onProgress: rateProgress((p) => progress.update(p), folder),
      });
      progress.done();
      // The answer is printed (and sidecars written) a chunk of files at a time, as it is
      // read: [Note: a folder's tags as they are printed] in engine/tags/folder-tags.ts.
      const sidecars = await sidecarChoice(args, library);
      const answer = printInChunks<AnswerFile>(
        args,
        'files',
        (files) => tagLines(files),
        `No indexed files in ${shown(folder)}.`,
      );
      const written: SidecarReport = { written: [], unchanged: 0, failed: [] };
      try {
        await eachFolderFileTags(
          library.store,
          vocabulary,
          (file) => isAtOrInsideFolder(file, folder),
          async (files) => {
            if (sidecars.write)
              addReport(written, await writeAcceptedTags(files, sidecars.learnedNames));
            await answer.write(tagAnswer(withLearnedNames(files, sidecars.learnedNames)).files);
          },
          { states: ['accepted', 'suggested'] },
        );
      } finally {
        if (sidecars.write) await closeSidecarWriter();
      }
      await answer.end();
      return sidecars.write ? written : null;
    },
  );
  if (report) reportSidecars(report);
  return 0;
}

export async function runTags(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  const [verb, file, words] = args.positionals;
  if (verb === 'list' || verb === undefined) {
    const counts = await withLibrary(args, { access: 'read' }, async (library) =>
      libraryTagCounts(library, await vocabularyFor(args, library)),
    );
    const origin = (tag: (typeof counts)[number]) =>
      tag.origin === 'vocabulary' ? '' : ` (${tag.origin})`;
    print(args, { tags: counts }, () =>
      counts
        .map(
          (tag) =>
            `${tag.category}|${tag.name}${origin(tag)}${tag.hidden ? ' (hidden)' : ''}: ${tag.accepted} accepted, ${tag.suggested} suggested`,
        )
        .join('\n'),
    );
    return 0;
  }
  if (verb === 'export') return runExport(args, withLibrary);
  if (verb === 'import') return runImport(args, withLibrary);
  if (verb !== 'accept' && verb !== 'reject')
    throw new LanternError(
      'INVALID_INPUT',
      `\`tags ${verb}\` is not a tags command; use \`tags list\`, \`tags accept <file> <tag>\`, \`tags reject <file> <tag>\`, \`tags export\` or \`tags import <file>\`.`,
    );
  const target = need(file, 'the file to tag');
  const tagWords = need(words, 'the tag (its name, a synonym or its id)');
  const { files, sidecars } = await withLibrary(
    args,
    { access: 'write', purpose: `lantern tags ${verb}` },
    async (library) => {
      const vocabulary = await vocabularyFor(args, library);
      const { id } = await resolveStoredTag(library.store, vocabulary, tagWords);
      const decided = await decideTag(
        library.store,
        vocabulary,
        [target],
        id,
        verb === 'accept' ? 'accepted' : 'rejected',
      );
      // A learned tag learns again from the decision (learned-tags.ts).
      if (id.startsWith('learned/'))
        await relearnLibraryTag(library.store, library.dbDir, library.encoder.id, id);
      const sidecars = await sidecarChoice(args, library);
      return { files: withLearnedNames(decided, sidecars.learnedNames), sidecars };
    },
  );
  await writeSidecars(files, sidecars);
  print(args, tagAnswer(files), () => tagLines(files));
  return 0;
}

/**
 * `lantern tags export [--out FILE]`: the library's vocabulary as text (vocab-text.ts),
 * hidden tags as comments. Without --out the text itself goes to stdout.
 */
async function runExport(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  const vocabulary = await withLibrary(args, { access: 'read' }, (library) =>
    libraryVocabulary(library.dbDir),
  );
  const text = exportVocabularyText(vocabulary);
  if (!args.out) {
    process.stdout.write(text);
    return 0;
  }
  const out = path.resolve(args.out);
  await writeFile(out, text, 'utf8').catch((error: unknown) => {
    throw new LanternError(
      'STORE_FAILED',
      `--out ${args.out} could not be written (${String(error)}); choose a folder you can write to.`,
    );
  });
  const tags = vocabulary.tags.filter((tag) => !tag.hidden).length;
  print(args, { out, tags }, () => `Wrote ${tags} tags to ${out}.`);
  return 0;
}

/** `lantern tags import FILE`: the file's tags the vocabulary lacks are added as edits. */
async function runImport(args: CliArgs, withLibrary: WithLibrary): Promise<number> {
  const file = path.resolve(need(args.positionals[1], 'the vocabulary file to import'));
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new LanternError('NOT_FOUND', `${file} could not be read (${String(error)}).`);
  });
  const result = await withLibrary(
    args,
    { access: 'write', purpose: 'lantern tags import' },
    (library) => importVocabularyText(library.dbDir, text),
  );
  print(args, result, () =>
    [
      `Added ${result.added.length} tag(s); ${result.present.length} were already in the vocabulary.`,
      ...result.added.map((id) => `  + ${id}`),
      ...result.skipped.map((skip) => `  not added: ${skip.tag}: ${skip.error}`),
    ].join('\n'),
  );
  return 0;
}
