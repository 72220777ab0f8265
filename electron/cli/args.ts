/**
 * @file Argument parsing for the `lantern` command line. Global options may come before
 * or after the command name; environment variables give their defaults.
 */
import { parseArgs } from 'node:util';
import { LanternError } from '../shared/errors.js';

export interface CliArgs {
  command: string | undefined;
  positionals: string[];
  db: string | undefined;
  models: string | undefined;
  model: string | undefined;
  provider: string | undefined;
  json: boolean;
  limit: number | undefined;
  kind: 'image' | 'video' | undefined;
  folder: string | undefined;
  from: number | undefined;
  to: number | undefined;
  sort: 'relevance' | 'date' | undefined;
  all: boolean;
  allowUnverified: boolean;
  port: number | undefined;
  video: string | undefined;
  exportDir: string | undefined;
  mode: 'fast' | 'accurate';
  start: number | undefined;
  end: number | undefined;
  out: string | undefined;
  overwrite: boolean;
  /** A tag vocabulary in the text format (engine/tags/vocab-text.ts). */
  vocab: string | undefined;
  writeXmp: boolean;
  /** `tags learn`: example files (--examples a.jpg b.jpg, or the flag repeated). */
  examples: string[];
  /** `tags learn`: counter-example files (--negatives, as --examples). */
  negatives: string[];
  /** `detect`/`segment`: the model ids (vision-command.ts picks the default). */
  detector: string | undefined;
  segmenter: string | undefined;
  /** `detect`/`segment`: what to look for (--prompt, repeated). */
  prompts: string[];
  /** `detect`/`segment`: score cut-off, 0..1; the model's own when absent. */
  threshold: number | undefined;
  /** `segment`: where the cut-out PNG goes. */
  cutout: string | undefined;
  /** `detect`/`segment` on a video: the time of the frame, seconds (--at). */
  at: number | undefined;
  /** `export`: the file format of the embeddings (parquet, arrow or jsonl). */
  format: 'parquet' | 'arrow' | 'jsonl' | undefined;
  /** `watch`/`serve`: poll the folders every this many seconds instead of native events. */
  poll: number | undefined;
  help: boolean;
  version: boolean;
}

const OPTIONS = {
  db: { type: 'string' },
  models: { type: 'string' },
  model: { type: 'string' },
  provider: { type: 'string' },
  json: { type: 'boolean' },
  limit: { type: 'string' },
  kind: { type: 'string' },
  folder: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  sort: { type: 'string' },
  all: { type: 'boolean' },
  'allow-unverified': { type: 'boolean' },
  port: { type: 'string' },
  video: { type: 'string' },
  export: { type: 'string' },
  mode: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  at: { type: 'string' },
  out: { type: 'string' },
  overwrite: { type: 'boolean' },
  vocab: { type: 'string' },
  'write-xmp': { type: 'boolean' },
  examples: { type: 'string', multiple: true },
  negatives: { type: 'string', multiple: true },
  detector: { type: 'string' },
  segmenter: { type: 'string' },
  prompt: { type: 'string', multiple: true },
  threshold: { type: 'string' },
  cutout: { type: 'string' },
  format: { type: 'string' },
  poll: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

function parseDate(
  value: string | undefined,
  option: string,
  endOfDay: boolean,
): number | undefined {
  if (value === undefined) return undefined;
  // A bare date means the whole day: --to 2024-05-01 includes that day.
  const bare = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const time = Date.parse(bare ? `${value}T${endOfDay ? '23:59:59.999' : '00:00:00'}Z` : value);
  if (Number.isNaN(time)) {
    throw new LanternError(
      'INVALID_INPUT',
      `--${option} needs a date like 2024-05-01, not "${value}".`,
    );
  }
  return time;
}

/** Seconds as a number (12.5) or a clock time (1:02.5, 1:02:03). */
function parseSeconds(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(':').map(Number);
  const seconds = parts.reduce((total, part) => total * 60 + part, 0);
  if (parts.length > 3 || parts.some((p) => !Number.isFinite(p) || p < 0)) {
    throw new LanternError(
      'INVALID_INPUT',
      `--${option} needs seconds like 12.5 or a time like 1:02.5, not "${value}".`,
    );
  }
  return seconds;
}

type ListOption = 'examples' | 'negatives';
type ParsedToken = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/**
 * `--examples a.jpg b.jpg c.jpg`: parseArgs gives an option one value, so the words after
 * it, up to the next option (or `--`), are its files too rather than positionals. The
 * flag may also be repeated (`--examples a.jpg --examples b.jpg`). No comma lists: a
 * comma is a legal character in a file name.
 */
function fileLists(tokens: readonly ParsedToken[]): {
  positionals: string[];
  lists: Record<ListOption, string[]>;
} {
  const positionals: string[] = [];
  const lists: Record<ListOption, string[]> = { examples: [], negatives: [] };
  let open: ListOption | null = null;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') open = null;
    else if (token.kind === 'option') {
      open = token.name === 'examples' || token.name === 'negatives' ? token.name : null;
      if (open && token.value !== undefined) lists[open].push(token.value);
    } else if (open) lists[open].push(token.value);
    else positionals.push(token.value);
  }
  return { positionals, lists };
}

