/**
 * @file Weights read in place ([Note: weights read in place] in
 * native/onnx/in-place-weights.ts): a model loads through a small header whose initializers
 * point into the model file, with the same outputs as the file loaded whole; the weights
 * really come from the file; a header onnxruntime refuses is dropped for the file; an
 * inference thread loads through it too; `lantern search` needs no copy of the text encoder.
 */
import { cp, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  buildHeader,
  fileStampOf,
  inPlacePath,
  loadOnThread,
  loadSession,
  releaseSessions,
  runFloat,
  type ThreadLoaded,
} from '../../native/onnx/index.js';
import { inPlaceModel, MIN_BYTES, type Reference } from '../../native/onnx/in-place-weights.js';
import { lantern } from '../fixtures/cli.js';
import { GraphBuilder, tensorAttr, writeModel } from '../toy-models/onnx-writer.js';

let dir: string | null = null;
afterEach(async () => {
  await releaseSessions();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

/** A private copy of the toy models, so the headers made here touch no other test's files. */
async function toyModels(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'lantern-in-place-'));
  await cp(inject('toyModelsDir'), join(dir, 'models'), {
    recursive: true,
    filter: (source) => !source.includes('.in-place'),
  });
  return join(dir, 'models');
}

/** "a photo of a red …" as CLIP BPE ids, padded to 77 with the end token. */
function tokens(): { data: BigInt64Array; dims: number[] } {
  const ids = new BigInt64Array(77).fill(49407n);
  [49406n, 320n, 1125n, 539n, 320n, 736n, 49407n].forEach((id, i) => (ids[i] = id));
  return { data: ids, dims: [1, 77] };
}

async function embed(textPath: string, inPlace: boolean) {
  const loaded = await loadSession(textPath, { provider: 'cpu', inPlace });
  expect(loaded.inPlace).toBe(inPlace);
  const { data } = await runFloat(loaded, { input_ids: tokens() }, 'text_embeds');
  await releaseSessions();
  return Array.from(data);
}

