/**
 * @file The CLIP encoder pair (engine, plain Node): one image session and one text
 * session per model, loaded through the native ONNX adapter, fed and read by the tensor
 * names of the model's manifest, its text tokenised as the manifest says (BPE or the
 * model's tokenizer.json). Output vectors are L2-normalised here whatever the export
 * returns (SigLIP's are not; CLIP's projections are not either), so no manifest field is
 * needed for it: search compares directions, and calibration is `relevance.matchFloor`.
 */
import {
  fileStampOf,
  isProviderRequest,
  loadOwnSession,
  loadSession,
  runSession,
  type LoadedSession,
  type SessionSettings,
  withSignedInt8Weights,
} from '../../../native/onnx/index.js';
import type { ResolvedClipModel } from '../models/registry.js';
import type { ClipModel } from '../models/manifest.js';
import {
  textTokenizerFor,
  trimToLongest,
  type TextTokenizer,
} from '../tokenizer/text-tokenizer.js';
import { splitRows } from '../util/vectors.js';
import { LanternError } from '../../shared/errors.js';
import { asDeclared, checkInput } from './session-inputs.js';
import { loadVisionSide, runOnSide, type VisionSide } from './vision-side.js';

export interface EncoderOptions {
  provider?: string;
  intraOpThreads?: number;
  /** The bundled CLIP BPE merges file, for `clip-bpe` models. */
  tokenizerPath: string;
  /**
   * Run the image encoder on a worker thread (default true), so decoding goes on while
   * a batch is encoded ([Note: pipeline overlap] in indexer/embed-pipeline.ts).
   */
  inferenceThread?: boolean;
  /**
   * Free the text encoder once a text is encoded; the next text loads it again ([Note: a
   * one-shot search frees the text encoder]). For a command that encodes one query.
   */
  freeTextAfterUse?: boolean;
}

/**
 * [Note: each encoder loads on first use]
 * Opening a library loads no model: `lantern status`, the model list and browsing need
 * none, and a CLIP pair is 0.6 GB of weights and seconds of session creation. The image
 * encoder loads on the first image to encode (an index run starts it at its beginning, so
 * the load overlaps the scan and the first decodes: Library.index), the text encoder on
 * the first text (a search, tagging). So `lantern search` never holds the image encoder
 * and `lantern index` never holds the text encoder unless it tags. A load that fails is
 * forgotten, so the next use tries again and says why again.
 */
export class ClipEncoder {
  private vision: Promise<VisionSide> | null = null;
  private text: Promise<LoadedSession> | null = null;
  /** What is known once a side has loaded (status reads it; null before). */
  private settled: { provider: string; notes: string[] } | null = null;
  private tokenizer: TextTokenizer | null = null;
  /** Texts being encoded now (freeTextAfterUse frees the session when none is left). */
  private textRuns = 0;
  private closed = false;
  /** Intra-op threads the image encoder is asked for now ([Note: a video pass uses every core]). */
  private imageThreads: number | undefined;
  /** Which encoders are loaded now (status, tests). */
  readonly loaded = { image: false, text: false };

  private constructor(
    readonly model: ClipModel,
    private readonly resolved: ResolvedClipModel,
    private readonly sessionOptions: SessionSettings,
    private readonly options: EncoderOptions,
  ) {
    this.imageThreads = sessionOptions.intraOpThreads;
  }

  /** An encoder for `resolved`; nothing is loaded until it is used. */
  static async load(resolved: ResolvedClipModel, options: EncoderOptions): Promise<ClipEncoder> {
    const provider = options.provider ?? 'auto';
    if (!isProviderRequest(provider)) {
      throw new LanternError(
        'INVALID_INPUT',
        `Unknown execution provider "${provider}": use auto, cpu, cuda, dml, coreml or webgpu.`,
      );
    }
    const sessionOptions: SessionSettings = {
      provider,
      ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    };
    return Promise.resolve(new ClipEncoder(resolved.model, resolved, sessionOptions, options));
  }

