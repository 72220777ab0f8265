/**
 * @file A temporary folder of the process's own, for LanceDB's scratch files.
 *
 * [Note: LanceDB's index scratch]
 * Every vector-index build leaves its shuffle scratch folder (`.tmpXXXXXX/` holding
 * `shuffle_data.lance`, `shuffle_offsets.lance` and their `.spill` files) in the OS temp
 * folder and never removes it: lance-format/lance#8992, reported in September 2026 and
 * present in the @lancedb/lancedb 0.31.0 used here (store.test.ts left four such folders per
 * run; the benchmark's 1M-row builds 493 MB each). For a person that is one folder the size
 * of the library's shuffled vectors per build, in /tmp (RAM, where /tmp is a tmpfs) until a
 * reboot. LanceDB finds that folder through Rust's `std::env::temp_dir`, which reads TMPDIR
 * (TMP and TEMP on Windows) at each build; so a process that may build an index (`lantern
 * index`, `watch`, `serve`, the desktop engine) points them, at its start and before any
 * native module is loaded, at `lantern-scratch-<pid>` inside the temp folder it was given,
 * removes that folder when it exits, and removes those of processes no longer alive (one
 * killed, or ended by a crash) when it starts. Setting them later, once LanceDB's threads
 * run, could race their reads of the environment. Node's `os.tmpdir()` and the tools
 * Lantern starts (ffmpeg, ExifTool) follow the same variables, so their temporary files
 * land there too and go with it. A child (serve's server) makes its own beside its
 * parent's: LANTERN_TEMP_BASE keeps the folder they were both given.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SCRATCH_PREFIX = 'lantern-scratch-';
/** The temp folder the first Lantern process of a tree was given. */
export const TEMP_BASE_ENV = 'LANTERN_TEMP_BASE';

/** The variables Rust and Node read for the temp folder on this platform. */
export const TEMP_VARIABLES = process.platform === 'win32' ? ['TMP', 'TEMP'] : ['TMPDIR'];

/**
 * Point this process's temp folder at a scratch folder of its own (made now, removed at
 * exit) and remove the scratch folders of dead processes; returns its path. Once per
 * process: later calls answer the same folder.
 */
export function useOwnScratch(): string {
  const base = process.env[TEMP_BASE_ENV] || os.tmpdir();
  const own = path.join(base, `${SCRATCH_PREFIX}${process.pid}`);
  if (process.env[TEMP_VARIABLES[0]!] === own) return own;
  removeDeadScratch(base);
  mkdirSync(own, { recursive: true });
  process.env[TEMP_BASE_ENV] = base;
  for (const name of TEMP_VARIABLES) process.env[name] = own;
  process.once('exit', () => rmSync(own, { recursive: true, force: true }));
  return own;
}

/** Remove the scratch folders in `base` whose process is gone; returns their names. */
export function removeDeadScratch(base: string): string[] {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(SCRATCH_PREFIX)) continue;
    const pid = Number(name.slice(SCRATCH_PREFIX.length));
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    rmSync(path.join(base, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
