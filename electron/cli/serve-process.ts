/**
 * @file `lantern serve` in a process of its own without malloc's huge pages.
 *
 * [Note: serve runs without huge pages]
 * bin/lantern.js's first line lets glibc's malloc ask for transparent huge pages ([Note:
 * malloc asks for huge pages] there): an index run, a cold search or `status` does one
 * piece of work and ends, and each is faster for it. `lantern serve` instead answers warm
 * searches for as long as it runs, and with huge pages their tail is longer on a large
 * library: the benchmark's search at 1M rows (store defaults) went from p95 38 to 60 ms,
 * past issue 12's 50 ms, its median from 30 to 36. glibc reads the setting only when a
 * process starts, so serve starts itself again without it (the desktop engine, which
 * searches as serve does, is started without it too: electron/main/malloc.ts). This
 * process stays as a thin parent: it passes SIGINT, SIGTERM and SIGHUP on and ends with
 * the server's exit code, and the server ends when this parent is gone (killed outright,
 * it cannot pass anything on), so no server is left holding the library.
 */
import { spawn } from 'node:child_process';

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

/** Set in the server's environment: the pid of the parent it must not outlive. */
const PARENT_VARIABLE = 'LANTERN_SERVE_PARENT';

/**
 * Run this same command line again in a child without huge pages, passing signals on;
 * resolves with the child's exit code.
 */
export function serveWithoutHugePages(): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, [PARENT_VARIABLE]: String(process.pid) };
  const tunables = withoutHugePages(env['GLIBC_TUNABLES']);
  if (tunables === undefined) delete env['GLIBC_TUNABLES'];
  else env['GLIBC_TUNABLES'] = tunables;
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
 * In a server started by serveWithoutHugePages: call `stop` once its parent is gone (the
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
