/**
 * @file An IPC fuzz of every channel of the contract: 10 000 seeded hostile payloads
 * through a real engine service on the toy models (directly, as the browser shell and the
 * worker call it, and through the main process's ipc-router as Electron would), then 1 000
 * hostile WebSocket frames through the browser shell. Every answer must be a value or a
 * coded error with a sentence; nothing may throw, hang, pollute prototypes or write
 * outside the sandbox, and the service must still work afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserShell, type BrowserShell } from '../../electron/cli/serve.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { registerContractHandlers } from '../../electron/main/ipc-router.js';
import {
  CHANNELS,
  isChannel,
  isShellChannel,
  parseInput,
  type Channel,
  type EngineChannel,
  type JobSnapshot,
  type Result,
} from '../../electron/shared/contract.js';
import { ERROR_CODES, encodeError } from '../../electron/shared/errors.js';
import type { SearchAnswer } from '../../electron/shared/types.js';
import {
  hostileCalls,
  hostileFrame,
  hostilePaths,
  pathSweep,
  Rng,
  type FuzzPlaces,
} from '../fixtures/fuzz.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

/** Fixed so a failure reproduces from its index; LANTERN_FUZZ_SEED explores other runs. */
const SEED = Number(process.env.LANTERN_FUZZ_SEED ?? 0x1a7e57);
/** LANTERN_FUZZ_VERBOSE=1 prints the answers by code and every INTERNAL one (raw errors). */
const VERBOSE = process.env.LANTERN_FUZZ_VERBOSE !== undefined;
const PAYLOADS = 10_000;
const FRAMES = 1_000;
/** A call still unanswered after this long is a hang (a FIFO read, an endless device). */
const HANG_MS = 30_000;
/** Longest error sentence accepted: a path (≤ 4096) plus words, never an echoed megabyte. */
const MAX_MESSAGE = 10_000;

/**
 * How many calls that pass validation each heavy channel may make: the fuzz is about
 * hostile input, and a few real jobs are enough to cover the paths behind validation.
 */
const REAL_WORK_CAP: Partial<Record<Channel, number>> = {
  'settings:set': 8,
  'models:fetch': 3,
  // The service reads a folder's models.json before keeping it in the settings.
  'models:useFolder': 6,
  'library:addRoots': 6,
  'library:reindex': 4,
  'library:removeRoot': 10,
  'search:query': 60,
  'search:similar': 20,
  'scenes:find': 20,
  'clip:export': 6,
  'tags:run': 4,
  'tags:decide': 10,
  'vision:detect': 20,
  'vision:segment': 20,
  'vision:export': 10,
  // A valid call may name a library photo (the sweep's paths): moving it to the trash
  // would take it from the checks after the fuzz. test/integration/duplicates.test.ts
  // moves files to a temporary trash.
  'duplicates:trash': 0,
};

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** What is wrong with an answer, or null when it is a value or a coded error. */
function problemWith(answer: unknown): string | null {
  if (answer === 'hang') return 'hung';
  if (typeof answer !== 'object' || answer === null) return 'not an object';
  if ('threw' in answer) return `threw ${String(answer.threw)}`;
  const result = answer as { ok?: unknown; value?: unknown; error?: unknown };
  if (result.ok === true) return 'value' in result ? null : 'ok without a value';
  if (result.ok !== false) return 'neither ok nor failed';
  const error = result.error as { code?: unknown; message?: unknown } | undefined;
  if (typeof error?.code !== 'string' || !KNOWN_CODES.has(error.code))
    return `unknown code ${String(error?.code)}`;
  if (typeof error.message !== 'string' || error.message.trim() === '') return 'no sentence';
  if (/\n\s+at /.test(error.message)) return 'a stack trace in the message';
  if (error.message.length > MAX_MESSAGE) return `a ${error.message.length}-character message`;
  return null;
}

function describeCall(channel: unknown, input: unknown): string {
  const show = (value: unknown) => {
    try {
      return (JSON.stringify(value) ?? String(value)).slice(0, 200);
    } catch {
      return '[unprintable]';
    }
  };
  return `${show(channel)} ${show(input)}`;
}

async function withinHangLimit<T>(work: Promise<T>): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>(
    (resolve) => (timer = setTimeout(() => resolve('hang'), HANG_MS)),
  );
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** The answer, `{ threw }` when the call rejected, or 'hang'. */
async function answerOf(work: Promise<unknown>): Promise<unknown> {
  try {
    return await withinHangLimit(work);
  } catch (error) {
    return { threw: String(error) };
  }
}

function codeOf(answer: unknown): string {
  const result = answer as { ok?: unknown; error?: { code?: unknown } } | null;
  return result?.ok === true ? 'ok' : String(result?.error?.code);
}

