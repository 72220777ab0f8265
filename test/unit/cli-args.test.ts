/**
 * @file Command-line parsing: global options anywhere, environment defaults, clear errors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCli } from '../../electron/cli/args.js';
import { progressLine } from '../../electron/cli/progress-bar.js';
import {
  cutLine,
  errorLine,
  indexReportLines,
  printInChunks,
  resultLines,
  shown,
  statusLines,
} from '../../electron/cli/terminal-text.js';

describe('parseCli', () => {
  it('accepts global options before or after the command', () => {
    const before = parseCli(['--db', '/d', '--json', 'search', 'red car', '--limit', '5']);
    const after = parseCli(['search', 'red car', '--limit', '5', '--db', '/d', '--json']);
    expect(before).toEqual(after);
    expect(before).toMatchObject({
      command: 'search',
      positionals: ['red car'],
      db: '/d',
      json: true,
      limit: 5,
    });
  });

  it('takes defaults from the environment, and options win over them', () => {
    const env = {
      LANTERN_DB: '/env-db',
      LANTERN_MODELS: '/env-models',
      LANTERN_MODEL: 'env-model',
    };
    expect(parseCli(['status'], env)).toMatchObject({
      db: '/env-db',
      models: '/env-models',
      model: 'env-model',
    });
    expect(parseCli(['status', '--model', 'cli-model'], env)).toMatchObject({ model: 'cli-model' });
  });

  it('reads whole-day date bounds', () => {
    const { from, to } = parseCli(['search', 'x', '--from', '2024-05-01', '--to', '2024-05-01']);
    expect(from).toBe(Date.UTC(2024, 4, 1));
    expect(to).toBe(Date.UTC(2024, 4, 1, 23, 59, 59, 999));
  });

  it('explains bad values', () => {
    expect(() => parseCli(['search', 'x', '--limit', '0'])).toThrow(/--limit needs a whole number/);
    expect(() => parseCli(['search', 'x', '--kind', 'audio'])).toThrow(
      /--kind is "image" or "video"/,
    );
    expect(() => parseCli(['search', 'x', '--from', 'yesterday'])).toThrow(/--from needs a date/);
    expect(() => parseCli(['search', '--colour', 'red'])).toThrow(/npx lantern --help/);
  });

  it('refuses an empty folder name to index (it would index the working directory)', () => {
    expect(() => parseCli(['index', ''])).toThrow(/empty folder name/);
    expect(() => parseCli(['index', '/photos', '  '])).toThrow(/empty folder name/);
    expect(parseCli(['index', '.']).positionals).toEqual(['.']);
  });
});

describe('names on a terminal', () => {
  const evil = '/p/a\x1b[31mred\nlantern: forged\u202egpj.exe\x07';

  it('escapes control and text-reordering characters, and leaves ordinary names alone', () => {
    expect(shown(evil)).toBe('/p/a\\x1b[31mred\\nlantern: forged\\u202egpj.exe\\x07');
    expect(shown('/Photos/Été 2024/日本 🐱.jpg')).toBe('/Photos/Été 2024/日本 🐱.jpg');
  });

  it('every human line that shows a path shows it escaped, one line per entry', () => {
    const lines = [
      resultLines([{ path: evil, score: 0.5 }]),
      indexReportLines({
        indexed: 0,
        unchanged: 0,
        moved: 0,
        removed: 0,
        failed: [{ path: evil, error: `${evil} is broken` }],
        offline: [],
        cancelled: false,
      }).split('\n')[1] ?? '',
      indexReportLines({
        indexed: 0,
        unchanged: 0,
        moved: 0,
        removed: 0,
        failed: [],
        offline: [{ path: evil, error: `${evil} could not be read` }],
        cancelled: false,
      }).split('\n')[1] ?? '',
      statusLines({
        model: 'toy-clip',
        provider: 'cpu',
        providerNotes: [],
        roots: [{ path: evil, files: 1, failed: 0, offline: 'not found' }],
        images: 1,
        videos: 0,
        failed: 0,
        reindex: null,
        warnings: [],
      }).split('\n')[2] ?? '',
      cutLine({ out: evil, start: 0, end: 1, duration: 1 }),
      errorLine(`${evil} was not found.`).trimEnd(),
    ];
    for (const line of lines) {
      // eslint-disable-next-line no-control-regex -- control characters are what it must not find
      expect(line).not.toMatch(/[\u0000-\u001f\u202e]/);
      expect(line).toContain('a\\x1b[31mred\\nlantern');
    }
  });
});

describe('progressLine', () => {
  it('names the model being re-indexed for, with its counts', () => {
    const line = progressLine(
      {
        phase: 'indexing',
        done: 7,
        total: 40,
        rate: 3,
        etaSeconds: 11,
        currentFile: '/p/a.jpg',
        reindexModel: 'clip-vit-l14',
      },
      120,
    );
    expect(line.startsWith('Re-indexing for model clip-vit-l14: ')).toBe(true);
    expect(line).toContain('7/40');
  });

  it('shows counts, rate, ETA and the end of a long current path within the width', () => {
    const line = progressLine(
      {
        phase: 'indexing',
        done: 50,
        total: 200,
        rate: 12.5,
        etaSeconds: 12,
        currentFile: `/very/${'long/'.repeat(30)}IMG_1.jpg`,
      },
      100,
    );
    expect(line).toContain('50/200');
    expect(line).toContain('12.5/s');
    expect(line).toContain('ETA 0:12');
    expect(line.endsWith('IMG_1.jpg')).toBe(true);
    expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('an answer printed in chunks', () => {
  const tty = process.stdout.isTTY;
  afterEach(() => {
    vi.restoreAllMocks();
    process.stdout.isTTY = tty;
  });

  /** What printInChunks writes for these chunks, all of it. */
  async function printed(argv: string[], chunks: Array<Array<{ path: string }>>) {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
      out += String(text);
      return true;
    });
    const answer = printInChunks<{ path: string }>(
      parseCli(['tag', '/p', ...argv]),
      'files',
      (items) => items.map((item) => item.path).join('\n'),
      'No files.',
    );
    for (const chunk of chunks) await answer.write(chunk);
    await answer.end();
    return out;
  }

  it('writes as JSON exactly what one JSON.stringify of the whole list writes', async () => {
    const chunks = [[{ path: '/p/a "1".jpg' }, { path: '/p/b' }], [], [{ path: '/p/\u00e9\n' }]];
    const out = await printed(['--json'], chunks);
    expect(out).toBe(`${JSON.stringify({ files: chunks.flat() })}\n`);
    expect(await printed(['--json'], [[], []])).toBe('{"files":[]}\n');
  });

  it('writes the human lines of each chunk, escaped, and says so when there were none', async () => {
    process.stdout.isTTY = true;
    const out = await printed([], [[{ path: '/p/a' }], [{ path: '/p/b\x1b[31m' }]]);
    expect(out).toBe('/p/a\n/p/b\\x1b[31m\n');
    process.stdout.isTTY = true;
    expect(await printed([], [])).toBe('No files.\n');
  });
});
