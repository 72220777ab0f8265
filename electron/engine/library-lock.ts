/**
 * @file One writer per library, across processes (engine, plain Node): the command line,
 * `lantern serve` and the app share one default library, and two writers at once leave
 * duplicate rows and lose folders. A writer holds `<db>/lantern.lock`, a small JSON file
 * naming its PID, host, purpose and start time; readers take no lock.
 *
 * [Note: library lock]
 * - The lock file appears with its whole content at once: it is written to a temp file and
 *   hard-linked into place, and link() fails if a lock already exists. So a lock that cannot
 *   be parsed is never a live writer's half-written file (except on file systems without hard
 *   links, where we fall back to O_EXCL and give such a file a grace period).
 * - A lock whose PID is dead on this host, or that cannot be parsed, is stale and is taken
 *   over: removed (one remover at a time, and only if it is still byte for byte the stale
 *   one), then created afresh with link(), which exactly one racer wins. So two processes
 *   taking over one stale lock cannot both win.
 * - A lock held on another host (a library on a network share) is never judged: its PID
 *   means nothing here.
 * - What remains open: a dead holder's PID reused by an unrelated process makes the lock look
 *   live (the message names the PID, so a person can see it is not Lantern); a process
 *   killed in the microseconds it holds the take-over guard delays others by a few seconds.
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LanternError } from '../shared/errors.js';

export const LOCK_FILE_NAME = 'lantern.lock';

/** What the lock file holds. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** Who holds it, as a person names it: "lantern index", "lantern serve", "the Lantern app". */
  purpose: string;
  /** When it was taken (ISO 8601). */
  since: string;
  /** Unique per acquisition, so a release never removes another holder's lock. */
  token: string;
}

/**
 * How long a lock file that cannot be parsed may be a live writer's half-written file (only
 * possible on the O_EXCL fallback); a crash mid-write leaves one older than this.
 */
const UNPARSEABLE_GRACE_MS = 2_000;
/**
 * A take-over guard is held for a few file operations; one older than this was left by a
 * process killed while holding it (far beyond any scheduling delay on a loaded machine).
 */
const ABANDONED_GUARD_MS = 5_000;
/** How long to keep trying while other processes create and take over locks around us. */
const CONTENTION_LIMIT_MS = 15_000;
const RETRY_DELAY_MS = 50;
/** File systems that refuse hard links answer link() with one of these. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Locks this process holds, released on exit. */
const heldLocks = new Set<LibraryLock>();
let exitHookInstalled = false;

export class LibraryLock {
  private released = false;

  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {}