/** `value`, or INVALID_INPUT naming what is missing. */
export function need(value: string | undefined, what: string): string {
  if (!value)
    throw new LanternError(
      'INVALID_INPUT',
      `Missing ${what}. Run \`npx lantern --help\` for usage.`,
    );
  return value;
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new LanternError(
      'INVALID_INPUT',
      `${(error as Error).message}. Run \`npx lantern --help\` for usage.`,
    );
  }
  const { values } = parsed;
  const { positionals, lists } = fileLists(parsed.tokens);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new LanternError(
      'INVALID_INPUT',
      `--limit needs a whole number above 0, not "${values.limit}".`,
    );
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new LanternError(
      'INVALID_INPUT',
      `--port needs a port number (0-65535), not "${values.port}".`,
    );
  }
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    throw new LanternError(
      'INVALID_INPUT',
      `--threshold needs a score between 0 and 1, not "${values.threshold}".`,
    );
  }
  if (values.mode !== undefined && values.mode !== 'fast' && values.mode !== 'accurate') {
    throw new LanternError(
      'INVALID_INPUT',
      `--mode is "fast" or "accurate", not "${values.mode}".`,
    );
  }
  if (values.kind !== undefined && values.kind !== 'image' && values.kind !== 'video') {
    throw new LanternError('INVALID_INPUT', `--kind is "image" or "video", not "${values.kind}".`);
  }
  if (values.sort !== undefined && values.sort !== 'relevance' && values.sort !== 'date') {
    throw new LanternError(
      'INVALID_INPUT',
      `--sort is "relevance" or "date", not "${values.sort}".`,
    );
  }
  if (
    values.format !== undefined &&
    values.format !== 'parquet' &&
    values.format !== 'arrow' &&
    values.format !== 'jsonl'
  ) {
    throw new LanternError(
      'INVALID_INPUT',
      `--format is "parquet", "arrow" or "jsonl", not "${values.format}".`,
    );
  }
  const poll = values.poll === undefined ? undefined : Number(values.poll);
  if (poll !== undefined && !(poll >= 1 && poll <= 3600)) {
    throw new LanternError(
      'INVALID_INPUT',
      `--poll needs seconds between 1 and 3600, not "${values.poll}".`,
    );
  }
  if (positionals[0] === 'index' && positionals.slice(1).some((p) => p.trim() === '')) {
    // An empty name resolves to the working directory: refuse rather than index a folder
    // nobody named (often an unset shell variable: lantern index "$PHOTOS").
    throw new LanternError(
      'INVALID_INPUT',
      'An empty folder name was given to index; name the folder (use "." for the current one).',
    );
  }
  return {
    command: positionals[0],
    positionals: positionals.slice(1),
    db: values.db ?? env.LANTERN_DB,
    models: values.models ?? env.LANTERN_MODELS,
    model: values.model ?? env.LANTERN_MODEL,
    provider: values.provider ?? env.LANTERN_PROVIDER,
    json: values.json ?? false,
    limit,
    kind: values.kind,
    folder: values.folder,
    from: parseDate(values.from, 'from', false),
    to: parseDate(values.to, 'to', true),
    sort: values.sort,
    all: values.all ?? false,
    allowUnverified: values['allow-unverified'] ?? false,
    port,
    video: values.video,
    exportDir: values.export,
    mode: values.mode ?? 'fast',
    start: parseSeconds(values.start, 'start'),
    end: parseSeconds(values.end, 'end'),
    out: values.out,
    overwrite: values.overwrite ?? false,
    vocab: values.vocab,
    writeXmp: values['write-xmp'] ?? false,
    examples: lists.examples,
    negatives: lists.negatives,
    detector: values.detector ?? env.LANTERN_DETECTOR,
    segmenter: values.segmenter ?? env.LANTERN_SEGMENTER,
    prompts: values.prompt ?? [],
    threshold,
    cutout: values.cutout,
    at: parseSeconds(values.at, 'at'),
    format: values.format,
    poll,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

export const USAGE = `Usage: lantern <command> [options]

Commands:
  index <folder>...          index photos and videos in these folders (incremental; Ctrl+C stops cleanly)
  search "<query>"           search by sentence; query algebra: dog +beach -night, 2:dog, an image path
  similar <file>             photos that look like this one
  status                     library folders, counts, model and execution provider
  models list                models Lantern can use, and whether they are installed
  models fetch <id>          download a model (resumable, checksum-verified)
  models verify [id]         re-check installed model files against their checksums
  models measure [id]        time an installed model on this computer (shown by models list)
  serve [--port N]           the app in a browser: prints a private http://127.0.0.1 URL
  scenes "<prompt>"          video stretches that match; --video FILE to search one video,
                             --export DIR [--mode fast|accurate] to write one clip per scene
  cut <video> --start S --end E --out FILE [--mode fast|accurate] [--overwrite]
                             cut a clip; fast cuts on keyframes and reports the real start/end
  tag <folder> [--vocab FILE] [--write-xmp]
                             suggest tags for the indexed files in a folder (your accepted and
                             rejected tags are kept); --write-xmp writes accepted ones to sidecars
  tags list                  the tag vocabulary, with how many files carry each tag
  tags accept|reject <file> <tag> [--write-xmp]
                             decide a tag on a file (a rejected tag is never suggested again)
  tags export [--out FILE]   the library's vocabulary as Category|Tag lines (hidden tags as comments)
  tags import <file>         add the tags of such a file that the vocabulary lacks
  tags learn <name> --examples F... [--negatives F...]
                             learn a tag from 3 or more indexed example files and suggest it
                             across the library; accepted and rejected files refine it next time
  detect <image> --prompt P [--prompt P...] [--threshold T] [--out FILE.png]
                             box what each prompt names, in the upright photo's pixels;
                             --out writes the photo annotated with the boxes
  detect <video> --at SECONDS --prompt P ...
                             the same on the video's frame at that time (upright video pixels)
  segment <image> --prompt P --out MASK.png [--cutout FILE.png] [--threshold T]
                             mask what the prompt names; --cutout writes it on transparency;
                             a video takes --at SECONDS, as detect
                             (detect and segment never write over a file, the photo included)
  duplicates [--threshold T] [--folder DIR]
                             groups of near-identical photos, the suggested keeper first
  export --format parquet|arrow|jsonl --out FILE [--folder DIR] [--overwrite]
                             the library's embeddings, one row per photo and per video frame
                             (the format may also come from FILE's extension)
  watch [--poll SECONDS]     keep the library up to date as files appear, change, move or go

Options (before or after the command):
  --db DIR                   library database folder      (env LANTERN_DB)
  --models DIR               model folder                 (env LANTERN_MODELS)
  --model ID                 model id                     (env LANTERN_MODEL)
  --provider NAME            auto, cpu, cuda, webgpu, ... (env LANTERN_PROVIDER)
  --json                     machine-readable output (the default when stdout is not a terminal)
  --limit N                  at most N results
  --kind image|video         only this kind
  --folder DIR               only files under DIR
  --from DATE, --to DATE     capture date range (YYYY-MM-DD or ISO time)
  --sort relevance|date      result order
  --all                      no relevance cut-off: return the nearest N whatever their score
  --vocab FILE               tags to use, one per line as Category|Tag or Tag (# comments)
  --write-xmp                write accepted tags to XMP sidecars (photo.jpg.xmp; originals untouched)
  --detector ID              detection model    (env LANTERN_DETECTOR; default: the first installed
                             one in \`npx lantern models list\` order)
  --segmenter ID             segmentation model (env LANTERN_SEGMENTER; default as --detector)
  --threshold T              detect/segment score cut-off, 0..1 (default: the model's own)
  --at SECONDS               detect/segment on a video: the frame at this time (12.5 or 1:02.5)

In a clone of Lantern, type \`npx lantern <command>\` (\`npm link\` once puts \`lantern\` on the PATH).
`;
