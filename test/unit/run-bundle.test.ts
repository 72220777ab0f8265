/**
 * @file bin/run-bundle.js ([Note: the command line's code cache]): a CommonJS bundle runs
 * as Node would require it; the first run saves V8's code cache at exit and the next
 * starts from it; each command keeps its own; a rebuilt bundle makes its own and drops the old one; a damaged cache
 * or an unwritable folder only costs the compile.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RUNNER = path.resolve('bin/run-bundle.js');
let dir = '';
let bundle = '';
let cacheDir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-run-bundle-'));
  bundle = path.join(dir, 'cli.cjs');
  cacheDir = path.join(dir, '.code-cache');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A bundle that says where it runs and what require and module are. */
async function writeBundle(answer: number): Promise<void> {
  await writeFile(
    bundle,
    [
      '#!/usr/bin/env node',
      "const { basename } = require('node:path');",
      'function answer() { return ' + String(answer) + '; }',
      'module.exports.answer = answer();',
      'process.stdout.write(JSON.stringify({ answer: answer(), file: basename(__filename),',
      '  dir: __dirname, exportsSame: this === module.exports }) + "\\n");',
    ].join('\n'),
  );
}

/** Runs the bundle in a fresh Node, as bin/lantern.js does; its output and the cache state. */
async function run(cache: string | null, variant?: string) {
  const script = `import { runBundle } from ${JSON.stringify(RUNNER)};
const state = runBundle(${JSON.stringify(bundle)}, ${JSON.stringify(cache)}${variant === undefined ? '' : `, ${JSON.stringify(variant)}`});
process.stdout.write(JSON.stringify({ state }) + '\\n');`;
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { cwd: dir },
  );
  expect(stderr).toBe('');
  const [ran, state] = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as object);
  return { ...ran, ...state } as {
    answer: number;
    file: string;
    dir: string;
    exportsSame: boolean;
    state: string;
  };
}

const caches = async () =>
  (await readdir(cacheDir).catch(() => [] as string[])).filter((n) => n.endsWith('.v8cache'));

describe('running the command line bundle with a code cache', () => {
  it('runs the bundle as a CommonJS module, shebang and all', async () => {
    await writeBundle(41);
    expect(await run(null)).toEqual({
      answer: 41,
      file: 'cli.cjs',
      dir,
      exportsSame: true,
      state: 'off',
    });
    expect(await caches()).toEqual([]);
  });

  it('makes the cache at the first run and uses it at the next', async () => {
    await writeBundle(42);
    expect(await run(cacheDir)).toMatchObject({ answer: 42, state: 'made' });
    expect(await caches()).toHaveLength(1);
    expect(await run(cacheDir)).toMatchObject({ answer: 42, state: 'used' });
  });

  it('a rebuilt bundle makes its own cache and the old one goes', async () => {
    await writeBundle(42);
    await run(cacheDir);
    const [old] = await caches();
    await writeBundle(43);
    expect(await run(cacheDir)).toMatchObject({ answer: 43, state: 'made' });
    const now = await caches();
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old);
    expect(await run(cacheDir)).toMatchObject({ answer: 43, state: 'used' });
  });

  it('keeps a cache for each command, and a rebuild drops the old one of every command', async () => {
    // [Note: a code cache for each command]
    await rm(cacheDir, { recursive: true, force: true });
    await writeBundle(48);
    expect(await run(cacheDir, 'index')).toMatchObject({ answer: 48, state: 'made' });
    expect(await run(cacheDir, 'search')).toMatchObject({ answer: 48, state: 'made' });
    expect(await run(cacheDir, 'search')).toMatchObject({ answer: 48, state: 'used' });
    expect(await run(cacheDir, 'index')).toMatchObject({ answer: 48, state: 'used' });
    const before = await caches();
    expect(before.map((name) => name.split('.')[2]).sort()).toEqual(['index', 'search']);

    await writeBundle(49);
    expect(await run(cacheDir, 'search')).toMatchObject({ answer: 49, state: 'made' });
    const after = await caches();
    expect(after).toHaveLength(1);
    expect(after[0]!.split('.')[2]).toBe('search');
    expect(before).not.toContain(after[0]);
    expect(await run(cacheDir, 'index')).toMatchObject({ answer: 49, state: 'made' });
    expect(await caches()).toHaveLength(2);
  });

  it('a damaged cache is made again, and the bundle still runs', async () => {
    await writeBundle(44);
    await run(cacheDir);
    const [name] = await caches();
    await writeFile(path.join(cacheDir, name!), 'not a code cache');
    expect(await run(cacheDir)).toMatchObject({ answer: 44, state: 'made' });
    expect(await run(cacheDir)).toMatchObject({ answer: 44, state: 'used' });
  });

  it('reads an ASCII bundle and one with other characters as the same text Node would', async () => {
    // [Note: reading the bundle as Latin-1]: ASCII only; anything else is read as UTF-8.
    for (const [source, expected] of [
      ['"caf\\u00e9 \\u2014 ok"', 'café — ok'],
      ['"café — ok"', 'café — ok'],
      ['/^[¹²³]$/.test("²") ? "matched" : "missed"', 'matched'],
    ] as const) {
      await writeFile(
        bundle,
        `process.stdout.write(JSON.stringify({ answer: ${source} }) + "\\n");\n`,
      );
      expect((await run(null)).answer).toBe(expected);
    }
  });

  it('loadBundle answers what the bundle exported, and caches as runBundle does', async () => {
    // [Note: the store's packages as one bundle]: bin/lantern.js loads a second bundle so.
    await writeBundle(47);
    const load = async () => {
      const script = `import { loadBundle } from ${JSON.stringify(RUNNER)};
const first = loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(cacheDir)});
process.stdout.write(JSON.stringify({ state: first.state, exported: first.exports.answer }) + '\\n');`;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: dir },
      );
      // The bundle's own line, then what loadBundle answered.
      return JSON.parse(stdout.trim().split('\n')[1]!) as { state: string; exported: number };
    };
    expect(await load()).toEqual({ state: 'made', exported: 47 });
    expect(await load()).toEqual({ state: 'used', exported: 47 });
  });

  it('a cache folder that cannot be made (a file in its place) only costs the compile', async () => {
    await writeBundle(46);
    await rm(cacheDir, { recursive: true, force: true });
    await writeFile(cacheDir, 'a file, not a folder');
    expect(await run(cacheDir)).toMatchObject({ answer: 46, state: 'made' });
    expect(await run(cacheDir)).toMatchObject({ answer: 46, state: 'made' });
    await rm(cacheDir, { force: true });
  });
});
