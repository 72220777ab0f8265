/**
 * @file The text encoder's ORT-format copy ([Note: the ORT-format copy] in
 * native/onnx/ort-format.ts): made once, then loaded in place with the same output as the
 * .onnx file; a damaged copy is dropped for the .onnx file; `lantern search` makes it after
 * its first answer and the next search runs from it with the same results.
 */
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  convertToOrtFormat,
  fileStampOf,
  loadSession,
  ortFormatPath,
  releaseSessions,
  runFloat,
} from '../../native/onnx/index.js';
import { lantern } from '../fixtures/cli.js';

let dir: string | null = null;
afterEach(async () => {
  await releaseSessions();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

/** A private copy of the toy models, so the copies made here touch no other test's files. */
async function toyModels(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'lantern-ort-format-'));
  // Without the copies other tests' searches may have made in the shared folder.
  await cp(inject('toyModelsDir'), join(dir, 'models'), {
    recursive: true,
    filter: (source) => !source.includes('.ort-format'),
  });
  return join(dir, 'models');
}

/** "a photo of a red …" as CLIP BPE ids, padded to 77 with the end token. */
function tokens(): { data: BigInt64Array; dims: number[] } {
  const ids = new BigInt64Array(77).fill(49407n);
  [49406n, 320n, 1125n, 539n, 320n, 736n, 49407n].forEach((id, i) => (ids[i] = id));
  return { data: ids, dims: [1, 77] };
}

describe('the ORT-format copy of a text encoder', () => {
  it('is made once and loads in place with the same embedding', async () => {
    const textPath = join(await toyModels(), 'toy-clip-gap', 'text_model.onnx');
    const stamp = await fileStampOf(textPath);
    const plain = await loadSession(textPath, { provider: 'cpu', ortFormat: true });
    expect(plain.fromOrtFormat).toBe(false); // no copy yet
    const expected = (await runFloat(plain, { input_ids: tokens() }, 'text_embeds')).data;
    await releaseSessions();

    const written = await convertToOrtFormat(textPath, stamp);
    expect(written).toBe(ortFormatPath(textPath, stamp));
    const copied = await loadSession(textPath, { provider: 'cpu', ortFormat: true });
    expect(copied.fromOrtFormat).toBe(true);
    expect(copied.retained?.length).toBeGreaterThan(0);
    const got = (await runFloat(copied, { input_ids: tokens() }, 'text_embeds')).data;
    expect(Array.from(got)).toEqual(Array.from(expected));

    // Without the flag (the image encoder) the .onnx file is loaded as before.
    const unflagged = await loadSession(textPath, { provider: 'cpu' });
    expect(unflagged.fromOrtFormat).toBe(false);
  });

  it('drops a damaged copy and loads the .onnx file', async () => {
    const textPath = join(await toyModels(), 'toy-clip-gap', 'text_model.onnx');
    const stamp = await fileStampOf(textPath);
    const copyPath = await convertToOrtFormat(textPath, stamp);
    await writeFile(copyPath, 'not a flatbuffer');
    const loaded = await loadSession(textPath, { provider: 'cpu', ortFormat: true });
    expect(loaded.fromOrtFormat).toBe(false);
    expect(loaded.outputNames).toContain('text_embeds');
    await expect(readdir(join(textPath, '..', '.ort-format'))).resolves.toEqual([]);
  });

  it('is made by the first `lantern search`, and the next search answers the same', async () => {
    const models = await toyModels();
    const photos = join(dir!, 'photos');
    await mkdir(photos);
    const colours: [string, [number, number, number]][] = [
      ['red', [220, 30, 30]],
      ['blue', [30, 70, 220]],
    ];
    for (const [name, rgb] of colours)
      await sharp({ create: { width: 64, height: 48, channels: 3, background: rgb } })
        .jpeg()
        .toFile(join(photos, `${name}.jpg`));
    const global = ['--db', join(dir!, 'db'), '--models', models, '--model', 'toy-clip-gap'];
    expect((await lantern(['index', photos, ...global])).code).toBe(0);
    const copies = join(models, 'toy-clip-gap', '.ort-format');
    await expect(readdir(copies)).rejects.toThrow(); // the index run loads no text encoder

    const first = await lantern(['search', 'a red photo', ...global, '--json']);
    expect(first.code).toBe(0);
    expect((await readdir(copies)).filter((name) => name.endsWith('.ort'))).toHaveLength(1);
    const second = await lantern(['search', 'a red photo', ...global, '--json']);
    expect(second.stdout).toBe(first.stdout);
    const top = (JSON.parse(second.stdout) as { results: { path: string }[] }).results[0];
    expect(top?.path).toBe(join(photos, 'red.jpg'));
  });
});
