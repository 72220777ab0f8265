/**
 * @file What the `lantern` command line writes for a person: JSON for scripts, lines for
 * a terminal, and the one rule that file names in those lines cannot steer the terminal.
 *
 * [Note: file names on a terminal]
 * A file name may hold any byte but '/' and NUL: "\x1b[31m" recolours the terminal, "\n"
 * forges a line of output, "\u202e" reverses the text after it. Every human line that
 * shows a path or a message built from one goes through `shown`, which writes such
 * characters as escapes (\x1b, \n, \u202e). JSON needs nothing: JSON.stringify already
 * escapes control characters, and scripts want the real name.
 */
import type { ClipResult, IndexReport, LibraryStatus } from '../shared/types.js';
import type { CliArgs } from './args.js';

/**
 * C0 and C1 controls, DEL, and the Unicode controls that reorder or hide text (bidi
 * embeddings and isolates, zero-width marks, line and paragraph separators).
 */
// eslint-disable-next-line no-control-regex -- control characters are what it must find
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every character that could steer a terminal written as an escape. */
export function shown(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Print a command's answer: JSON (with --json, or whenever stdout is not a terminal), or
 * the human lines. The lines show paths through `shown`; as a net under that, any control
 * character left in them but the line breaks is escaped here too.
 */
export function print(args: CliArgs, value: unknown, human: () => string): void {
  const json = args.json || !process.stdout.isTTY;
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${shownKeepingLines(human())}\n`);
}

/**
 * An answer of one long list printed as it is made, a chunk of items at a time: as JSON
 * the object `{"<key>":[…]}` that print would write for the whole list, or the human
 * lines of each chunk. `end` closes it; `none` is the human line for an empty list.
 */
export function printInChunks<T>(
  args: CliArgs,
  key: string,
  human: (items: readonly T[]) => string,
  none: string,
): { write: (items: readonly T[]) => Promise<void>; end: () => Promise<void> } {
  const json = args.json || !process.stdout.isTTY;
  let written = 0;
  const out = (text: string) =>
    new Promise<void>((resolve) => {
      if (process.stdout.write(text)) resolve();
      else process.stdout.once('drain', resolve);
    });
  return {
    write: async (items) => {
      if (items.length === 0) return;
      const text = json
        ? `${written === 0 ? `{${JSON.stringify(key)}:[` : ','}${items.map((item) => JSON.stringify(item)).join(',')}`
        : `${shownKeepingLines(human(items))}\n`;
      written += items.length;
      await out(text);
    },
    end: () =>
      out(
        json
          ? written === 0
            ? `{${JSON.stringify(key)}:[]}\n`
            : ']}\n'
          : written === 0
            ? `${none}\n`
            : '',
      ),
  };
}

function shownKeepingLines(text: string): string {
  return text
    .split('\n')
    .map((line) => shown(line))
    .join('\n');
}

/* The human lines of each command; every path in them goes through `shown`. */

export function resultLines(
  results: readonly { path: string; score: number }[],
  hidden = 0,
): string {
  const weaker =
    hidden > 0
      ? [`${hidden} weaker ${hidden === 1 ? 'match' : 'matches'} hidden; --all shows them.`]
      : [];
  if (results.length === 0) return ['No matches.', ...weaker].join('\n');
  return [...results.map((r) => `${r.score.toFixed(3)}  ${shown(r.path)}`), ...weaker].join('\n');
}

export function indexReportLines(report: IndexReport): string {
  const { indexed, unchanged, moved, removed, failed } = report;
  return [
    `Indexed ${indexed}, unchanged ${unchanged}, moved ${moved}, removed ${removed}, failed ${failed.length}.`,
    ...failed.map((f) => `  failed: ${shown(f.path)}: ${shown(f.error)}`),
    ...report.offline.map((o) => `  offline, kept: ${shown(o.path)}: ${shown(o.error)}`),
    ...(report.cancelled ? ['Stopped before the end; run the same command again to finish.'] : []),
  ].join('\n');
}

export function statusLines(status: LibraryStatus): string {
  return [
    status.provider === null
      ? `Model: ${status.model} (not loaded: it loads when a command first needs it)`
      : `Model: ${status.model} on ${status.provider}`,
    ...status.providerNotes.map((n) => `  ${shown(n)}`),
    `Photos: ${status.images}  Videos: ${status.videos}  Failed: ${status.failed}`,
    ...status.roots.map(
      (r) =>
        `  ${shown(r.path)}: ${r.files} files, ${r.failed} failed` +
        (r.offline === null ? '' : ` — offline (${shown(r.offline)}); its files are kept`),
    ),
    ...(status.reindex ? [reindexLine(status.reindex)] : []),
    ...status.warnings.map((w) => `Warning: ${shown(w)}`),
  ].join('\n');
}

/** "Re-indexing for model X: N of M; searches use Y's index until it completes." */
export function reindexLine(reindex: NonNullable<LibraryStatus['reindex']>): string {
  return (
    `Re-indexing for model ${shown(reindex.model)}: ${reindex.done} of ${reindex.total}; ` +
    `searches use ${shown(reindex.servingModel)}'s index until a run over every folder completes.`
  );
}

export function sceneLines(
  scenes: readonly { path: string; start: number; end: number; score: number }[],
): string {
  if (scenes.length === 0) return 'No matching scenes.';
  return scenes
    .map(
      (s) => `${s.score.toFixed(3)}  ${s.start.toFixed(1)}–${s.end.toFixed(1)} s  ${shown(s.path)}`,
    )
    .join('\n');
}

export function clipLines(clips: readonly ClipResult[]): string {
  if (clips.length === 0) return 'No matching scenes.';
  return clips
    .map((c) => `${shown(c.out)} (${c.start.toFixed(2)}–${c.end.toFixed(2)} s)`)
    .join('\n');
}

export function cutLine(clip: ClipResult): string {
  return `Wrote ${shown(clip.out)} (${clip.start.toFixed(3)}–${clip.end.toFixed(3)} s, ${clip.duration.toFixed(3)} s).`;
}

/** The one line an error prints on stderr: never more than one, whatever a name holds. */
export function errorLine(message: string): string {
  return `lantern: ${shown(message)}\n`;
}