  /**
   * Take the writer lock of the library in `dbDir` (which must exist), or throw
   * LIBRARY_BUSY naming who holds it.
   */
  static async acquire(dbDir: string, purpose: string): Promise<LibraryLock> {
    const file = path.join(dbDir, LOCK_FILE_NAME);
    const deadline = Date.now() + CONTENTION_LIMIT_MS;
    for (;;) {
      const holder: LockHolder = {
        pid: process.pid,
        hostname: os.hostname(),
        purpose,
        since: new Date().toISOString(),
        token: randomUUID(),
      };
      if (createLockFile(file, holder)) {
        const seen = inspect(file);
        // Only a take-over that misjudged us could have replaced it; then we lost.
        if (seen.kind === 'held' && seen.holder.token === holder.token) {
          const lock = new LibraryLock(file, holder);
          heldLocks.add(lock);
          installExitHook();
          return lock;
        }
      } else {
        const seen = inspect(file);
        if (seen.kind === 'held' && !isStale(seen.holder)) throw busyError(dbDir, seen.holder);
        if (seen.kind === 'held') removeIfUnchanged(file, seen.bytes);
        else if (seen.kind === 'unparseable' && Date.now() - seen.mtimeMs > UNPARSEABLE_GRACE_MS)
          removeIfUnchanged(file, seen.bytes);
      }
      if (Date.now() > deadline)
        throw new LanternError(
          'LIBRARY_BUSY',
          `The library ${dbDir} is being opened by other Lantern processes right now. Wait for them to finish, then try again.`,
        );
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }

  /** Remove the lock file if it is still ours. Synchronous, so it also runs on exit. */
  release(): void {
    if (this.released) return;
    this.released = true;
    heldLocks.delete(this);
    try {
      const seen = inspect(this.file);
      if (seen.kind === 'held' && seen.holder.token === this.holder.token) unlinkSync(this.file);
    } catch {
      // A lock we cannot remove is stale once we exit; the next writer takes it over.
    }
  }
}

/** Who holds the lock of the library in `dbDir`, if anyone (for status and messages). */
export function lockHolderOf(dbDir: string): LockHolder | null {
  const seen = inspect(path.join(dbDir, LOCK_FILE_NAME));
  return seen.kind === 'held' && !isStale(seen.holder) ? seen.holder : null;
}

type Inspection =
  | { kind: 'absent' }
  | { kind: 'held'; holder: LockHolder; bytes: Buffer }
  | { kind: 'unparseable'; bytes: Buffer; mtimeMs: number };

function inspect(file: string): Inspection {
  let fd: number;
  try {
    // Non-blocking, so a FIFO put in its place cannot hang the open (Windows lacks the flag).
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { kind: 'absent' };
    throw cannotUseFolder(path.dirname(file), error);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      throw new LanternError(
        'STORE_FAILED',
        `${file} is not a lock file Lantern wrote. Remove it, then try again.`,
      );
    const { size, mtimeMs } = stat;
    // A lock file is a few hundred bytes; read at most this much of anything else.
    const bytes = Buffer.alloc(Math.min(size, 64 * 1024));
    const length = readSync(fd, bytes, 0, bytes.length, 0);
    const content = bytes.subarray(0, length);
    const holder = parseHolder(content);
    return holder
      ? { kind: 'held', holder, bytes: content }
      : { kind: 'unparseable', bytes: content, mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function parseHolder(bytes: Buffer): LockHolder | null {
  try {
    const raw = JSON.parse(bytes.toString('utf8')) as Partial<LockHolder> | null;
    if (
      raw &&
      typeof raw.pid === 'number' &&
      Number.isInteger(raw.pid) &&
      raw.pid > 0 &&
      typeof raw.hostname === 'string' &&
      typeof raw.purpose === 'string' &&
      typeof raw.since === 'string' &&
      typeof raw.token === 'string'
    )
      return {
        pid: raw.pid,
        hostname: raw.hostname,
        purpose: raw.purpose,
        since: raw.since,
        token: raw.token,
      };
  } catch {
    // Not JSON: a crash mid-write (see the grace period).
  }
  return null;
}

function isStale(holder: LockHolder): boolean {
  if (holder.hostname !== os.hostname()) return false;
  if (holder.pid === process.pid)
    // Our PID: either one of our own locks (live), or a dead process's that had our PID.
    return ![...heldLocks].some((lock) => lock.holder.token === holder.token);
  return !isProcessAlive(holder.pid);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's.
    return errorCode(error) !== 'ESRCH';
  }
  // A killed process whose parent has not reaped it still answers kill(); it writes nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS, Windows): kill() said alive
  }
}

/** Create the lock file with its whole content at once; false if one already exists. */
function createLockFile(file: string, holder: LockHolder): boolean {
  const content = `${JSON.stringify(holder, null, 2)}\n`;
  const temp = `${file}.${holder.token}.tmp`;
  try {
    writeDurably(temp, content);
    try {
      linkSync(temp, file);
      return true;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST') return false;
      if (!code || !NO_HARD_LINKS.has(code)) throw error;
    }
    try {
      writeDurably(file, content);
      return true;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    }
  } catch (error) {
    throw cannotUseFolder(path.dirname(file), error);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
  }
}

function writeDurably(file: string, content: string): void {
  const fd = openSync(file, 'wx');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Remove a stale lock, but only the one judged stale. Removers take turns through a guard
 * file, and the guard's holder removes the lock only if it still holds exactly the bytes
 * judged stale. Nothing else can change the lock meanwhile: a new lock needs the path empty,
 * which only a remover makes, and the dead holder releases nothing. (Renaming the stale file
 * aside instead would leave the path empty for a moment, and a third process could take the
 * lock then while a second put back the lock it moved: two winners; the race test saw it.)
 */
function removeIfUnchanged(file: string, judged: Buffer): void {
  const guard = `${file}.takeover`;
  try {
    writeDurably(guard, `${process.pid}\n`);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw cannotUseFolder(path.dirname(file), error);
    removeAbandonedGuard(guard);
    return; // another process is removing it; look again
  }
  try {
    let current: Buffer | null = null;
    try {
      current = readFileSync(file);
    } catch {
      // gone already
    }
    if (current?.equals(judged)) unlinkSync(file);
  } finally {
    unlinkSync(guard);
  }
}

/** A guard is held for a moment; one much older was left by a process killed holding it. */
function removeAbandonedGuard(guard: string): void {
  try {
    if (Date.now() - statSync(guard).mtimeMs > ABANDONED_GUARD_MS) unlinkSync(guard);
  } catch {
    // gone already
  }
}

function busyError(dbDir: string, holder: LockHolder): LanternError {
  const since = new Date(holder.since);
  const when = Number.isNaN(since.getTime()) ? holder.since : since.toLocaleString();
  const who = `PID ${holder.pid} (${holder.purpose})`;
  if (holder.hostname !== os.hostname())
    return new LanternError(
      'LIBRARY_BUSY',
      `The library ${dbDir} is in use by ${who} on ${holder.hostname} since ${when}. Close it there, then try again; if that computer is off, delete ${path.join(dbDir, LOCK_FILE_NAME)} first.`,
    );
  return new LanternError(
    'LIBRARY_BUSY',
    `The library ${dbDir} is in use by ${who} since ${when}. Close it, or wait for it to finish, then try again.`,
  );
}

function cannotUseFolder(dbDir: string, error: unknown): LanternError {
  if (error instanceof LanternError) return error;
  const code = errorCode(error) ?? String(error);
  return new LanternError(
    'STORE_FAILED',
    `Lantern cannot write its lock file in the library folder ${dbDir} (${code}). Check that the folder is writable and the disk has room, then try again.`,
    { cause: error },
  );
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Only synchronous work runs on 'exit'. A SIGKILL skips it; the next writer takes over.
  process.on('exit', () => {
    for (const lock of [...heldLocks]) lock.release();
  });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
