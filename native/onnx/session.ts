/**
 * @file Loads ONNX models into onnxruntime-node sessions, one cached session per
 * (model file, provider request, thread settings), choosing the execution provider as
 * [Note: provider choice] describes. Runs in the engine's process (the Electron
 * utilityProcess, the CLI, tests, benchmarks) — never on the Electron main thread:
 * onnxruntime-node runs inference synchronously inside a `setImmediate`, so a run
 * blocks its event loop for its whole duration.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { ort } from './ort-module.js';
import { OnnxError, ortReason } from './errors.js';
import {
  dropInPlace,
  EXTERNAL_DATA_FOLDER,
  inPlaceModel,
  type InPlaceModel,
} from './in-place-weights.js';
import { explainProviderFailure, providerCandidates } from './providers.js';
import type { ProviderName } from './providers.js';

export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionSettings {
  /** 'auto' (default) walks the preference list; a name tries that provider, then CPU. */
  provider?: 'auto' | ProviderName;
  /** Threads inside one operator; 0 or absent lets ORT use one per physical core. */
  intraOpThreads?: number;
  /**
   * Threads across independent operators; only used by ORT's parallel execution mode,
   * which stays off (a CLIP graph is one chain).
   */
  interOpThreads?: number;
  /** Default 'all': every graph rewrite ORT knows, as the ORT docs recommend for inference. */
  graphOptimization?: GraphOptimization;
  /** Default on: load through the model's in-place header ([Note: weights read in place]). */
  inPlace?: boolean;
}

export interface TensorInfo {
  name: string;
  /** ORT's element type name ('float32', 'int64', …), or 'non-tensor'. */
  type: string;
  /** Fixed sizes as numbers, symbolic dimensions by name. */
  shape: readonly (number | string)[];
}

export interface LoadedSession {
  /** Absolute path of the model file. */
  readonly path: string;
  readonly session: InferenceSession;
  /** The provider the session was created with (ORT still places unsupported nodes on CPU). */
  readonly provider: ProviderName;
  /** Why each provider preferred over `provider` does not run, one sentence each. */
  readonly notes: string[];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Milliseconds spent creating the session (all provider tries included). */
  readonly loadMs: number;
  /** Created from the model's in-place header, its weights mapped from the file. */
  readonly inPlace: boolean;
}

interface CacheEntry {
  /** Size and modification time when loaded: a replaced file gets a fresh session. */
  fileStamp: string;
  pending: Promise<LoadedSession>;
  /** The session once created (forgetSession finds its entry by it). */
  loaded?: LoadedSession;
}

const cache = new Map<string, CacheEntry>();

