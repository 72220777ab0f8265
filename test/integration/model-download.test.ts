/**
 * @file Model download and registry, end to end against a real HTTP server on 127.0.0.1
 * (node:http, random port, Range support) and real temporary folders: full download,
 * resume after cancel, a server that ignores Range, a bad checksum, an unreachable host,
 * and how the registry lists, resolves and refuses models. Runs in vitest (plain Node).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LanternError } from '../../electron/shared/errors.js';
import { downloadModel } from '../../electron/engine/models/download.js';
import type { DownloadProgress } from '../../electron/engine/models/download.js';
import type { ClipModel, ModelFile } from '../../electron/engine/models/manifest.js';
import { ModelRegistry } from '../../electron/engine/models/registry.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** A generated "model file": 1 MiB, sent in 64 KiB chunks so a download can be cut midway. */
const BODY = randomBytes(1024 * 1024);
const CHUNK = 64 * 1024;

interface ServerState {
  ignoreRange: boolean;
  requests: IncomingHttpHeaders[];
}

const state: ServerState = { ignoreRange: false, requests: [] };
let server: Server;
let baseUrl: string;
let tmp: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    state.requests.push(req.headers);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (range && !state.ignoreRange) {
      start = Number(range[1]);
      if (start >= BODY.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${BODY.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'Content-Length': BODY.length - start,
        'Content-Range': `bytes ${start}-${BODY.length - 1}/${BODY.length}`,
      });
    } else {
      res.writeHead(200, { 'Content-Length': BODY.length, 'Accept-Ranges': 'bytes' });
    }
    // Paced writes: the client sees many chunks, so cancelling midway is deterministic.
    let offset = start;
    const pump = (): void => {
      if (res.destroyed) return;
      if (offset >= BODY.length) {
        res.end();
        return;
      }
      res.write(BODY.subarray(offset, offset + CHUNK));
      offset += CHUNK;
      setTimeout(pump, 5);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  state.ignoreRange = false;
  state.requests = [];
  tmp = await mkdtemp(path.join(tmpdir(), 'lantern-models-'));
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A CLIP entry whose two files are both served by the local server. */
function entry(
  overrides: { vision?: Partial<ModelFile>; text?: Partial<ModelFile>; url?: string } = {},
): ClipModel {
  const file = (name: string, extra?: Partial<ModelFile>): ModelFile => ({
    path: `${name}.onnx`,
    url: `${overrides.url ?? baseUrl}/${name}.onnx`,
    size: BODY.length,
    sha256: sha256(BODY),
    ...extra,
  });
  return {
    id: 'test-clip',
    name: 'Test CLIP',
    task: 'clip',
    description: '',
    license: 'MIT',
    source: '',
    hidden: true,
    embeddingSize: 4,
    languages: ['en'],
    files: { vision: file('vision', overrides.vision), text: file('text', overrides.text) },
    vision: {
      size: 8,
      resize: 'shortest-crop',
      interpolation: 'bicubic',
      rescale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      input: 'pixel_values',
      output: 'image_embeds',
    },
    text: {
      tokenizer: 'clip-bpe',
      clean: 'none',
      contextLength: 77,
      input: 'input_ids',
      attentionMask: null,
      output: 'text_embeds',
      padToken: 49407,
      padding: 'longest',
    },
  };
}

/** Write a folder model (its own models.json) so the registry loads `model` from `dir`. */
async function writeFolderManifest(dir: string, model: ClipModel): Promise<void> {
  await writeFile(path.join(dir, 'models.json'), JSON.stringify({ version: 1, models: [model] }));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LanternError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('downloadModel', () => {
  it('downloads every file with progress, checks it and installs it', async () => {
    const events: DownloadProgress[] = [];
    const results = await downloadModel(entry(), tmp, { onProgress: (p) => events.push(p) });
    expect(results.map((r) => [r.file, r.skipped, r.verified])).toEqual([
      ['vision.onnx', false, true],
      ['text.onnx', false, true],
    ]);
    for (const name of ['vision.onnx', 'text.onnx']) {
      expect(sha256(await readFile(path.join(tmp, name)))).toBe(sha256(BODY));
      expect(existsSync(path.join(tmp, `${name}.part`))).toBe(false);
      expect(existsSync(path.join(tmp, `${name}.verified`))).toBe(true);
    }
    const vision = events.filter((e) => e.file === 'vision.onnx');
    expect(vision.length).toBeGreaterThan(1);
    expect(vision.at(-1)).toMatchObject({ received: BODY.length, total: BODY.length });
    expect(vision.every((e) => e.bytesPerSecond >= 0)).toBe(true);

    // Installed and verified files are skipped: nothing is requested again.
    state.requests = [];
    const again = await downloadModel(entry(), tmp);
    expect(again.every((r) => r.skipped)).toBe(true);
    expect(state.requests).toHaveLength(0);
  });

  it('keeps the .part when cancelled and resumes it with a Range request', async () => {
    const controller = new AbortController();
    const cut = downloadModel(entry(), tmp, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.received > 0 && p.received < BODY.length) controller.abort();
      },
    });
    expect(await codeOf(cut)).toBe('CANCELLED');
    const part = path.join(tmp, 'vision.onnx.part');
    const kept = (await stat(part)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(BODY.length);
    expect(existsSync(path.join(tmp, 'vision.onnx'))).toBe(false);

    state.requests = [];
    const events: DownloadProgress[] = [];
    await downloadModel(entry(), tmp, { onProgress: (p) => events.push(p) });
    expect(state.requests[0]?.range).toBe(`bytes=${kept}-`);
    expect(events.find((e) => e.file === 'vision.onnx')?.received).toBeGreaterThan(kept);
    expect(sha256(await readFile(path.join(tmp, 'vision.onnx')))).toBe(sha256(BODY));
  });

  it('starts over when the server ignores the Range header', async () => {
    // A .part whose bytes are wrong: appending to it would break the checksum.
    await writeFile(path.join(tmp, 'vision.onnx.part'), Buffer.alloc(100_000, 7));
    state.ignoreRange = true;
    await downloadModel(entry(), tmp);
    expect(state.requests[0]?.range).toBe('bytes=100000-');
    expect(sha256(await readFile(path.join(tmp, 'vision.onnx')))).toBe(sha256(BODY));
  });

  it('deletes a file that fails its checksum, installs nothing, and the registry refuses it', async () => {
    const bad = entry({ vision: { sha256: sha256(Buffer.from('something else')) } });
    expect(await codeOf(downloadModel(bad, tmp))).toBe('MODEL_CHECKSUM');
    expect(existsSync(path.join(tmp, 'vision.onnx'))).toBe(false);
    expect(existsSync(path.join(tmp, 'vision.onnx.part'))).toBe(false);

    await writeFolderManifest(tmp, bad);
    const registry = await ModelRegistry.load({
      modelsDir: path.join(tmp, 'none'),
      extraDirs: [tmp],
    });
    expect(await codeOf(registry.resolveClip('test-clip'))).toBe('MODEL_MISSING');
    // The same bytes put in place by hand are still never loaded.
    await writeFile(path.join(tmp, 'vision.onnx'), BODY);
    await writeFile(path.join(tmp, 'text.onnx'), BODY);
    expect(await codeOf(registry.resolveClip('test-clip'))).toBe('MODEL_CHECKSUM');
  });

  it('reports an unreachable host as NETWORK_UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await downloadModel(entry({ url: `http://127.0.0.1:${port}` }), tmp).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LanternError);
    expect((error as LanternError).code).toBe('NETWORK_UNAVAILABLE');
    // Said in the app as well as the CLI: what to do, with no command-line advice.
    expect((error as LanternError).message).toContain('Check your connection and try again');
  });

  it('refuses files without a SHA-256 unless allowed explicitly', async () => {
    const unverified = entry();
    delete unverified.files.text.sha256;
    expect(await codeOf(downloadModel(unverified, tmp))).toBe('MODEL_CHECKSUM');
    expect(state.requests).toHaveLength(0);
    const results = await downloadModel(unverified, tmp, { allowUnverified: true });
    expect(results.map((r) => r.verified)).toEqual([true, false]);
    // Once installed on purpose, a later fetch without the flag leaves it alone.
    const again = await downloadModel(unverified, tmp);
    expect(again.map((r) => [r.skipped, r.verified])).toEqual([
      [true, true],
      [true, false],
    ]);
  });
});

