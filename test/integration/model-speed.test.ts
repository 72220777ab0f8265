/**
 * @file A model's speed on this machine, measured once ([Note: measured once] in
 * engine/models/model-speed.ts): the registry's toy CLIP model is "not measured" until
 * timed, then `<id>.speed.json` holds positive figures that read back until the model's
 * files change; and a download through the engine service (LANTERN_CATALOG at a local
 * HTTP server) times the model after verifying it, so `models:list` carries its languages
 * and measured speed. No timing bound is asserted: only that a figure was measured.
 * Runs in vitest (plain Node).
 */
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot, ModelSummary } from '../../electron/shared/contract.js';
import { ModelRegistry } from '../../electron/engine/models/registry.js';
import {
  measureModelSpeed,
  speedFilePath,
  storedSpeed,
} from '../../electron/engine/models/model-speed.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { generateToyModels, TOY_CLIP_ID } from '../toy-models/generate.js';

let toysDir: string;

beforeAll(async () => {
  toysDir = await tempDir();
  await generateToyModels(toysDir);
});

afterAll(() => removeDir(toysDir));

describe('measuring a model once', () => {
  it('is "not measured" until timed, then stores positive figures that read back', async () => {
    const modelsDir = await tempDir();
    try {
      const registry = await ModelRegistry.load({ modelsDir, extraDirs: [toysDir] });
      const info = registry.list().find((m) => m.id === TOY_CLIP_ID);
      expect(info).toMatchObject({ installed: true, languages: ['en'] });
      const entry = registry.get(TOY_CLIP_ID);
      expect(await storedSpeed(toysDir, entry)).toBeNull();

      const speed = await measureModelSpeed(await registry.resolveClip(TOY_CLIP_ID), {
        provider: 'cpu',
      });
      expect(speed.imagesPerSecond).toBeGreaterThan(0);
      expect(speed.textMs).toBeGreaterThan(0);
      expect(speed.provider).toBe('cpu');
      expect(Number.isNaN(Date.parse(speed.measuredAt))).toBe(false);

      const file = speedFilePath(toysDir, TOY_CLIP_ID);
      expect((await stat(file)).size).toBeGreaterThan(0);
      expect(await storedSpeed(toysDir, entry)).toEqual(speed);

      // The model replaced in place: the old figure no longer describes it.
      if (entry.task !== 'clip') throw new Error('toy-clip must be a CLIP model');
      const vision = path.join(toysDir, entry.files.vision.path);
      const later = new Date(Date.now() + 60_000);
      await utimes(vision, later, later);
      expect(await storedSpeed(toysDir, entry)).toBeNull();
    } finally {
      await removeDir(modelsDir);
    }
  });
});

describe('a download through the service', () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const file = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
      readFile(path.join(toysDir, file)).then(
        (body) => res.writeHead(200, { 'Content-Length': body.length }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('times the model after verifying it, and models:list carries languages and the speed', async () => {
    const [db, modelsDir, catalogDir] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    const previous = process.env['LANTERN_CATALOG'];
    let service: LanternService | null = null;
    try {
      const toys = JSON.parse(await readFile(path.join(toysDir, 'models.json'), 'utf8')) as {
        models: { id: string; files: Record<string, { path: string }> }[];
      };
      const toy = toys.models.find((m) => m.id === TOY_CLIP_ID);
      if (!toy) throw new Error('the toy model is missing from the generated models.json');
      const files = Object.fromEntries(
        Object.entries(toy.files).map(([role, file]) => [
          role,
          { ...file, path: path.basename(file.path), url: `${baseUrl}/${file.path}` },
        ]),
      );
      const catalog = { version: 1, models: [{ ...toy, hidden: false, files }] };
      const catalogPath = path.join(catalogDir, 'catalog.json');
      await writeFile(catalogPath, JSON.stringify(catalog));
      process.env['LANTERN_CATALOG'] = catalogPath;

      service = await LanternService.create({ shell: 'browser', dbDir: db, modelsDir });
      const events: JobSnapshot[] = [];
      service.on('job:progress', (job) => events.push(job));
      const call = async <T>(channel: string, input: unknown): Promise<T> => {
        const result = await service!.invoke(channel as 'models:list', input);
        if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
        return result.value as T;
      };
      const list = async (): Promise<ModelSummary> => {
        const models = await call<ModelSummary[]>('models:list', {});
        const found = models.find((m) => m.id === TOY_CLIP_ID);
        if (!found) throw new Error('the catalog model is not listed');
        return found;
      };
      expect(await list()).toMatchObject({ installed: false, measuredSpeed: null });

      const started = await call<JobSnapshot>('models:fetch', { id: TOY_CLIP_ID });
      const ended = (j: JobSnapshot) => ['done', 'failed', 'cancelled'].includes(j.state);
      const end = Date.now() + 60_000;
      while (!events.some((j) => j.id === started.id && ended(j))) {
        if (Date.now() > end) throw new Error('the download did not finish');
        await new Promise((r) => setTimeout(r, 20));
      }
      const last = events.filter((j) => j.id === started.id).at(-1);
      expect(last?.state).toBe('done');

      const listed = await list();
      expect(listed.installed).toBe(true);
      expect(listed.languages).toEqual(['en']);
      expect(listed.measuredSpeed?.imagesPerSecond).toBeGreaterThan(0);
      expect(listed.measuredSpeed?.textMs).toBeGreaterThan(0);
      const file = speedFilePath(path.join(modelsDir, TOY_CLIP_ID), TOY_CLIP_ID);
      expect((await stat(file)).size).toBeGreaterThan(0);
    } finally {
      await service?.close();
      if (previous === undefined) delete process.env['LANTERN_CATALOG'];
      else process.env['LANTERN_CATALOG'] = previous;
      await Promise.all([removeDir(db), removeDir(modelsDir), removeDir(catalogDir)]);
    }
  });
});
