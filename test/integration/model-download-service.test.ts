/**
 * @file Downloading a model through the engine service, as the app does: a catalog given
 * by LANTERN_CATALOG lists the toy CLIP model at a local HTTP server (node:http,
 * 127.0.0.1, random port) that serves the generated toy files and can fail on cue. Proves
 * `models:fetch` progress (bytes of the whole model), a failure with its reason, the
 * partly downloaded size after a restart, a retry that resumes with a Range request, the
 * checksum verified, and `app:info` ready with the model's id; and pause as "stop the
 * stream, continue from the same byte", and cancel. Runs in vitest (plain Node).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobSnapshot, ModelSummary } from '../../electron/shared/contract.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { generateToyModels, TOY_CLIP_ID } from '../toy-models/generate.js';

/** What the server does with the next request for a file; plain serving when none is planned. */
type Step =
  | { kind: 'status'; status: number }
  /** Send `bytes` (from where the request starts), then hold until `release` settles; 'cut' drops the connection. */
  | { kind: 'hold'; bytes: number; release: Promise<'cut' | 'finish'> };

interface Seen {
  file: string;
  range: string | undefined;
}

let toysDir: string;
let server: Server;
let baseUrl: string;
const plans = new Map<string, Step[]>();
const seen: Seen[] = [];
/** Responses held open, so the test can wait until a paused download let go of one. */
const closed: string[] = [];