function describeMetadata(list: readonly InferenceSession.ValueMetadata[]): TensorInfo[] {
  return list.map((m) =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: [...m.shape] }
      : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

export function ortOptions(
  settings: SessionSettings,
  provider: ProviderName,
  inPlace: InPlaceModel | null = null,
): InferenceSession.SessionOptions {
  const options: InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: settings.graphOptimization ?? 'all',
    // Warnings such as "some nodes were not assigned to the preferred provider" are
    // expected with GPU providers and would flood the log; errors still show.
    logSeverityLevel: 3,
  };
  // [Note: no memory pattern] With memory patterns on, onnxruntime plans one block for all
  // of a run's intermediate tensors per input shape and keeps it: an index run's full
  // batches and its last, smaller one hold two. Off, intermediates come and go through the
  // arena instead. `lantern index` of 38 real photos, alternated 7 times each: peak RSS
  // median 1015 → 925 MiB, wall time 5.24 → 5.20 s, CPU the same. The DirectML EP refuses
  // memory patterns anyway (onnxruntime.ai, DirectML Execution Provider, "Usage"); the
  // other GPU providers keep onnxruntime's default, not having been measured.
  if (provider === 'cpu' || provider === 'dml') options.enableMemPattern = false;
  if (provider === 'dml') {
    // DirectML also refuses parallel execution (same page).
    options.executionMode = 'sequential';
  }
  // [Note: no spin-waiting] ORT's intra-op threads spin-wait between operators by
  // default (onnxruntime.ai, "Thread management"). Beside sharp's decodes on a small
  // machine that spinning burns the cores the decodes need: on 2 cores, a whole
  // `lantern index` of 60 real JPEGs took about 8 % fewer CPU-seconds per photo without
  // it, and no more wall time. Nodes a GPU provider leaves on the CPU use the same pool.
  const session: Record<string, unknown> = { intra_op: { allow_spinning: '0' } };
  options.extra = { session };
  // [Note: no pre-packing] On the CPU, onnxruntime copies each MatMul's weights into a
  // packed layout when the session is created. With the weights read in place ([Note:
  // weights read in place] in in-place-weights.ts) that copy is the one thing left to
  // fault into fresh memory: the bench's ViT-B/32 image encoder is created in 1.3 s with it
  // and 0.2 s without. Alone, its batches of 16 then run ~20 % faster (0.74–0.90 against
  // 0.98–1.15 s); in a whole `lantern index` beside the decodes the two come out even or
  // better without: 38 real photos, 4 alternated runs, median 4.70 s without and 5.06 s
  // with; 190 photos (glibc huge pages on) 14.8 and 14.6 s, peak RSS alike (~890 MiB).
  // Earlier, with the weights copied, it also cost ~200 MB more at the peak. So it is off.
  if (provider === 'cpu') session['disable_prepacking'] = '1';
  if (inPlace) session[EXTERNAL_DATA_FOLDER] = inPlace.folder;
  // [Note: onnxruntime's own thread count] Unless asked, onnxruntime picks its intra-op
  // pool: on this project's 2-core machine it runs a batch on one thread (process CPU ÷
  // wall 1.00; 1.97 with intraOpNumThreads 2). Measured and not changed (session 25):
  // two threads run a bench ViT-B/32 batch of 16 in 0.55 s instead of 0.81 s but for 34 %
  // more CPU, and beside the decodes of an index run that is no gain (38 real photos with
  // the encoder loaded, 3 alternated runs: 4.44–4.67 s against 4.42–4.68 s, 8.2–8.5 CPU-s
  // against 7.5–7.7). Two inference threads each hosting a one-thread session (two batches
  // at once) saved up to 0.4 s of a 5 s `lantern index` but added ~300 MiB of peak RSS:
  // each session maps the weights itself and RSS counts both mappings; handing both one
  // shared copy through onnxruntime-node's `externalData` makes onnxruntime copy it (4–5 s
  // to create, 1.2 GB). The decodes, not inference, pace a run of real photos here.
  // (onnxruntime's default does make a pool of two threads here, one started beside the
  // caller, yet a batch keeps one core busy: 0.88 s a batch of 16 at CPU ÷ wall 1.00,
  // against 0.53-0.57 s at 1.95 with intraOpNumThreads 2.) Frames of a video are cheap
  // to make and inference paces them, so the video pass asks for every core: [Note: a
  // video pass uses every core] in engine/video/video-pass.ts.
  if (settings.intraOpThreads !== undefined) options.intraOpNumThreads = settings.intraOpThreads;
  if (settings.interOpThreads !== undefined) options.interOpNumThreads = settings.interOpThreads;
  return options;
}

async function createSession(
  path: string,
  settings: SessionSettings,
  fileStamp: string,
): Promise<LoadedSession> {
  const started = performance.now();
  const notes: string[] = [];
  let inPlace = settings.inPlace === false ? null : await inPlaceModel(path, fileStamp);
  for (const candidate of providerCandidates(settings.provider ?? 'auto')) {
    if (candidate.skip !== undefined) {
      notes.push(candidate.skip);
      continue;
    }
    let session: InferenceSession;
    try {
      const options = ortOptions(settings, candidate.name, inPlace);
      session = inPlace
        ? await ort().InferenceSession.create(inPlace.header, options)
        : await ort().InferenceSession.create(path, options);
    } catch (error) {
      if (candidate.name !== 'cpu') {
        notes.push(explainProviderFailure(candidate.name, error));
        continue;
      }
      if (!inPlace) throw cpuLoadFailed(path, ortReason(error), error);
      // A header onnxruntime refuses is dropped and the file loaded as it is: if that works,
      // the header was at fault (the next load makes it again); if not, the file is.
      await dropInPlace(path, fileStamp);
      inPlace = null;
      try {
        session = await ort().InferenceSession.create(path, ortOptions(settings, 'cpu'));
      } catch (fromFile) {
        throw cpuLoadFailed(path, ortReason(fromFile), fromFile);
      }
    }
    return describe(path, session, candidate.name, notes, started, inPlace !== null);
  }
  // Unreachable while CPU ends every candidate list; kept so a future list cannot fail silently.
  throw new OnnxError(
    'MODEL_INVALID',
    path,
    `No execution provider could load ${path}: ${notes.join(' ')}`,
  );
}

