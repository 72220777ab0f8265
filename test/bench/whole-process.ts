/**
 * @file Whole-process measurements (plain Node, bench time only): `lantern index`,
 * `status` and `search` as a user starts them (`bin/lantern.js …`, start-up included),
 * and the transformers.js script of baseline-script.mjs, each spawned from here under
 * `/usr/bin/time`, which gives the child's CPU-seconds and peak RSS (maxRSS) after it
 * exits. Nothing runs in this process meanwhile except a 10 ms poll for the first
 * thumbnail (see firstThumbnail).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface ProcessRun {
  /** Spawn to exit, seconds. */
  wallSeconds: number;
  /** User + system CPU of the child (every thread), seconds. */
  cpuSeconds: number;
  peakRssMiB: number;
  stdout: string;
  stderr: string;
  /** Date.now() at spawn: the zero for every stamp the child prints. */
  spawnedAt: number;
}

/**
 * Runs `command args…` under /usr/bin/time; throws with its stderr when it fails. A
 * variable given as undefined in `extraEnv` is left out of the child's environment.
 */
export async function timedProcess(
  command: string,
  args: readonly string[],
  extraEnv: Record<string, string | undefined> = {},
): Promise<ProcessRun> {
  const env = { ...process.env, ...extraEnv };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'lantern-bench-time-'));
  const timeFile = path.join(scratch, 'time');
  const spawnedAt = Date.now();
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const [user = NaN, system = NaN, maxRssKiB = NaN] = (await readFile(timeFile, 'utf8'))
    .trim()
    .split('\n')
    .at(-1)!
    .split(' ')
    .map(Number);
  await rm(scratch, { recursive: true, force: true });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`);
  return {
    wallSeconds,
    cpuSeconds: user + system,
    peakRssMiB: maxRssKiB / 1024,
    stdout,
    stderr,
    spawnedAt,
  };
}

/**
 * Date.now() when the first thumbnail appears under `dir`, polled every 10 ms until
 * `stop` resolves (null if none appeared). Lantern writes a photo's thumbnail from the
 * same decode that feeds the model ([Note: decode once, at the smallest size that serves
 * both] in native/image/plan.ts), so this is when the first photo was decoded, from
 * outside the process and without a hook in the engine.
 */
export async function firstThumbnail(dir: string, stop: Promise<unknown>): Promise<number | null> {
  let stopped = false;
  void stop.finally(() => (stopped = true));
  while (!stopped) {
    const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    if (entries.some((name) => name.endsWith('.webp'))) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return null;
}

/** One batch finished: when (Date.now()) and how many photos were done by then. */
export interface BatchStamp {
  at: number;
  done: number;
}

export interface IndexingRun {
  photos: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  /** photos ÷ wall: the figure a user meets. */
  photosPerSecond: number;
  /** After the first batch: (photos − first batch) ÷ (last batch − first batch). */
  steadyPhotosPerSecond: number;
  /** Spawn to the first batch done (start-up, model load, first decode and inference). */
  firstBatchSeconds: number;
  /** Spawn to the first photo decoded (Lantern only; null for the baseline). */
  firstDecodeSeconds: number | null;
}

/** Whole-process and steady-state rates from a run and its batch stamps. */
export function indexingRun(
  run: ProcessRun,
  photos: number,
  batches: readonly BatchStamp[],
  firstDecodeAt: number | null,
): IndexingRun {
  const first = batches[0];
  const last = batches.at(-1);
  const steady =
    first && last && last.at > first.at
      ? ((last.done - first.done) * 1000) / (last.at - first.at)
      : Number.NaN;
  return {
    photos,
    wallSeconds: run.wallSeconds,
    cpuSeconds: run.cpuSeconds,
    peakRssMiB: run.peakRssMiB,
    photosPerSecond: photos / run.wallSeconds,
    steadyPhotosPerSecond: steady,
    firstBatchSeconds: first ? (first.at - run.spawnedAt) / 1000 : Number.NaN,
    firstDecodeSeconds: firstDecodeAt === null ? null : (firstDecodeAt - run.spawnedAt) / 1000,
  };
}

/**
 * The \`lantern\` executable, run as a shell runs it (through its first line, which sets
 * glibc's malloc for node: [Note: two malloc arenas] and the notes after it in bin/lantern.js).
 */
const LANTERN = path.resolve('bin', 'lantern.js');

export interface LanternModel {
  modelsDir: string;
  modelId: string;
}

/** `lantern index <photosDir>` into a fresh database `dbDir` (left in place for search). */
export async function lanternIndex(
  photosDir: string,
  photos: number,
  dbDir: string,
  model: LanternModel,
): Promise<IndexingRun> {
  await rm(dbDir, { recursive: true, force: true });
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const watcher = firstThumbnail(path.join(dbDir, 'thumbnails'), finished);
  const run = await timedProcess(
    LANTERN,
    ['index', photosDir, '--db', dbDir, '--models', model.modelsDir, '--model', model.modelId],
    { LANTERN_TRACE_PROGRESS: '1' },
  ).finally(done);
  const batches: BatchStamp[] = run.stderr
    .split('\n')
    .filter((line) => line.startsWith('lantern-progress '))
    .map(
      (line) =>
        JSON.parse(line.slice('lantern-progress '.length)) as BatchStamp & { phase: string },
    )
    .filter((p) => p.phase === 'indexing' && p.done > 0);
  const indexed = batches.at(-1)?.done ?? 0;
  if (indexed !== photos)
    throw new Error(`lantern index reported ${indexed} of ${photos} photos: ${run.stderr}`);
  return indexingRun(run, photos, batches, await watcher);
}

/**
 * [Note: this machine's floor] A bare Node process (`node -e 0`), median of 3: what any
 * command of any Node program pays here before its own code runs, so a start-up figure
 * can be read against it. Measured as the machine is, and also without
 * NODE_EXTRA_CA_CERTS when it is set: Node 20 then reads and parses that file's
 * certificates at every start, before any JavaScript (this project's machines point it at
 * the system's 144 certificates, ~40 ms a process here); most people's machines do not
 * set it. Every figure of the benchmark, Lantern's and the baseline's, is taken with the
 * environment as it is.
 */
export async function bareNodeStart(): Promise<{
  asIs: ProcessRun;
  withoutExtraCaCerts: ProcessRun | null;
}> {
  const median = (env: Record<string, string | undefined>) =>
    medianOf3(() => timedProcess(process.execPath, ['-e', '0'], env));
  return {
    asIs: await median({}),
    withoutExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS
      ? await median({ NODE_EXTRA_CA_CERTS: undefined })
      : null,
  };
}

/** A plain command of the CLI (status, search, index of an empty folder): time and peak RSS. */
/** The run of median wall time of 3 made by `run`, one after another (back to back). */
export async function medianOf3(run: () => Promise<ProcessRun>): Promise<ProcessRun> {
  const runs: ProcessRun[] = [];
  for (let i = 0; i < 3; i++) runs.push(await run());
  return runs.sort((a, b) => a.wallSeconds - b.wallSeconds)[1]!;
}

export async function lanternCommand(args: readonly string[]): Promise<ProcessRun> {
  return timedProcess(LANTERN, [...args]);
}
