/**
 * @file Image inference on a worker thread gives the same answers as in-process
 * inference, reports errors with the model's path, and leaves the calling thread free.
 */
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { InferenceThread, loadSession, run } from '../../native/onnx/index.js';

describe('InferenceThread', () => {
  const model = () => path.join(inject('toyModelsDir'), 'toy-clip', 'vision_model.onnx');
  const pixels = (n: number) => {
    const data = new Float32Array(n * 3 * 224 * 224);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001);
    return { type: 'float32' as const, data, dims: [n, 3, 224, 224] };
  };

  it('matches in-process inference', async () => {
    const loaded = await loadSession(model(), { provider: 'cpu' });
    const thread = await InferenceThread.start(loaded);
    try {
      const feeds = { pixel_values: pixels(4) };
      const [inProcess, threaded] = await Promise.all([run(loaded, feeds), thread.run(feeds)]);
      expect(threaded.image_embeds?.dims).toEqual([4, 512]);
      expect(Array.from(threaded.image_embeds?.data as Float32Array)).toEqual(
        Array.from(inProcess.image_embeds?.data as Float32Array),
      );
    } finally {
      await thread.close();
    }
  });

  it('keeps the calling thread free while a batch runs', async () => {
    const thread = await InferenceThread.start(await loadSession(model(), { provider: 'cpu' }));
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      await thread.run({ pixel_values: pixels(64) });
      clearInterval(timer);
      // In-process, the synchronous run would let at most the tick already due through.
      expect(ticks).toBeGreaterThanOrEqual(2);
    } finally {
      await thread.close();
    }
  });

  it('reports a failed run with the model path', async () => {
    const thread = await InferenceThread.start(await loadSession(model(), { provider: 'cpu' }));
    try {
      await expect(thread.run({ wrong_name: pixels(1) })).rejects.toMatchObject({
        code: 'INFERENCE_FAILED',
        message: expect.stringContaining('vision_model.onnx') as string,
      });
    } finally {
      await thread.close();
    }
  });
});