const FINISHED = ['done', 'failed', 'cancelled'];

async function jobsOf(service: LanternService): Promise<JobSnapshot[]> {
  return ((await service.invoke('jobs:list', {})) as { value: JobSnapshot[] }).value;
}

/** Let every job finish (resuming those the fuzz paused), up to the hang limit. */
async function jobsSettled(service: LanternService): Promise<void> {
  const deadline = Date.now() + HANG_MS;
  for (;;) {
    const open = (await jobsOf(service)).filter((job) => !FINISHED.includes(job.state));
    if (open.length === 0 || Date.now() > deadline) return;
    for (const job of open)
      if (job.state === 'paused') await service.invoke('jobs:resume', { id: job.id });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the contract boundary', () => {
  // The fuzz's first findings, pinned one by one.
  it('refuses names that are not channels, prototype names included, without throwing', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'nope:never', 'x'.repeat(1 << 20)])
      expect(parseInput(name as Channel, {})).toMatchObject({
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: expect.stringMatching(/^There is no channel/) as string,
        },
      });
    expect(JSON.stringify(parseInput('x'.repeat(1 << 20) as Channel, {})).length).toBeLessThan(300);
  });

  it('names unknown fields without repeating a megabyte-long key', () => {
    const result = parseInput('app:info', { ['k'.repeat(1 << 20)]: 1, b: 2, c: 3, d: 4 });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    if (!result.ok) {
      expect(result.error.message.length).toBeLessThan(300);
      expect(result.error.message).toMatch(/unexpected fields "k+…", "b", "c" and 1 more\.$/);
    }
  });

  it('refuses NUL in paths and control characters or megabytes in model ids', () => {
    for (const [channel, input] of [
      ['library:addRoots', { paths: ['/tmp/a\0b'] }],
      [
        'clip:export',
        { path: '/v.mp4', ranges: [{ start: 0, end: 1 }], mode: 'fast', outDir: '/o\0' },
      ],
      ['settings:set', { model: 'toy-clip\0' }],
      ['models:fetch', { id: 'x'.repeat(1 << 20) }],
    ] as const)
      expect(parseInput(channel, input)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT' },
      });
    expect(parseInput('settings:set', { model: 'toy-clip' }).ok).toBe(true);
    // A drive path on Linux or macOS would land in the working directory.
    if (process.platform !== 'win32')
      expect(parseInput('media:reveal', { path: 'C:\\Users\\x.jpg' }).ok).toBe(false);
  });

  it('encodes anything thrown as a bounded, non-empty sentence', () => {
    for (const thrown of [new Error(''), {}, undefined, null, 42, new Error('x'.repeat(1 << 20))]) {
      const { code, message } = encodeError(thrown);
      expect(code).toBe('INTERNAL');
      expect(message.trim()).not.toBe('');
      expect(message).not.toBe('[object Object]');
      expect(message.length).toBeLessThanOrEqual(2001);
    }
    expect(encodeError({ message: 'plain object' }).message).toBe('plain object');
  });

  it("turns Node's system errors about a person's path into codes and sentences", async () => {
    const { mkdir, stat } = await import('node:fs/promises');
    const failure = (work: Promise<unknown>) => work.then(() => null, encodeError);
    expect(await failure(mkdir('/etc/passwd', { recursive: true }))).toEqual({
      code: 'INVALID_INPUT',
      message: '/etc/passwd is (or lies under) a file, not a folder; choose a folder.',
    });
    expect(await failure(stat('/nonexistent-lantern/x'))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await failure(mkdir(`/tmp/${'n'.repeat(300)}`))).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/too long for this system/) as string,
    });
    // Anything else stays INTERNAL, with Node's own words.
    const odd = Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
    expect(encodeError(odd)).toEqual({ code: 'INTERNAL', message: 'EMFILE: too many open files' });
  });
});