  /** Start loading the image encoder now (an index run, before its first batch). */
  prepareImages(): void {
    this.visionSide().catch(() => undefined); // the error is thrown again at the first use
  }

  /** Start loading the text encoder now (a search, while the library opens its tables). */
  prepareText(): void {
    this.textSession().catch(() => undefined); // the error is thrown again at the first use
  }

  /**
   * Run the image encoder on `threads` intra-op threads from its next batch (undefined:
   * as the encoder was made). A loaded image encoder with another count is retired: encodes
   * already on it finish there and the last one stops its thread; the next encode loads
   * one with the new count (one not loaded yet just loads with it). An encoder made with a
   * thread count (LibraryOptions.intraOpThreads) keeps it. [Note: a video pass uses every
   * core] in video/video-pass.ts.
   */
  async useImageThreads(threads: number | undefined): Promise<void> {
    if (this.sessionOptions.intraOpThreads !== undefined) return;
    if (threads === this.imageThreads) return;
    this.imageThreads = threads;
    const current = this.vision;
    if (!current) return;
    let side: VisionSide | null;
    try {
      side = await current;
    } catch {
      return; // a failed load is forgotten (visionSide); the next use loads with `threads`
    }
    // An in-process session (no thread could start) is shared through the session cache:
    // it stays as it is.
    if (!side.thread || side.threads === threads || this.vision !== current) return;
    // Encodes already on it (a "similar" search during an index run) finish there; later
    // ones load the new side. The last encode on it stops its thread.
    this.vision = null;
    this.loaded.image = false;
    side.retired = true;
    if (side.users === 0) await side.thread.close();
  }

  private visionSide(): Promise<VisionSide> {
    if (this.closed) return Promise.reject(closedError(this.model.id));
    this.vision ??= this.loadVision().catch((error: unknown) => {
      this.vision = null;
      throw error;
    });
    return this.vision;
  }

  private async loadVision(): Promise<VisionSide> {
    // [Note: signed int8 weights] (native/onnx/signed-weights.ts): the same model, faster.
    const visionPath = await withSignedInt8Weights(
      this.resolved.visionPath,
      await fileStampOf(this.resolved.visionPath),
    );
    const threads = this.imageThreads;
    const settings: SessionSettings = {
      ...this.sessionOptions,
      ...(threads !== undefined ? { intraOpThreads: threads } : {}),
    };
    const onThread = this.options.inferenceThread !== false;
    const side = await loadVisionSide(this.model, visionPath, settings, onThread);
    if (this.closed) {
      await side.thread?.close();
      throw closedError(this.model.id);
    }
    this.settled = { provider: side.provider, notes: side.notes };
    this.loaded.image = true;
    return side;
  }

  private textSession(): Promise<LoadedSession> {
    if (this.closed) return Promise.reject(closedError(this.model.id));
    this.text ??= (async () => {
      // onnxruntime-node creates (and runs) a session synchronously on this thread, a
      // macrotask after it is asked to; asked for first, its file reads and LanceDB's, which
      // run on their own threads, overlap the JavaScript work. Moving the text encoder to an
      // inference thread, as the image encoder, was measured and did not pay on 2 cores
      // (cold search 0.88–1.12 s against 0.83–1.04 s, 8 runs each): the thread's start and
      // onnxruntime's second start in it cost what the overlap saved. Its weights are read
      // in place ([Note: weights read in place] in native/onnx), not pre-packed: a cold
      // search runs it once.
      // A session to free after use is its own, not the cache's shared one.
      const load = this.options.freeTextAfterUse ? loadOwnSession : loadSession;
      const pending = load(this.resolved.textPath, this.sessionOptions);
      pending.catch(() => undefined); // awaited below; a tokenizer failure must not leave it unhandled
      this.tokenizer ??= textTokenizerFor(this.model, {
        clipVocabulary: this.options.tokenizerPath,
        tokenizerJson: this.resolved.tokenizerPath,
      });
      const session = await pending;
      checkInput(session.inputNames, this.model.text.input, 'text', this.model.id);
      this.settled ??= { provider: session.provider, notes: [...session.notes] };
      this.loaded.text = true;
      return session;
    })().catch((error: unknown) => {
      this.text = null;
      throw error;
    });
    return this.text;
  }

