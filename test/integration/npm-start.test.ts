/**
 * @file The first commands on a fresh machine: `npm start` (scripts/start.mjs) without
 * Electron's binary falls back to the browser shell, and `lantern status` answers before
 * any model is downloaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLIBC_MALLOC } from '../../electron/shared/malloc.js';
import { lantern } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';

const START_SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../scripts/start.mjs',
);

/** Resolves with stdout once it holds the browser shell's URL line (or the script ends). */
function untilRunning(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/Lantern is running at http:\S+/.test(stdout)) resolve(stdout);
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      reject(new Error(`npm start ended (${code}) before serving:\n${stdout}\n${stderr}`)),
    );
  });
}

describe("npm start without Electron's binary", () => {
  let dir: string;
  let child: ChildProcess;

  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(path.join(dir, 'models'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      await closed;
    }
    await removeDir(dir);
  });

  it('opens the browser shell, says why in one line, prints a URL that answers', async () => {
    const inherited: NodeJS.ProcessEnv = { ...process.env };
    for (const name of [...Object.keys(GLIBC_MALLOC), 'GLIBC_TUNABLES']) delete inherited[name];
    child = spawn(process.execPath, [START_SCRIPT], {
      env: {
        ...inherited,
        // A missing binary is what a failed Electron download leaves.
        LANTERN_ELECTRON_PATH: path.join(dir, 'no-electron'),
        // out/ is built before the tests; a rebuild here would swap it under other tests.
        LANTERN_START_NO_BUILD: '1',
        LANTERN_NO_BROWSER: '1',
        LANTERN_DB: path.join(dir, 'library'),
        LANTERN_MODELS: path.join(dir, 'models'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = await untilRunning(child);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(
      "Lantern: Electron's binary is not installed (`npm run install-electron` fetches it), so Lantern opens in your browser instead of its desktop window.",
    );
    const url = /Lantern is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(
      lines[1] ?? '',
    )?.[1];
    expect(url).toBeDefined();
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Lantern</title>');

    if (process.platform === 'linux') {
      // The server runs with glibc's malloc settings from bin/lantern.js's first line, in
      // the child `lantern serve` starts without malloc's huge pages ([Note: serve runs
      // without huge pages] in electron/cli/serve-process.ts).
      const childOf = async (pid: number | string | undefined) =>
        (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(' ')[0];
      const server = await childOf(await childOf(child.pid));
      const environ = (await readFile(`/proc/${server}/environ`, 'utf8')).split('\0');
      for (const [name, value] of Object.entries(GLIBC_MALLOC))
        expect(environ).toContain(`${name}=${value}`);
      expect(environ.filter((line) => line.startsWith('GLIBC_TUNABLES='))).toEqual([]);
    }

    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    child.kill('SIGTERM');
    // SIGTERM is passed on to `lantern serve`, which closes the library and exits cleanly.
    expect(await closed).toBe(0);
  });
});

describe('lantern status before any model is downloaded', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(path.join(dir, 'models'));
  });

  afterAll(() => removeDir(dir));

  it('answers with the library and the command that fetches the model', async () => {
    const db = path.join(dir, 'library');
    const result = await lantern(['status', '--db', db, '--models', path.join(dir, 'models')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      library: db,
      roots: [],
      model: 'clip-vit-b32',
      installed: false,
      fetch: 'npx lantern models fetch clip-vit-b32',
    });
  });
});