describe('IPC fuzz', () => {
  let places: FuzzPlaces;
  let db: string;
  let cwd: string;
  let previousCwd: string;
  let service: LanternService;

  beforeAll(async () => {
    const sandbox = await tempDir('lantern-fuzz-');
    const photos = path.join(sandbox, 'photos');
    await mkdir(photos);
    for (const colour of ['red', 'green', 'blue'] as const) await writePhoto(photos, { colour });
    // Named like a photo and left inside the library folder on purpose.
    const fifo = path.join(photos, 'fifo.jpg');
    execFileSync('mkfifo', [fifo]);
    const outDir = path.join(sandbox, 'clips');
    await mkdir(outDir);
    places = {
      sandbox,
      photos,
      photo: path.join(photos, 'red.jpg'),
      fifo,
      outDir,
      toyModelsDir: inject('toyModelsDir'),
    };
    db = path.join(sandbox, 'db');
    // Relative paths are refused by the contract; if one slipped through it would land here.
    cwd = path.join(sandbox, 'cwd');
    await mkdir(cwd);
    previousCwd = process.cwd();
    process.chdir(cwd);
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      // Downloads land in the sandbox; the shared toy models are only read.
      modelsDir: path.join(sandbox, 'models'),
      extraModelDirs: [places.toyModelsDir],
      modelId: 'toy-clip',
    });
  });

  afterAll(async () => {
    await service.close();
    process.chdir(previousCwd);
    await removeDir(places.sandbox);
  });

  it('answers 10 000 hostile payloads on every channel with a value or a coded error', async () => {
    const realWork = new Map<string, number>();
    const admit = ({ channel, input }: { channel: unknown; input: unknown }) => {
      if (!isChannel(channel)) return true;
      const cap = REAL_WORK_CAP[channel];
      if (cap === undefined || !parseInput(channel, input).ok) return true;
      const used = realWork.get(channel) ?? 0;
      realWork.set(channel, used + 1);
      return used < cap;
    };
    // Electron's ipcMain, as far as the router uses it: one handler per contract channel.
    const ipcHandlers = new Map<string, (event: unknown, input: unknown) => Promise<unknown>>();
    registerContractHandlers(
      {
        handle: (channel, listener) => ipcHandlers.set(channel, listener),
        removeHandler: () => {},
      },
      {
        isTrustedSender: () => true,
        engine: service,
        shell: {
          'dialog:pickFolders': () => Promise.resolve({ ok: true, value: [places.photos] }),
          'media:reveal': () => Promise.resolve({ ok: true, value: null }),
        },
      },
    );
    const transport = new Rng(SEED + 1);
    const call = (channel: unknown, input: unknown): Promise<Result<unknown>> => {
      // Electron answers an unregistered channel itself; the worker host and the browser
      // shell hand any name to the service, which must refuse it.
      if (!isChannel(channel)) return service.invoke(channel as EngineChannel, input);
      const viaIpc = isShellChannel(channel) || transport.chance(0.25);
      const handler = ipcHandlers.get(channel);
      return viaIpc && handler
        ? (handler({}, input) as Promise<Result<unknown>>)
        : service.invoke(channel as EngineChannel, input);
    };

    const problems: string[] = [];
    // Jobs answer later, in their snapshots: their errors are held to the same rule.
    const stopWatchingJobs = service.on('job:progress', (job) => {
      if (job.error === null) return;
      const problem = problemWith({ ok: false, error: job.error });
      if (problem) problems.push(`${job.kind} job ${job.label.slice(0, 200)}: ${problem}`);
      if (VERBOSE && job.state === 'failed')
        console.info(`${job.kind} job ${job.label.slice(0, 200)} →`, JSON.stringify(job.error));
    });
    const channelsSeen = new Set<unknown>();
    const codes = new Map<string, number>();
    let index = 0;
    const sweep = pathSweep(places);
    const calls = [...sweep, ...hostileCalls(SEED, PAYLOADS - sweep.length, places, admit)];
    for (const { channel, input } of calls) {
      index++;
      channelsSeen.add(channel);
      // A settings change that reopens the library closes it under a running job (reported
      // to the lead); wait for the jobs so the fuzz never leaves one stuck on a closed store.
      if (channel === 'settings:set' && parseInput(channel, input).ok) await jobsSettled(service);
      const answer = await answerOf(call(channel, input));
      const problem = problemWith(answer);
      if (problem) problems.push(`#${index} ${describeCall(channel, input)}: ${problem}`);
      const code = codeOf(answer);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (VERBOSE && code === 'INTERNAL')
        console.info(`#${index} ${describeCall(channel, input)} →`, JSON.stringify(answer));
    }
    if (VERBOSE) console.info('answers by code:', Object.fromEntries(codes));
    expect(index).toBe(PAYLOADS);
    expect(problems.slice(0, 20)).toEqual([]);
    // Every channel of the contract was fuzzed, most answers were refusals, and some
    // calls got through to real work.
    for (const channel of CHANNELS) expect(channelsSeen).toContain(channel);
    expect(codes.get('INVALID_INPUT') ?? 0).toBeGreaterThan(PAYLOADS / 2);
    expect(codes.get('ok') ?? 0).toBeGreaterThan(100);
    // Jobs the fuzz started end cleanly: cancel whatever is left and wait for it.
    for (const job of await jobsOf(service))
      if (!FINISHED.includes(job.state)) await service.invoke('jobs:cancel', { id: job.id });
    await jobsSettled(service);
    stopWatchingJobs();
    expect((await jobsOf(service)).filter((job) => !FINISHED.includes(job.state))).toEqual([]);
    expect(problems.slice(0, 20)).toEqual([]);
  }, 300_000);

  it('leaves no prototype polluted and the service still answers', async () => {
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
    expect(([] as unknown as { polluted?: unknown }).polluted).toBeUndefined();
    // The fuzz may have pointed the settings at a model that does not exist; set them back.
    const restored = await service.invoke('settings:set', { model: 'toy-clip', provider: 'cpu' });
    expect(restored).toMatchObject({ ok: true, value: { model: 'toy-clip' } });
    expect(await service.invoke('library:status', {})).toMatchObject({
      ok: true,
      value: { model: 'toy-clip' },
    });
    // Index the photos for certain (the fuzz may have removed the folder), then search.
    const started = await service.invoke('library:addRoots', { paths: [places.photos] });
    expect(started.ok).toBe(true);
    const id = (started as { value: JobSnapshot }).value.id;
    await jobsSettled(service);
    expect((await jobsOf(service)).find((job) => job.id === id)?.state).toBe('done');
    const found = await service.invoke('search:query', { query: 'blue', noCutoff: true });
    expect(found.ok).toBe(true);
    expect((found as { value: SearchAnswer }).value.results[0]?.path).toBe(
      path.join(places.photos, 'blue.jpg'),
    );
  });

  it('writes nothing outside the sandbox and nothing into its working directory', async () => {
    expect(await readdir(cwd)).toEqual([]);
    // Only folders the test made, or that the fuzz named as paths inside the sandbox (an
    // export may create its output folder), appear there.
    const named = hostilePaths(places)
      .filter((p): p is string => typeof p === 'string' && p.startsWith(places.sandbox + '/'))
      .map((p) => p.slice(places.sandbox.length + 1).split('/')[0]);
    const made = ['photos', 'clips', 'cwd', 'db', 'models', ...named];
    expect((await readdir(places.sandbox)).filter((name) => !made.includes(name))).toEqual([]);
    // The photo folder holds what the test put there, and nothing the fuzz wrote but
    // vision:export's files beside a photo (its contract: red.annotated.png, red.crop-red-2.jpg).
    const exported = /^(blue|green|red)\.[a-z-]+(-\d+)?\.(png|jpg)$/;
    expect((await readdir(places.photos)).filter((name) => !exported.test(name)).sort()).toEqual([
      'blue.jpg',
      'fifo.jpg',
      'green.jpg',
      'red.jpg',
    ]);
  });

  describe('over the browser shell', () => {
    let shell: BrowserShell;
    let renderer: string;

    beforeAll(async () => {
      renderer = path.join(places.sandbox, 'renderer');
      await mkdir(renderer);
      await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Lantern</title>');
      process.env.LANTERN_RENDERER_DIR = renderer;
      shell = await startBrowserShell(service);
    });

    afterAll(async () => {
      await shell.close();
      delete process.env.LANTERN_RENDERER_DIR;
    });

    it('answers 1 000 hostile WebSocket frames with coded errors and stays up', async () => {
      const url = new URL(shell.url);
      const ws = await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(
          `${url.origin.replace('http', 'ws')}/ws?token=${url.searchParams.get('token')}`,
        );
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
      const replies: unknown[] = [];
      let wake: (() => void) | undefined;
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { event?: string };
        if (message.event) return; // pushed events are not answers
        replies.push(message);
        wake?.();
      });
      const reply = async (frame: string): Promise<unknown> => {
        const before = replies.length;
        ws.send(frame);
        const deadline = Date.now() + HANG_MS;
        while (replies.length === before && Date.now() < deadline)
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 50);
          });
        return replies[before] ?? 'hang';
      };

      const rng = new Rng(SEED + 2);
      const problems: string[] = [];
      for (let i = 0; i < FRAMES; i++) {
        const frame = hostileFrame(rng, places);
        const answer = await reply(frame);
        const problem = problemWith(
          answer === 'hang' ? answer : (answer as { result?: unknown }).result,
        );
        if (problem) problems.push(`#${i} ${frame.slice(0, 120)}: ${problem}`);
      }
      expect(problems.slice(0, 20)).toEqual([]);
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      // Still up, on the same socket and on a new one.
      const status = (await reply(
        JSON.stringify({ id: 'last', channel: 'library:status', input: {} }),
      )) as {
        result: unknown;
      };
      expect(status.result).toMatchObject({ ok: true });
      ws.close();
      expect((await fetch(shell.url)).status).toBe(200);
    });
  });
});
