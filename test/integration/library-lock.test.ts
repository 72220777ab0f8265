/**
 * @file The writer lock across real processes ([Note: library lock] in
 * electron/engine/library-lock.ts): a live holder is named in the refusal, a dead or
 * half-written lock is taken over, racers never both win, and a release never removes a
 * lock it does not own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  LibraryLock,
  LOCK_FILE_NAME,
  type LockHolder,
} from '../../electron/engine/library-lock.js';
import { LanternError } from '../../electron/shared/errors.js';
import { removeDir, tempDir } from '../fixtures/library.js';

const CONTENDER = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/lock-contender.ts',
);
const RACERS = 6;
const ROUNDS = 10;

/** A contender process and a way to send it a line and read its next answer. */
interface Contender {
  child: ChildProcess;
  ask(line: string): Promise<{ won?: boolean; code?: string; message?: string }>;
}

async function startContender(purpose: string): Promise<Contender> {
  const child = spawn(process.execPath, ['--import', 'tsx', CONTENDER, purpose], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const answers: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else answers.push(line);
  });
  const nextLine = () =>
    new Promise<string>((resolve) => {
      const ready = answers.shift();
      if (ready !== undefined) resolve(ready);
      else waiting.push(resolve);
    });
  await nextLine(); // { ready: true }
  return {
    child,
    ask: async (line) => {
      const answer = nextLine();
      child.stdin.write(`${line}\n`);
      return JSON.parse(await answer) as { won?: boolean; code?: string; message?: string };
    },
  };
}

