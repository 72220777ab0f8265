/**
 * @file A text encoder that declares int32 token ids (Immich's open_clip exports, SigLIP)
 * is fed int32, one that declares int64 (the Hugging Face exports) int64: the encoder reads
 * the type from the session rather than assuming one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClipEncoder } from '../../electron/engine/clip/encoder.js';
import { releaseSessions } from '../../native/onnx/index.js';
import { GraphBuilder, writeModel } from '../toy-models/onnx-writer.js';
import { loadTextEncoder } from '../fixtures/text-encoder.js';

const CONTEXT = 8;
const DIM = 4;

let dir: string | null = null;
afterEach(async () => {
  await releaseSessions();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

/** text [N,8] of `type` → embedding [N,4] whose first value is the second token's id. */
function textGraph(type: 'int32' | 'int64'): GraphBuilder {
  const g = new GraphBuilder(`ids_${type}`);
  const ids = g.input('text', type, ['N', CONTEXT]);
  const weights = new Float32Array(CONTEXT * DIM);
  weights[1 * DIM + 0] = 1; // token 1 → dimension 0
  weights[0 * DIM + 1] = 1e-3; // the start token → a little of dimension 1
  const w = g.initializer('w', weights, [CONTEXT, DIM]);
  const floats = g.op('Cast', [ids], { to: 1 });
  g.node('MatMul', [floats, w], ['text_embedding']);
  g.output('text_embedding', 'float32', ['N', DIM]);
  return g;
}

async function encoderFor(type: 'int32' | 'int64'): Promise<ClipEncoder> {
  dir = await mkdtemp(join(tmpdir(), 'lantern-int32-ids-'));
  const textPath = join(dir, 'textual.onnx');
  await writeModel(textPath, textGraph(type));
  return loadTextEncoder({
    dir,
    textFile: 'textual.onnx',
    id: `ids-${type}`,
    embeddingSize: DIM,
    text: { contextLength: CONTEXT, input: 'text', output: 'text_embedding', padToken: 0 },
  });
}

describe('token ids in the type the export declares', () => {
  for (const type of ['int32', 'int64'] as const)
    it(`feeds ${type} ids to a text encoder that declares ${type}`, async () => {
      const encoder = await encoderFor(type);
      try {
        const [vector] = await encoder.encodeTexts(['red']);
        // "red" is one BPE token after the start token: dimension 0 dominates.
        expect(vector!.length).toBe(DIM);
        expect(vector![0]).toBeGreaterThan(0.99);
      } finally {
        await encoder.close();
      }
    });
});
