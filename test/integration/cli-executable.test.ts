/**
 * @file The `lantern` executable as a shell runs it (bin/lantern.js through its first line,
 * not `node bin/lantern.js`): it starts node with glibc's malloc settings ([Note: two
 * malloc arenas] in bin/lantern.js) in the same process, so nothing is left between the shell
 * and the indexer; `serve` alone runs its server in a child without malloc's huge pages.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { COMMAND_LINE_MALLOC, GLIBC_MALLOC } from '../../electron/shared/malloc.js';
import { LANTERN_BIN } from '../fixtures/cli.js';

let tmp: string | null = null;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = null;
});

/** Resolves with the first line the child writes to stdout. */
function firstLine(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0) resolve(out.slice(0, end));
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`lantern exited ${code}: ${err}`)));
  });
}

/** The environment and command line of a running process. */
async function processOf(pid: number) {
  const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  return { environ, argv };
}

/** The pids of `pid`'s children. */
async function childrenOf(pid: number): Promise<number[]> {
  const listed = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
  return listed.trim().split(' ').filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.runIf(process.platform === 'linux')('the lantern executable', () => {
  /** `lantern serve` on a fresh library, spawned as a shell would; resolves once it serves. */
  async function serve(): Promise<{ child: ReturnType<typeof spawn>; url: string }> {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'lantern-exe-'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of [...Object.keys(GLIBC_MALLOC), 'GLIBC_TUNABLES']) delete env[name];
    const db = path.join(tmp, 'db');
    const args = ['serve', '--port', '0', '--db', db, '--models', inject('toyModelsDir')];
    const child = spawn(LANTERN_BIN, [...args, '--model', 'toy-clip'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { child, url: await firstLine(child) };
  }

  it("runs node itself, in the same process, with the command line's malloc settings", async () => {
    const { child, url } = await serve();
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const { environ, argv } = await processOf(child.pid!);
      // The shebang sets what the desktop app's engine gets, but one arena and huge pages.
      for (const [name, value] of Object.entries({ ...GLIBC_MALLOC, ...COMMAND_LINE_MALLOC }))
        expect(environ).toContain(`${name}=${value}`);
      // The spawned pid is node running the command line, not an `env` or shell wrapper.
      expect(path.basename(argv[0] ?? '')).toMatch(/^node/);
      expect(argv).toContain(LANTERN_BIN);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);

  it("serves from a child with the engine's malloc settings, which a SIGTERM ends cleanly", async () => {
    // [Note: serve runs with the engine's malloc settings] (electron/cli/serve-process.ts).
    const { child, url } = await serve();
    const [server] = await childrenOf(child.pid!);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      expect(server).toBeDefined();
      const { environ, argv } = await processOf(server!);
      for (const [name, value] of Object.entries(GLIBC_MALLOC))
        expect(environ).toContain(`${name}=${value}`);
      expect(environ.filter((line) => line.startsWith('GLIBC_TUNABLES='))).toEqual([]);
      expect(argv.slice(1)).toEqual((await processOf(child.pid!)).argv.slice(1));
      expect((await fetch(url)).status).toBe(200);
      child.kill('SIGTERM');
      // The server closes its library and exits 0; the parent ends with that code.
      expect(await exited).toBe(0);
      expect(alive(server!)).toBe(false);
    } finally {
      // A failed check leaves neither process running.
      for (const pid of [server, child.pid])
        if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 30_000);

  it('the server does not outlive a parent killed outright', async () => {
    const { child } = await serve();
    const [server] = await childrenOf(child.pid!);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    // It checks its parent every second, then closes.
    const deadline = Date.now() + 10_000;
    while (alive(server!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(server!)).toBe(false);
  }, 30_000);
});