  /** Stop the inference thread (a load under way is stopped when it ends); free an own text session. */
  async close(): Promise<void> {
    this.closed = true;
    const vision = await this.vision?.catch(() => null);
    await vision?.thread?.close();
    // A text session of its own (freeTextAfterUse) loaded and never used.
    const text = this.options.freeTextAfterUse ? await this.text?.catch(() => null) : null;
    if (text) await this.freeText(text);
  }

  get id(): string {
    return this.model.id;
  }

  get dim(): number {
    return this.model.embeddingSize;
  }

  /**
   * The intra-op threads the loaded image encoder was asked for (undefined: onnxruntime's
   * own choice), or null when none is loaded or loading (status, tests).
   */
  async imageEncoderThreads(): Promise<number | undefined | null> {
    const side = await this.vision?.catch(() => null);
    return side ? side.threads : null;
  }

  /** The provider the first loaded encoder settled on; null before either is used. */
  get provider(): string | null {
    return this.settled?.provider ?? null;
  }

  get providerNotes(): string[] {
    return this.settled?.notes ?? [];
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
    let vision = await this.visionSide();
    // Retired while this call waited for it (useImageThreads): the side that replaces it.
    while (vision.retired) vision = await this.visionSide();
    const outputs = await runOnSide(vision, feeds);
    return splitRows(this.output(outputs, this.model.vision.output), count, this.dim);
  }

  async encodeTexts(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { contextLength, padToken, input, attentionMask, output, padding } = this.model.text;
    const session = await this.textSession();
    let batch = this.tokenizer!.encodeBatch(texts, contextLength, padToken);
    // An export whose sequence length is fixed takes the full length whatever the manifest says.
    const declared = session.inputs.find((info) => info.name === input)?.shape[1];
    if (padding === 'longest' && typeof declared !== 'number')
      batch = trimToLongest(batch, texts.length, contextLength);
    const { ids, mask } = batch;
    const dims = [texts.length, ids.length / texts.length];
    const feeds: Parameters<typeof runSession>[1] = {
      [input]: { data: asDeclared(session, input, ids), dims },
    };
    if (attentionMask)
      feeds[attentionMask] = { data: asDeclared(session, attentionMask, mask), dims };
    this.textRuns++;
    try {
      const outputs = await runSession(session, feeds);
      return splitRows(this.output(outputs, output), texts.length, this.dim);
    } finally {
      this.textRuns--;
      if (this.options.freeTextAfterUse && this.textRuns === 0) await this.freeText(session);
    }
  }

  /**
   * [Note: a one-shot search frees the text encoder]
   * `lantern search` encodes its query once and then only reads the store, but the text
   * session's weights (~150 MB of ViT-B/32's 254 MB file, read in place) stayed mapped to
   * the end, under everything the search then touches: the peak of a cold search was the
   * encoder plus LanceDB's search (308 MiB on the bench's 38-photo library; issue 12 asks
   * ≤ 300 MB). Freed as soon as the query's vector is out (onnxruntime unmaps the weights
   * in ~9 ms), the search runs beside ~150 MB less, and the peak is the text run's. A
   * library opened for more than one search (the app, `serve`) keeps its encoder loaded.
   */
  private async freeText(session: LoadedSession): Promise<void> {
    const loaded = this.text;
    if (loaded === null || (await loaded) !== session) return;
    this.text = null;
    this.loaded.text = false;
    await session.session.release();
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

function closedError(id: string): LanternError {
  return new LanternError('CANCELLED', `The model ${id} was closed; open the library again.`);
}