beforeAll(async () => {
  toysDir = await tempDir();
  await generateToyModels(toysDir);
  server = createServer((req, res) => {
    void (async () => {
      const file = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
      seen.push({ file, range: req.headers.range });
      const step = plans.get(file)?.shift();
      if (step?.kind === 'status') {
        res.writeHead(step.status).end('failing on purpose');
        return;
      }
      const body = await readFile(path.join(toysDir, file));
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const head = { 'Content-Length': body.length - start, 'Accept-Ranges': 'bytes' };
      if (range) {
        const contentRange = `bytes ${start}-${body.length - 1}/${body.length}`;
        res.writeHead(206, { ...head, 'Content-Range': contentRange });
      } else res.writeHead(200, head);
      if (step?.kind === 'hold') {
        res.on('close', () => closed.push(file));
        res.write(body.subarray(start, start + step.bytes));
        if ((await step.release) === 'cut') {
          res.destroy();
          return;
        }
        if (!res.destroyed) res.end(body.subarray(start + step.bytes));
        return;
      }
      res.end(body.subarray(start));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await removeDir(toysDir);
});

async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function released(): {
  promise: Promise<'cut' | 'finish'>;
  settle: (how: 'cut' | 'finish') => void;
} {
  let settle!: (how: 'cut' | 'finish') => void;
  const promise = new Promise<'cut' | 'finish'>((resolve) => (settle = resolve));
  return { promise, settle };
}

describe('downloading a model through the service (LANTERN_CATALOG, local server)', () => {
  let db: string;
  let modelsDir: string;
  let catalogDir: string;
  let sizes: { vision: number; text: number };
  let services: LanternService[];
  let events: JobSnapshot[];
  const previousCatalog = process.env['LANTERN_CATALOG'];

  beforeEach(async () => {
    [db, modelsDir, catalogDir] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    // The toy model as a downloadable catalog entry: its files at the server, with their
    // sizes and SHA-256 as generated.
    const toys = JSON.parse(await readFile(path.join(toysDir, 'models.json'), 'utf8')) as {
      models: { id: string; files: Record<string, { path: string; size: number }> }[];
    };
    const toy = toys.models.find((m) => m.id === TOY_CLIP_ID);
    if (!toy) throw new Error('the toy model is missing from the generated models.json');
    const files = Object.fromEntries(
      Object.entries(toy.files).map(([role, file]) => [
        role,
        { ...file, path: path.basename(file.path), url: `${baseUrl}/${file.path}` },
      ]),
    );
    sizes = { vision: toy.files['vision']?.size ?? 0, text: toy.files['text']?.size ?? 0 };
    const catalog = { version: 1, models: [{ ...toy, hidden: false, files }] };
    const catalogPath = path.join(catalogDir, 'catalog.json');
    await writeFile(catalogPath, JSON.stringify(catalog));
    process.env['LANTERN_CATALOG'] = catalogPath;
    plans.clear();
    seen.length = 0;
    closed.length = 0;
    services = [];
    events = [];
  });

  afterEach(async () => {
    for (const service of services) await service.close();
    if (previousCatalog === undefined) delete process.env['LANTERN_CATALOG'];
    else process.env['LANTERN_CATALOG'] = previousCatalog;
    await Promise.all([removeDir(db), removeDir(modelsDir), removeDir(catalogDir)]);
  });

  /** Start (or restart) the service on the same folders, recording every job event. */
  async function start(): Promise<LanternService> {
    const service = await LanternService.create({ shell: 'browser', dbDir: db, modelsDir });
    service.on('job:progress', (job) => events.push(job));
    services.push(service);
    return service;
  }

  async function call<T>(service: LanternService, channel: string, input: unknown): Promise<T> {
    const result = await service.invoke(channel as 'models:list', input);
    if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
    return result.value as T;
  }

  const toyIn = async (service: LanternService): Promise<ModelSummary> => {
    const models = await call<ModelSummary[]>(service, 'models:list', {});
    const found = models.find((m) => m.id === TOY_CLIP_ID);
    if (!found) throw new Error('the catalog model is not listed');
    return found;
  };

  /**
   * Wait until `bytes` of the vision file are on disk (progress events are throttled, so
   * the `.part` file is what says the bytes arrived).
   */
  const partHolds = (bytes: number) =>
    until(async () => {
      const part = path.join(modelsDir, TOY_CLIP_ID, 'vision_model.onnx.part');
      const size = (await stat(part).catch(() => null))?.size;
      return size === bytes ? true : undefined;
    }, `${bytes} bytes on disk`);

  const ended = (id: string) => () =>
    events.find((j) => j.id === id && ['done', 'failed', 'cancelled'].includes(j.state));

  it('downloads with progress, fails with its reason, survives a restart, resumes with Range on retry, verifies and makes the model ready', async () => {
    const visionFile = `${TOY_CLIP_ID}/vision_model.onnx`;
    const textFile = `${TOY_CLIP_ID}/text_model.onnx`;
    const cut = released();
    const half = Math.floor(sizes.vision / 2);
    plans.set(visionFile, [{ kind: 'hold', bytes: half, release: cut.promise }]);
    plans.set(textFile, [{ kind: 'status', status: 500 }]);

    let service = await start();
    expect(await service.invoke('app:info', {})).toMatchObject({ value: { ready: false } });
    const listed = await toyIn(service);
    expect(listed).toMatchObject({ installed: false, partialBytes: null, verified: true });
    expect(listed.sizeBytes).toBe(sizes.vision + sizes.text);

    // 1. The connection drops in the middle of the first file.
    const first = await call<JobSnapshot>(service, 'models:fetch', { id: TOY_CLIP_ID });
    expect(first).toMatchObject({ kind: 'download', label: TOY_CLIP_ID });
    const moving = await until(
      () => events.find((j) => j.id === first.id && (j.progress?.done ?? 0) > 0),
      'bytes arriving',
    );
    // Progress counts bytes of the whole model, with a rate.
    expect(moving.progress).toMatchObject({ total: sizes.vision + sizes.text });
    expect(moving.progress?.rate).toBeGreaterThanOrEqual(0);
    await partHolds(half);
    cut.settle('cut');
    const dropped = await until(ended(first.id), 'the failed download');
    expect(dropped.state).toBe('failed');
    expect(dropped.error?.message).toMatch(/closed in the middle of vision_model\.onnx/);
    expect(dropped.error?.message).not.toMatch(/--models|lantern models/);

    // 2. After a restart the list says how much is there, and Download continues it.
    await service.close();
    services = [];
    events = []; // job ids start again at job-1 in a new process
    service = await start();
    expect((await toyIn(service)).partialBytes).toBe(half);

    const second = await call<JobSnapshot>(service, 'models:fetch', { id: TOY_CLIP_ID });
    const failed = await until(ended(second.id), 'the HTTP 500');
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect(failed.error?.message).toMatch(/answered HTTP 500 for text_model\.onnx/);
    // The first file resumed where the cut left it.
    expect(seen.filter((s) => s.file === visionFile).map((s) => s.range)).toEqual([
      undefined,
      `bytes=${half}-`,
    ]);

    // 3. Retry: the second file now arrives, the checksum is verified, the model is ready.
    const third = await call<JobSnapshot>(service, 'models:fetch', { id: TOY_CLIP_ID });
    const done = await until(ended(third.id), 'the finished download');
    expect(done).toMatchObject({ state: 'done', verified: true, error: null });
    expect(events.some((j) => j.id === third.id && j.progress?.phase === 'verifying')).toBe(true);
    expect(await service.invoke('app:info', {})).toMatchObject({
      ok: true,
      value: { ready: true, model: TOY_CLIP_ID },
    });
    expect(await toyIn(service)).toMatchObject({ installed: true, partialBytes: null });
  });

  it('pauses by dropping the stream and resumes from the same byte', async () => {
    const visionFile = `${TOY_CLIP_ID}/vision_model.onnx`;
    const held = released();
    const some = Math.floor(sizes.vision / 3);
    plans.set(visionFile, [{ kind: 'hold', bytes: some, release: held.promise }]);
    const service = await start();

    const job = await call<JobSnapshot>(service, 'models:fetch', { id: TOY_CLIP_ID });
    await partHolds(some);
    expect(await call<JobSnapshot>(service, 'jobs:pause', { id: job.id })).toMatchObject({
      state: 'paused',
    });
    // Paused means the request is let go of, not left hanging on the server.
    await until(() => (closed.includes(visionFile) ? true : undefined), 'the stream to stop');
    held.settle('finish');
    expect((await toyIn(service)).partialBytes).toBe(some);
    // Download again while paused: the same job, not a second stream into the same file.
    const again = await call<JobSnapshot>(service, 'models:fetch', { id: TOY_CLIP_ID });
    expect(again.id).toBe(job.id);

    await call<JobSnapshot>(service, 'jobs:resume', { id: job.id });
    const done = await until(ended(job.id), 'the resumed download');
    expect(done).toMatchObject({ state: 'done', verified: true });
    expect(seen.filter((s) => s.file === visionFile).map((s) => s.range)).toEqual([
      undefined,
      `bytes=${some}-`,
    ]);
  });

  it('"Use folder" says how many models a folder holds, or why it cannot use it', async () => {
    delete process.env['LANTERN_CATALOG']; // the bundled catalog: the toy folder adds to it
    const service = await start();
    const refused = await service.invoke('models:useFolder', { path: catalogDir });
    expect(refused).toMatchObject({ ok: false, error: { code: 'MODEL_INVALID' } });
    expect(!refused.ok && refused.error.message).toMatch(/has no models\.json/);
    const missing = await service.invoke('models:useFolder', { path: `${catalogDir}-gone` });
    expect(!missing.ok && missing.error.message).toMatch(/^There is no folder at /);
    const used = await call<{ found: number }>(service, 'models:useFolder', { path: toysDir });
    expect(used.found).toBe(5); // toy-clip, toy-clip-gap, toy-clip-i18n, toy-detect, toy-segment
  });

  it('cancels a download and lists what arrived as partly downloaded', async () => {
    const visionFile = `${TOY_CLIP_ID}/vision_model.onnx`;
    const held = released();
    const some = Math.floor(sizes.vision / 4);
    plans.set(visionFile, [{ kind: 'hold', bytes: some, release: held.promise }]);
    const service = await start();

    const job = await call<JobSnapshot>(service, 'models:fetch', { id: TOY_CLIP_ID });
    await partHolds(some);
    await call<JobSnapshot>(service, 'jobs:cancel', { id: job.id });
    expect(await until(ended(job.id), 'the cancelled download')).toMatchObject({
      state: 'cancelled',
    });
    held.settle('finish');
    expect(await toyIn(service)).toMatchObject({ installed: false, partialBytes: some });
    expect(await service.invoke('app:info', {})).toMatchObject({ value: { ready: false } });
  });
});
