/**
 * @file The CLIP encoder pair (engine, plain Node): one image session and one text
 * session per model, loaded through the native ONNX adapter, fed and read by the tensor
 * names of the model's manifest. Output vectors are L2-normalised.
 */
import {
  InferenceThread,
  isProviderRequest,
  loadSession,
  releaseSessions,
  runSession,
  type LoadedSession,
} from '../../../native/onnx/index.js';
import type { ResolvedClipModel } from '../models/registry.js';
import type { ClipModel } from '../models/manifest.js';
import { ClipTokenizer } from '../tokenizer/clip-bpe.js';
import { splitRows } from '../util/vectors.js';
import { LanternError } from '../../shared/errors.js';

export interface EncoderOptions {
  provider?: string;
  intraOpThreads?: number;
  tokenizerPath: string;
  /**
   * Run the image encoder on a worker thread (default true), so decoding goes on while
   * a batch is encoded ([Note: pipeline overlap] in indexer/embed-pipeline.ts).
   */
  inferenceThread?: boolean;
}

export class ClipEncoder {
  private constructor(
    readonly model: ClipModel,
    private readonly vision: LoadedSession,
    private readonly text: LoadedSession,
    private readonly tokenizer: ClipTokenizer,
    private readonly visionThread: InferenceThread | null,
    private readonly notes: string[],
  ) {}

  static async load(resolved: ResolvedClipModel, options: EncoderOptions): Promise<ClipEncoder> {
    const provider = options.provider ?? 'auto';
    if (!isProviderRequest(provider)) {
      throw new LanternError(
        'INVALID_INPUT',
        `Unknown execution provider "${provider}": use auto, cpu, cuda, dml, coreml or webgpu.`,
      );
    }
    const sessionOptions = {
      provider,
      ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    };
    const [vision, text] = await Promise.all([
      loadSession(resolved.visionPath, sessionOptions),
      loadSession(resolved.textPath, sessionOptions),
    ]);
    const model = resolved.model;
    for (const [session, name, role] of [
      [vision, model.vision.input, 'image'],
      [text, model.text.input, 'text'],
    ] as const) {
      if (!session.inputNames.includes(name)) {
        throw new LanternError(
          'MODEL_INVALID',
          `The ${role} encoder of model ${model.id} has no input named "${name}" (it has ${session.inputNames.join(', ')}); its models.json does not match the file.`,
        );
      }
    }
    let thread: InferenceThread | null = null;
    const notes = [...vision.notes];
    if (options.inferenceThread !== false) {
      try {
        thread = await InferenceThread.start(vision, sessionOptions);
        // The thread holds its own copy of the model; drop the in-process one.
        await releaseSessions(vision.path);
      } catch (error) {
        notes.push(`Image inference runs on the engine's own thread: ${(error as Error).message}`);
      }
    }
    return new ClipEncoder(
      model,
      vision,
      text,
      ClipTokenizer.fromFile(options.tokenizerPath),
      thread,
      notes,
    );
  }

  /** Stop the inference thread. */
  async close(): Promise<void> {
    await this.visionThread?.close();
  }

  get id(): string {
    return this.model.id;
  }

  get dim(): number {
    return this.model.embeddingSize;
  }

  get provider(): string {
    return this.vision.provider;
  }

  get providerNotes(): string[] {
    return this.notes;
  }

  /** Floats one preprocessed image occupies in a batch tensor. */
  get imageStride(): number {
    const side = this.model.vision.size;
    return 3 * side * side;
  }

  /** Encode `count` images laid out CHW one after another in `batch`. */
  async encodeImages(batch: Float32Array, count: number): Promise<Float32Array[]> {
    if (count === 0) return [];
    const side = this.model.vision.size;
    const input =
      batch.length === count * this.imageStride
        ? batch
        : batch.subarray(0, count * this.imageStride);
    const feeds = {
      [this.model.vision.input]: {
        type: 'float32' as const,
        data: input,
        dims: [count, 3, side, side],
      },
    };
    const outputs = this.visionThread
      ? await this.visionThread.run(feeds)
      : await runSession(this.vision, feeds);
    return splitRows(this.output(outputs, this.model.vision.output), count, this.dim);
  }

  async encodeTexts(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { contextLength, padToken, input, attentionMask, output } = this.model.text;
    const { ids, mask } = this.tokenizer.encodeBatch(texts, contextLength, padToken);
    const dims = [texts.length, contextLength];
    const feeds: Parameters<typeof runSession>[1] = { [input]: { type: 'int64', data: ids, dims } };
    if (attentionMask) feeds[attentionMask] = { type: 'int64', data: mask, dims };
    const outputs = await runSession(this.text, feeds);
    return splitRows(this.output(outputs, output), texts.length, this.dim);
  }

  private output(outputs: Record<string, { data: unknown }>, name: string): Float32Array {
    const data = outputs[name]?.data;
    if (!(data instanceof Float32Array)) {
      throw new LanternError(
        'MODEL_INVALID',
        `Model ${this.model.id} did not return a float32 output named "${name}".`,
      );
    }
    return data;
  }
}
