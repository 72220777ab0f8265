/**
 * @file [Note: the thread loads its own model] (native/onnx/thread-load.ts): a model
 * loaded straight onto its thread answers as an in-process session does, creates no
 * in-process session, says why each preferred provider does not run, and refuses a
 * missing or damaged file with the same codes as loadSession.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  cachedSessionCount,
  loadOnThread,
  loadSession,
  run,
  type ThreadLoaded,
} from '../../native/onnx/index.js';
import { removeDir, tempDir } from '../fixtures/library.js';

const model = () => path.join(inject('toyModelsDir'), 'toy-clip', 'vision_model.onnx');

function pixels(n: number) {
  const data = new Float32Array(n * 3 * 224 * 224);
  for (let i = 0; i < data.length; i++) data[i] = Math.cos(i * 0.0007);
  return { type: 'float32' as const, data, dims: [n, 3, 224, 224] };
}

let dir: string;
beforeEach(async () => {
  dir = await tempDir('lantern-thread-load-');
});
afterEach(async () => {
  await removeDir(dir);
});

describe('loadOnThread', () => {
  it('answers as an in-process session does, without creating one', async () => {
    const sessions = cachedSessionCount();
    const loaded = (await loadOnThread(model(), { provider: 'auto' })) as ThreadLoaded;
    try {
      expect(loaded.thread).not.toBeNull();
      expect(cachedSessionCount()).toBe(sessions);
      expect(loaded.provider).toBe('cpu');
      expect(loaded.inputNames).toContain('pixel_values');
      expect(loaded.outputNames).toContain('image_embeds');
      // On this machine every provider before CPU is skipped or fails, each with its reason.
      expect(loaded.notes.some((note) => note.startsWith('webgpu:'))).toBe(true);
      expect(loaded.notes.some((note) => note.startsWith('cuda:'))).toBe(true);

      const feeds = { pixel_values: pixels(3) };
      const threaded = await loaded.thread.run(feeds);
      const inProcess = await run(await loadSession(model(), { provider: 'cpu' }), feeds);
      expect(Array.from(threaded.image_embeds?.data as Float32Array)).toEqual(
        Array.from(inProcess.image_embeds?.data as Float32Array),
      );
    } finally {
      await loaded.thread.close();
    }
  });

  it('refuses a missing file as MODEL_MISSING and a damaged one as MODEL_INVALID', async () => {
    await expect(loadOnThread(path.join(dir, 'none.onnx'))).rejects.toMatchObject({
      code: 'MODEL_MISSING',
    });
    const damaged = path.join(dir, 'damaged.onnx');
    await writeFile(damaged, Buffer.alloc(4096, 7));
    await expect(loadOnThread(damaged, { provider: 'cpu' })).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(/damaged\.onnx could not be loaded/) as string,
    });
  });
});