/** The PID of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

function lockFile(db: string): string {
  return path.join(db, LOCK_FILE_NAME);
}

async function writeLock(db: string, holder: Partial<LockHolder>): Promise<void> {
  const full: LockHolder = {
    pid: process.pid,
    hostname: os.hostname(),
    purpose: 'lantern index',
    since: new Date().toISOString(),
    token: 'someone-else',
    ...holder,
  };
  await writeFile(lockFile(db), JSON.stringify(full));
}

async function holderOf(db: string): Promise<LockHolder> {
  return JSON.parse(await readFile(lockFile(db), 'utf8')) as LockHolder;
}

describe('library writer lock', () => {
  const dirs: string[] = [];
  const locks: LibraryLock[] = [];
  const db = async () => {
    const dir = await tempDir('lantern-lock-');
    dirs.push(dir);
    return dir;
  };

  afterEach(() => {
    for (const lock of locks.splice(0)) lock.release();
  });

  afterAll(async () => {
    for (const dir of dirs) await removeDir(dir);
  });

  it('refuses while a live process holds it, naming its PID and purpose', async () => {
    const dir = await db();
    const holder = await startContender('lantern serve');
    try {
      expect(await holder.ask(`go ${dir}`)).toEqual({ won: true });
      const refused = await LibraryLock.acquire(dir, 'lantern index').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(LanternError);
      expect(refused).toMatchObject({ code: 'LIBRARY_BUSY' });
      expect((refused as Error).message).toContain(
        `The library ${dir} is in use by PID ${holder.child.pid} (lantern serve) since `,
      );
      expect((refused as Error).message).toMatch(/Close it, or wait for it to finish/);
      // The holder's lock is untouched by the refusal.
      expect((await holderOf(dir)).pid).toBe(holder.child.pid);
    } finally {
      holder.child.stdin!.end();
    }
  });

  it('refuses a second writer in the same process', async () => {
    const dir = await db();
    locks.push(await LibraryLock.acquire(dir, 'the Lantern app'));
    await expect(LibraryLock.acquire(dir, 'lantern index')).rejects.toMatchObject({
      code: 'LIBRARY_BUSY',
      message: expect.stringContaining(`PID ${process.pid} (the Lantern app)`) as string,
    });
  });

  it('takes over the lock of a process that died without releasing it', async () => {
    const dir = await db();
    await writeLock(dir, { pid: await deadPid(), token: 'dead' });
    const lock = await LibraryLock.acquire(dir, 'lantern index');
    locks.push(lock);
    expect(await holderOf(dir)).toMatchObject({
      pid: process.pid,
      purpose: 'lantern index',
      token: lock.holder.token,
    });
  });

  it('takes over a lock file left half-written by a crash', async () => {
    const dir = await db();
    await writeFile(lockFile(dir), '{"pid": 12');
    // Older than the grace a live writer gets to finish writing it.
    const past = new Date(Date.now() - 60_000);
    await utimes(lockFile(dir), past, past);
    locks.push(await LibraryLock.acquire(dir, 'lantern index'));
    expect((await holderOf(dir)).pid).toBe(process.pid);
  });

  it('recovers from a process killed while it was taking over a stale lock', async () => {
    const dir = await db();
    await writeLock(dir, { pid: await deadPid(), token: 'dead' });
    const guard = `${lockFile(dir)}.takeover`;
    await writeFile(guard, '12345\n');
    const past = new Date(Date.now() - 60_000);
    await utimes(guard, past, past);
    locks.push(await LibraryLock.acquire(dir, 'lantern index'));
    expect((await holderOf(dir)).pid).toBe(process.pid);
    expect(existsSync(guard)).toBe(false);
  });

  it('never judges a lock held on another computer, and says how to clear it', async () => {
    const dir = await db();
    await writeLock(dir, {
      pid: await deadPid(),
      hostname: 'nas-client-2',
      purpose: 'lantern serve',
    });
    await expect(LibraryLock.acquire(dir, 'lantern index')).rejects.toMatchObject({
      code: 'LIBRARY_BUSY',
      message: expect.stringMatching(
        /in use by PID \d+ \(lantern serve\) on nas-client-2 since .*delete .*lantern\.lock/,
      ) as string,
    });
  });

  it('releases only its own lock', async () => {
    const dir = await db();
    const lock = await LibraryLock.acquire(dir, 'lantern index');
    // As if another process had taken it over meanwhile.
    await writeLock(dir, { pid: process.pid, token: 'another holder' });
    lock.release();
    expect((await holderOf(dir)).token).toBe('another holder');
  });

  it('is released when the holding process exits', async () => {
    const dir = await db();
    const holder = await startContender('lantern index');
    expect(await holder.ask(`go ${dir}`)).toEqual({ won: true });
    expect(existsSync(lockFile(dir))).toBe(true);
    const exited = new Promise((resolve) => holder.child.on('exit', resolve));
    holder.child.stdin!.end();
    await exited;
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  describe('processes racing for it at the same moment', () => {
    let racers: Contender[] = [];

    beforeAll(async () => {
      racers = await Promise.all(
        Array.from({ length: RACERS }, (_, i) => startContender(`racer ${i}`)),
      );
    }, 120_000);

    afterAll(() => {
      for (const racer of racers) racer.child.stdin!.end();
    });

    /** Every racer tries at once; returns the winners' PIDs and the losers' messages. */
    async function race(dir: string): Promise<{ winners: number[]; refusals: string[] }> {
      // Far enough ahead for every racer to have read its line, even on a loaded machine.
      const at = Date.now() + 300;
      const answers = await Promise.all(racers.map((racer) => racer.ask(`go ${dir} ${at}`)));
      const winners = racers.filter((_, i) => answers[i]?.won).map((r) => r.child.pid!);
      const refusals = answers.filter((a) => !a.won).map((a) => `${a.code}: ${a.message}`);
      await Promise.all(racers.map((racer) => racer.ask('release')));
      return { winners, refusals };
    }

    it('lets exactly one of them take a free library', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { winners, refusals } = await race(await db());
        expect(winners).toHaveLength(1);
        expect(refusals).toHaveLength(RACERS - 1);
        for (const refusal of refusals) expect(refusal).toContain(`LIBRARY_BUSY: The library`);
      }
    }, 120_000);

    it('lets exactly one of them take over a stale lock', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const dir = await db();
        await writeLock(dir, { pid: await deadPid(), token: 'dead' });
        const { winners, refusals } = await race(dir);
        expect(winners).toHaveLength(1);
        for (const refusal of refusals)
          expect(refusal).toContain(`is in use by PID ${winners[0]} (racer `);
      }
    }, 120_000);
  });
});
