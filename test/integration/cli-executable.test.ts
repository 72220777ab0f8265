/**
 * @file The `lantern` executable as a shell runs it (bin/lantern.js through its first line,
 * not `node bin/lantern.js`): it starts node with glibc's malloc settings ([Note: two
 * malloc arenas] in bin/lantern.js) in the same process, so nothing is left between the shell
 * and the indexer.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { GLIBC_MALLOC } from '../../electron/main/malloc.js';
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

describe.runIf(process.platform === 'linux')('the lantern executable', () => {
  it("runs node itself, in the same process, with glibc's malloc settings", async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'lantern-exe-'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(GLIBC_MALLOC)) delete env[name];
    const db = path.join(tmp, 'db');
    const args = ['serve', '--port', '0', '--db', db, '--models', inject('toyModelsDir')];
    const child = spawn(LANTERN_BIN, [...args, '--model', 'toy-clip'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await firstLine(child);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const pid = child.pid!;
      const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
      // The shebang and the desktop app's engine set the same values.
      for (const [name, value] of Object.entries(GLIBC_MALLOC))
        expect(environ).toContain(`${name}=${value}`);
      // The spawned pid is node running the command line, not an `env` or shell wrapper.
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      expect(path.basename(argv[0] ?? '')).toMatch(/^node/);
      expect(argv).toContain(LANTERN_BIN);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);
});