/**
 * The error for a model file the CPU provider cannot load: CPU loads every valid model,
 * so a CPU failure means the file itself is wrong (in-process and thread loads alike).
 */
export function cpuLoadFailed(path: string, reason: string, cause?: unknown): OnnxError {
  return new OnnxError(
    'MODEL_INVALID',
    path,
    `The model file ${path} could not be loaded (${reason}). It is damaged or not an ONNX model this version of Lantern can run: download it again or remove it.`,
    cause === undefined ? undefined : { cause },
  );
}

export async function fileStampOf(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
    return `${info.size}:${info.mtimeMs}`;
  } catch (error) {
    throw new OnnxError(
      'MODEL_MISSING',
      path,
      `The model file ${path} is missing. Download the model again, or check the model folder.`,
      { cause: error },
    );
  }
}

function describe(
  path: string,
  session: InferenceSession,
  provider: ProviderName,
  notes: string[],
  started: number,
  inPlace: boolean,
): LoadedSession {
  return {
    path,
    session,
    provider,
    notes,
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    inputs: describeMetadata(session.inputMetadata),
    outputs: describeMetadata(session.outputMetadata),
    loadMs: performance.now() - started,
    inPlace,
  };
}

/**
 * The session for a model file, created on first use and cached. Concurrent calls for
 * the same file and settings share one load; a failed load is not cached.
 */
export async function loadSession(
  path: string,
  settings: SessionSettings = {},
): Promise<LoadedSession> {
  const absolute = resolve(path);
  const fileStamp = await fileStampOf(absolute);
  const key = JSON.stringify([
    absolute,
    settings.provider ?? 'auto',
    settings.intraOpThreads ?? 0,
    settings.interOpThreads ?? 0,
    settings.graphOptimization ?? 'all',
    settings.inPlace !== false,
  ]);
  const cached = cache.get(key);
  if (cached?.fileStamp === fileStamp) return cached.pending;
  if (cached) {
    cache.delete(key);
    await releaseEntry(cached);
  }
  const pending = createSession(absolute, settings, fileStamp);
  const entry: CacheEntry = { fileStamp, pending };
  cache.set(key, entry);
  pending.then(
    (loaded) => (entry.loaded = loaded),
    () => {
      if (cache.get(key) === entry) cache.delete(key);
    },
  );
  return pending;
}

/**
 * A session of the caller's own, outside the cache: nobody else is handed it, so its owner
 * may release it (`session.release()`) when done ([Note: a one-shot search frees the text
 * encoder] in electron/engine/clip/encoder.ts).
 */
export async function loadOwnSession(
  path: string,
  settings: SessionSettings = {},
): Promise<LoadedSession> {
  const absolute = resolve(path);
  return createSession(absolute, settings, await fileStampOf(absolute));
}

async function releaseEntry(entry: CacheEntry): Promise<void> {
  try {
    const loaded = await entry.pending;
    await loaded.session.release();
  } catch {
    // A load that failed holds nothing to release.
  }
}

/** Releases every cached session (or only those of one model file) and forgets them. */
export async function releaseSessions(path?: string): Promise<void> {
  const absolute = path === undefined ? undefined : resolve(path);
  const entries: CacheEntry[] = [];
  for (const [key, entry] of cache) {
    if (absolute !== undefined && (JSON.parse(key) as unknown[])[0] !== absolute) continue;
    cache.delete(key);
    entries.push(entry);
  }
  await Promise.all(entries.map(releaseEntry));
}

/**
 * Releases one session and forgets it, so the next loadSession of its file creates a
 * fresh one: for a caller that hosts the model elsewhere now (an InferenceThread) and
 * keeps only the metadata (names, shapes, provider). Whoever shares it must not run it.
 */
export async function forgetSession(loaded: LoadedSession): Promise<void> {
  for (const [key, entry] of cache) if (entry.loaded === loaded) cache.delete(key);
  await loaded.session.release();
}

/** How many sessions are cached (for tests and diagnostics). */
export function cachedSessionCount(): number {
  return cache.size;
}