describe('weights read in place', () => {
  it('loads through a header a fraction of the file, with the same embedding', async () => {
    const textPath = join(await toyModels(), 'toy-clip-gap', 'text_model.onnx');
    const whole = await embed(textPath, false);
    await expect(readdir(join(textPath, '..', '.in-place'))).rejects.toThrow(); // none yet
    expect(await embed(textPath, true)).toEqual(whole);
    const header = await readFile(inPlacePath(textPath, await fileStampOf(textPath)));
    expect(header.length).toBeLessThan((await stat(textPath)).size / 4);
    // Kept: the second load reads the same header rather than making another.
    expect(await embed(textPath, true)).toEqual(whole);
    expect(await readdir(join(textPath, '..', '.in-place'))).toHaveLength(1);
  });

  it('reads the weights from the model file itself, not from a copy', async () => {
    const textPath = join(await toyModels(), 'toy-clip-gap', 'text_model.onnx');
    const before = await embed(textPath, true);
    const header = await readFile(inPlacePath(textPath, await fileStampOf(textPath)));
    // Shift the floats of the largest referenced initializer unevenly, in the file (a scale
    // alone could vanish in a normalisation).
    const referenced = await largestReference(textPath);
    const handle = await open(textPath, 'r+');
    const bytes = Buffer.alloc(referenced.length);
    await handle.read(bytes, 0, bytes.length, referenced.offset);
    const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    for (let i = 0; i < floats.length; i++) floats[i] = floats[i]! + ((i % 7) - 3) / 4;
    await handle.write(bytes, 0, bytes.length, referenced.offset);
    await handle.close();
    // The header made before the change, kept under the file's new stamp, reads the new
    // weights: the same embedding as the changed file loaded whole, not the old one.
    await writeFile(inPlacePath(textPath, await fileStampOf(textPath)), header);
    const after = await embed(textPath, true);
    expect(after).not.toEqual(before);
    expect(after).toEqual(await embed(textPath, false));
  });

  it('leaves a model with nothing to reference as it is, and marks it so once', async () => {
    const textPath = join(await toyModels(), 'toy-clip-gap', 'text_model.onnx');
    // A header beside its model is itself a model whose every large initializer is external
    // already: nothing left to reference, so it gets the marker, and loads from its file.
    const header = join(textPath, '..', 'text_model_header.onnx');
    await writeFile(header, (await buildHeader(textPath))!.header);
    expect(await buildHeader(header)).toBeNull();
    const stamp = await fileStampOf(header);
    expect(await inPlaceModel(header, stamp)).toBeNull();
    await expect(stat(inPlacePath(header, stamp, '.none'))).resolves.toBeTruthy();
    const loaded = await loadSession(header, { provider: 'cpu' });
    expect(loaded.inPlace).toBe(false);
    const { data } = await runFloat(loaded, { input_ids: tokens() }, 'text_embeds');
    expect(Array.from(data)).toEqual(await embed(textPath, false));
  });

  it('drops a header onnxruntime refuses and loads the file', async () => {
    const textPath = join(await toyModels(), 'toy-clip-gap', 'text_model.onnx');
    const whole = await embed(textPath, false);
    const headerPath = inPlacePath(textPath, await fileStampOf(textPath));
    await mkdir(join(headerPath, '..'), { recursive: true });
    await writeFile(headerPath, 'not a protobuf');
    expect(await embed(textPath, false)).toEqual(whole);
    const loaded = await loadSession(textPath, { provider: 'cpu' });
    expect(loaded.inPlace).toBe(false);
    await expect(readFile(headerPath)).rejects.toThrow(); // dropped: the next load makes it again
  });

  it('is what an inference thread loads, with the same embedding', async () => {
    const textPath = join(await toyModels(), 'toy-clip-gap', 'text_model.onnx');
    const whole = await embed(textPath, false);
    const loaded = (await loadOnThread(textPath, { provider: 'cpu' })) as ThreadLoaded;
    try {
      const outputs = await loaded.thread.run({ input_ids: tokens() });
      expect(Array.from(outputs['text_embeds']!.data as Float32Array)).toEqual(whole);
      await expect(
        readFile(inPlacePath(textPath, await fileStampOf(textPath))),
      ).resolves.toBeTruthy();
    } finally {
      await loaded.thread.close();
    }
  });

  it('serves `lantern search` with no copy of the text encoder, and clears the old ORT-format ones', async () => {
    const models = await toyModels();
    const oldCopies = join(models, 'toy-clip-gap', '.ort-format');
    await mkdir(oldCopies);
    await writeFile(join(oldCopies, 'text_model.onnx.0123456789abcdef.ort'), 'an old copy');
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
    const first = await lantern(['search', 'a red photo', ...global, '--json']);
    expect(first.code).toBe(0);
    const top = (JSON.parse(first.stdout) as { results: { path: string }[] }).results[0];
    expect(top?.path).toBe(join(photos, 'red.jpg'));
    const headers = await readdir(join(models, 'toy-clip-gap', '.in-place'));
    expect(headers.filter((name) => name.startsWith('text_model.onnx.'))).toHaveLength(1);
    await expect(readdir(oldCopies)).rejects.toThrow();
    const second = await lantern(['search', 'a red photo', ...global, '--json']);
    expect(second.stdout).toBe(first.stdout);
  });
  it('keeps fields longer than the read window whole (a 256 KiB constant beside mapped weights)', async () => {
    // The walk reads through a 64 KiB window; a Constant node's tensor of 256 KiB is copied
    // into the header through a buffer of its own, the weight (≥ MIN_BYTES) is referenced.
    dir = await mkdtemp(join(tmpdir(), 'lantern-in-place-'));
    const path = join(dir, 'wide.onnx');
    const width = 256;
    const graph = new GraphBuilder('wide');
    graph.input('x', 'float32', [1, width]);
    graph.output('y', 'float32', [1, width]);
    const weight = Float32Array.from({ length: width * width }, (_, i) => Math.sin(i) / width);
    const offset = Float32Array.from({ length: width * width }, (_, i) => Math.cos(i));
    graph.initializer('w', weight, [width, width]);
    graph.node('Constant', [], ['c'], { value: tensorAttr(offset, [width, width]) });
    graph.node('MatMul', ['x', 'w'], ['xw']);
    graph.node('MatMul', ['xw', 'c'], ['y']);
    await writeModel(path, graph);
    const x = {
      data: Float32Array.from({ length: width }, (_, i) => (i % 7) - 3),
      dims: [1, width],
    };
    const run = async (inPlace: boolean) => {
      const loaded = await loadSession(path, { provider: 'cpu', inPlace });
      expect(loaded.inPlace).toBe(inPlace);
      const { data } = await runFloat(loaded, { x }, 'y');
      await releaseSessions();
      return Array.from(data);
    };
    const whole = await run(false);
    expect(await run(true)).toEqual(whole);
    const built = await buildHeader(path);
    expect(built?.references.map((r) => r.name)).toEqual(['w']);
    // The constant went into the header whole: every byte of it is there.
    const header = Buffer.from(built!.header);
    expect(header.includes(Buffer.from(offset.buffer))).toBe(true);
    expect(header.includes(Buffer.from(weight.buffer))).toBe(false);
  });
});

/** Offset and length in the file of the largest initializer the header references. */
async function largestReference(modelPath: string): Promise<Reference> {
  const { references } = (await buildHeader(modelPath))!;
  const largest = references.reduce((a, b) => (b.length > a.length ? b : a));
  expect(largest.length).toBeGreaterThanOrEqual(MIN_BYTES);
  return largest;
}
