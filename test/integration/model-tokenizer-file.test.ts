/**
 * @file files.tokenizer is a model file like the ONNX graphs: `lantern models fetch`
 * (downloadModel) downloads and checks it, a download whose tokenizer.json does not match
 * its SHA-256 is refused, and the registry refuses to load a model whose tokenizer.json
 * was damaged after install. Uses toy-clip-i18n's real files, served by node:http on
 * 127.0.0.1. Runs in vitest (plain Node).
 */
import { existsSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { downloadModel } from '../../electron/engine/models/download.js';
import { ManifestSchema, type ClipModel } from '../../electron/engine/models/manifest.js';
import { ModelRegistry } from '../../electron/engine/models/registry.js';
import { removeDir, tempDir } from '../fixtures/library.js';

const ID = 'toy-clip-i18n';
let toys: string;
let model: ClipModel;
let server: Server;
let baseUrl: string;
const served: string[] = [];

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error as { code?: unknown }).code,
  );
}

/** The toy entry with every file downloadable from the local server. */
function withUrls(entry: ClipModel, tokenizerSha?: string): ClipModel {
  const at = (file: { path: string }) => ({ ...file, url: `${baseUrl}/${file.path}` });
  const { vision, text, tokenizer } = entry.files;
  if (!tokenizer) throw new Error('toy-clip-i18n has no tokenizer file');
  return {
    ...entry,
    files: {
      vision: at(vision),
      text: at(text),
      tokenizer: { ...at(tokenizer), ...(tokenizerSha ? { sha256: tokenizerSha } : {}) },
    },
  };
}

beforeAll(async () => {
  toys = inject('toyModelsDir');
  const manifest = ManifestSchema.parse(
    JSON.parse(await readFile(path.join(toys, 'models.json'), 'utf8')),
  );
  const entry = manifest.models.find((m) => m.id === ID);
  if (entry?.task !== 'clip') throw new Error(`${ID} missing from the toy models.json`);
  model = entry;
  server = createServer((req, res) => {
    const relative = decodeURIComponent((req.url ?? '/').slice(1));
    served.push(relative);
    readFile(path.join(toys, relative)).then(
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

describe('files.tokenizer in download and load', () => {
  it('is downloaded and verified with the ONNX files', async () => {
    const dest = await tempDir();
    try {
      const files = await downloadModel(withUrls(model), dest);
      const tokenizer = files.find((f) => f.file === `${ID}/tokenizer.json`);
      expect(tokenizer).toMatchObject({ skipped: false, verified: true });
      expect(served).toContain(`${ID}/tokenizer.json`);
      expect(await readFile(path.join(dest, ID, 'tokenizer.json'))).toEqual(
        await readFile(path.join(toys, ID, 'tokenizer.json')),
      );
    } finally {
      await removeDir(dest);
    }
  });

  it('refuses a tokenizer.json that does not match its SHA-256 and keeps none of it', async () => {
    const dest = await tempDir();
    try {
      const wrong = withUrls(model, '0'.repeat(64));
      expect(await codeOf(downloadModel(wrong, dest))).toBe('MODEL_CHECKSUM');
      expect(existsSync(path.join(dest, ID, 'tokenizer.json'))).toBe(false);
    } finally {
      await removeDir(dest);
    }
  });

  it('is checked before the model loads: a damaged one is refused, a missing one named', async () => {
    const folder = await tempDir();
    try {
      await cp(path.join(toys, ID), path.join(folder, ID), { recursive: true });
      await writeFile(
        path.join(folder, 'models.json'),
        JSON.stringify({ version: 1, models: [model] }),
      );
      const registry = await ModelRegistry.load({
        modelsDir: path.join(folder, 'none'),
        extraDirs: [folder],
      });
      const resolved = await registry.resolveClip(ID);
      expect(resolved.tokenizerPath).toBe(path.join(folder, ID, 'tokenizer.json'));
      expect((await registry.verify(ID)).map((c) => [c.file, c.reason])).toContainEqual([
        `${ID}/tokenizer.json`,
        'verified',
      ]);

      const file = path.join(folder, ID, 'tokenizer.json');
      const bytes = await readFile(file);
      bytes[10] = bytes[10] === 0x41 ? 0x42 : 0x41;
      await writeFile(file, bytes);
      const fresh = await ModelRegistry.load({
        modelsDir: path.join(folder, 'none'),
        extraDirs: [folder],
      });
      expect(await codeOf(fresh.resolveClip(ID))).toBe('MODEL_CHECKSUM');
      await rm(file);
      const missing = await fresh.resolveClip(ID).catch((error: unknown) => error);
      expect(missing).toMatchObject({ code: 'MODEL_MISSING' });
      expect((missing as Error).message).toContain('tokenizer.json is missing');
    } finally {
      await removeDir(folder);
    }
  });
});