describe('ModelRegistry', () => {
  it('lists the bundled models and a folder model, and resolves the folder model', async () => {
    const model = entry();
    await writeFolderManifest(tmp, model);
    await writeFile(path.join(tmp, 'vision.onnx'), BODY);
    await writeFile(path.join(tmp, 'text.onnx'), BODY);
    const registry = await ModelRegistry.load({
      modelsDir: path.join(tmp, 'models'),
      extraDirs: [tmp],
    });

    const list = registry.list();
    expect(list.find((m) => m.origin === 'bundled' && m.id === 'clip-vit-b32')).toMatchObject({
      installed: false,
    });
    expect(list.find((m) => m.id === 'test-clip')).toMatchObject({
      origin: 'folder',
      installed: true,
      hidden: true,
      sizeBytes: 2 * BODY.length,
    });
    expect(registry.defaultClipId()).toBe('clip-vit-b32');

    const resolved = await registry.resolveClip('test-clip');
    expect(resolved.visionPath).toBe(path.join(tmp, 'vision.onnx'));
    expect(resolved.textPath).toBe(path.join(tmp, 'text.onnx'));
    expect(resolved.model.vision.input).toBe('pixel_values');
    expect(
      JSON.parse(await readFile(path.join(tmp, 'vision.onnx.verified'), 'utf8')),
    ).toMatchObject({
      sha256: sha256(BODY),
    });
    expect((await registry.verify('test-clip')).map((r) => r.reason)).toEqual([
      'verified',
      'verified',
    ]);
  });

  it('re-hashes a file rewritten in place and refuses it when the bytes changed', async () => {
    await writeFolderManifest(tmp, entry());
    await writeFile(path.join(tmp, 'vision.onnx'), BODY);
    await writeFile(path.join(tmp, 'text.onnx'), BODY);
    const registry = await ModelRegistry.load({ modelsDir: tmp, extraDirs: [tmp] });
    await registry.resolveClip('test-clip');
    const tampered = Buffer.from(BODY);
    tampered[0] = (tampered[0] ?? 0) ^ 0xff;
    await writeFile(path.join(tmp, 'vision.onnx'), tampered);
    const later = new Date(Date.now() + 5_000);
    await utimes(path.join(tmp, 'vision.onnx'), later, later);
    expect(await codeOf(registry.resolveClip('test-clip'))).toBe('MODEL_CHECKSUM');
  });

  it('reports a folder model without hashes as unverified but present', async () => {
    const model = entry();
    delete model.files.vision.sha256;
    delete model.files.text.sha256;
    await writeFolderManifest(tmp, model);
    await writeFile(path.join(tmp, 'vision.onnx'), BODY);
    const registry = await ModelRegistry.load({ modelsDir: tmp, extraDirs: [tmp] });
    expect(await registry.verify('test-clip')).toMatchObject([
      { file: 'vision.onnx', ok: true, reason: 'unverified' },
      { file: 'text.onnx', ok: false, reason: 'missing' },
    ]);
  });

  it('says how to fetch a missing bundled model and lists known ids for an unknown one', async () => {
    const registry = await ModelRegistry.load({ modelsDir: path.join(tmp, 'models') });
    const missing = await registry.resolveClip('clip-vit-b32').catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'MODEL_MISSING' });
    expect((missing as Error).message).toContain('npx lantern models fetch clip-vit-b32');
    expect((missing as Error).message).toContain('--models');

    expect(() => registry.get('nope')).toThrow(LanternError);
    const unknown = (() => {
      try {
        registry.get('nope');
      } catch (e) {
        return e as LanternError;
      }
      return undefined;
    })();
    expect(unknown?.code).toBe('MODEL_UNKNOWN');
    expect(unknown?.message).toContain('clip-vit-b32');
    expect(unknown?.message).toContain('clip-vit-l14');
  });

  it('refuses a manifest whose file path leaves its folder', async () => {
    await writeFolderManifest(tmp, entry({ vision: { path: '../escape.onnx' } }));
    const loading = ModelRegistry.load({ modelsDir: tmp, extraDirs: [tmp, `${tmp}/`] });
    expect(await codeOf(loading)).toBe('MODEL_INVALID');
  });
});
