/**
 * @file Small measuring tools shared by the benchmark's parts (plain Node, bench time
 * only): a seeded PRNG, medians, CPU-time deltas, and running one measurement in a
 * fresh child process of the same bundle whose last stdout line is its JSON result.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { withEngineMalloc } from '../../electron/cli/serve-process.js';
import { COMMAND_LINE_MALLOC, GLIBC_MALLOC } from '../../electron/shared/malloc.js';

/** mulberry32 (Tommy Ettinger's public-domain 32-bit PRNG): seedable, fast, enough for fixtures. */
export class Prng {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  gaussian(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.next();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Seconds of CPU (user + system, every thread of this process) since `start`. */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/**
 * CPU seconds of this process's children that have ended and been waited for (ffmpeg,
 * ExifTool), from /proc/self/stat's cutime and cstime; null off Linux. Clock ticks are
 * taken as 100 a second (USER_HZ, what Linux reports there on every common architecture).
 */
export function endedChildrenCpuSeconds(): number | null {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]);
  return Number.isFinite(ticks) ? ticks / 100 : null;
}

/** This process's peak resident set so far, in MiB (`maxRSS` is in KiB). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * CPU-seconds the whole machine has spent busy since boot (Linux /proc/stat: user, nice,
 * system, irq, softirq and steal — steal being time the hypervisor gave to other
 * machines), or null where there is no /proc.
 */
function machineBusySeconds(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.slice(1).map(Number);
    // USER_HZ is 100 on every Linux architecture Node supports (getconf CLK_TCK).
    return (
      ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100
    );
  } catch {
    return null;
  }
}

const CHILD_TIMEOUT_MS = 90 * 60_000;

export interface ChildRun<T> {
  value: T;
  wallSeconds: number;
  /** CPU-seconds the child itself used (all its threads). */
  ownCpuSeconds: number;
  /**
   * Cores the rest of the machine kept busy meanwhile, on average (null without /proc):
   * the contention every wall-clock figure of this part was measured under.
   */
  otherCores: number | null;
}

/** What a child prints as its last stdout line. */
export interface ChildOutput<T> {
  result: T;
  cpuSeconds: number;
}

/** Wraps a child's result with the CPU time its process used, for ChildRun. */
export function childOutput<T>(result: T): ChildOutput<T> {
  return { result, cpuSeconds: cpuSecondsSince({ user: 0, system: 0 }) };
}

/** The parts that measure warm searches (the engine's and `lantern serve`'s). */
const WARM_SEARCH_PARTS = new Set(['search', 'search-typing']);

/**
 * Runs `node <this bundle> --child <args>` and parses the last line of its stdout as
 * JSON. A fresh process means a cold session cache and an honest peak-memory figure;
 * its stderr (progress) is passed through so a long child is not silent.
 */
export async function runChild<T>(args: readonly string[]): Promise<ChildRun<T>> {
  const script = process.argv[1];
  if (script === undefined) throw new Error('cannot find the benchmark script to re-run');
  const busyBefore = machineBusySeconds();
  const started = performance.now();
  // The parent's node flags (--expose-gc from `npm run bench`) apply to the child too, and
  // glibc's malloc settings of the command line and the desktop engine ([Note: two malloc
  // arenas] in bin/lantern.js): the parts are measured as Lantern runs them. Warm searches
  // run as the desktop engine and `lantern serve` run them, with two arenas and no huge
  // pages ([Note: serve runs with the engine's malloc settings] in
  // electron/cli/serve-process.ts); the other parts as `lantern index` runs them, with the
  // command line's one arena and huge pages.
  const env = WARM_SEARCH_PARTS.has(args[0] ?? '')
    ? withEngineMalloc(process.env)
    : { ...process.env, ...GLIBC_MALLOC, ...COMMAND_LINE_MALLOC };
  const child = spawn(process.execPath, [...process.execArgv, script, '--child', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  // A child that hangs must not hold the benchmark forever; the longest part (search
  // at 1M rows with an index build) takes well under this on a 2-core machine.
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  clearTimeout(timer);
  const wallSeconds = (performance.now() - started) / 1000;
  const busyAfter = machineBusySeconds();
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0) throw new Error(`child ${args[0] ?? ''} exited with ${code}: ${stdout.trim()}`);
  const output = JSON.parse(last) as ChildOutput<T>;
  const otherCores =
    busyBefore === null || busyAfter === null
      ? null
      : Math.max(0, (busyAfter - busyBefore - output.cpuSeconds) / wallSeconds);
  return { value: output.result, wallSeconds, ownCpuSeconds: output.cpuSeconds, otherCores };
}

/** Progress to stderr, so stdout stays the report (parent) or the JSON result (child). */
export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
