/**
 * @file `lantern serve` in a process of its own with the desktop engine's malloc settings.
 *
 * [Note: serve runs with the engine's malloc settings]
 * bin/lantern.js's first line lets glibc's malloc ask for transparent huge pages ([Note:
 * malloc asks for huge pages] there) and gives it one arena ([Note: the command line's one
 * malloc arena]): an index run, a cold search or `status` does one piece of work and ends,
 * and each is faster for it. `lantern serve` instead answers warm searches for as long as
 * it runs, and with huge pages their tail is longer on a large library: the benchmark's
 * search at 1M rows (store defaults) went from p95 38 to 60 ms, past issue 12's 50 ms, its
 * median from 30 to 36; with one arena it was not measured. glibc reads these settings only
 * when a process starts, so serve starts itself again with the desktop engine's
 * (electron/shared/malloc.ts; the engine searches as serve does): two arenas, no huge pages.
 * This process stays as a thin parent: it passes SIGINT, SIGTERM and SIGHUP on and ends
 * with the server's exit code, and the server ends when this parent is gone (killed
 * outright, it cannot pass anything on), so no server is left holding the library.
 */
import { spawn } from 'node:child_process';
import { COMMAND_LINE_MALLOC, GLIBC_MALLOC } from '../shared/malloc.js';

/** The glibc tunable bin/lantern.js's first line sets. */
const HUGE_PAGES = /^glibc\.malloc\.hugetlb=/;

/** Whether `tunables` (GLIBC_TUNABLES, colon-separated) lets malloc ask for huge pages. */
export function asksForHugePages(tunables: string | undefined): boolean {
  return (tunables ?? '')
    .split(':')
    .some((tunable) => HUGE_PAGES.test(tunable) && !/=0$/.test(tunable));
}

/** GLIBC_TUNABLES without the huge-page tunable; undefined when nothing else is left. */
export function withoutHugePages(tunables: string | undefined): string | undefined {
  const kept = (tunables ?? '')
    .split(':')
    .filter((tunable) => tunable && !HUGE_PAGES.test(tunable));
  return kept.length > 0 ? kept.join(':') : undefined;
}

/**
 * Whether this process runs with the command line's malloc settings rather than the
 * engine's: huge pages asked for, or the command line's single arena.
 */
export function runsWithCommandLineMalloc(env: NodeJS.ProcessEnv): boolean {
  return (
    asksForHugePages(env['GLIBC_TUNABLES']) ||
    env['MALLOC_ARENA_MAX'] === COMMAND_LINE_MALLOC.MALLOC_ARENA_MAX
  );
}

/** `env` with the engine's malloc settings (GLIBC_MALLOC), and no huge pages. */
export function withEngineMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, ...GLIBC_MALLOC };
  const tunables = withoutHugePages(env['GLIBC_TUNABLES']);
  if (tunables === undefined) delete out['GLIBC_TUNABLES'];
  else out['GLIBC_TUNABLES'] = tunables;
  return out;
}

/** Set in the server's environment: the pid of the parent it must not outlive. */
const PARENT_VARIABLE = 'LANTERN_SERVE_PARENT';

/**
 * Whether `lantern serve` should start its server again in a child: it runs with the command
 * line's malloc settings and is not such a child itself (a child never starts another, even
 * if its settings were somehow still the command line's).
 */
export function servesFromChild(env: NodeJS.ProcessEnv): boolean {
  return env[PARENT_VARIABLE] === undefined && runsWithCommandLineMalloc(env);
}

/**
 * Run this same command line again in a child with the engine's malloc settings, passing
 * signals on; resolves with the child's exit code.
 */
export function serveWithEngineMalloc(): Promise<number> {
  const env = withEngineMalloc({ ...process.env, [PARENT_VARIABLE]: String(process.pid) });
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env,
    stdio: 'inherit',
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const pass = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of signals) process.on(signal, pass);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const name of signals) process.off(name, pass);
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
}

/**
 * In a server started by serveWithEngineMalloc: call `stop` once its parent is gone (the
 * parent's pid is no longer this process's parent). Checked every second, unreferenced.
 */
export function stopWhenOrphaned(stop: () => void): void {
  const parent = Number(process.env[PARENT_VARIABLE]);
  if (!Number.isInteger(parent) || parent <= 0) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop();
  }, 1000);
  timer.unref();
}
