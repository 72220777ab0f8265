/**
 * @file Loading a model straight onto an inference thread (engine process).
 *
 * [Note: the thread loads its own model]
 * A session created in-process and then again on the thread costs the model's load twice
 * (for CLIP ViT-B/32's image encoder about 0.8 s of CPU on this project's 2-core machine)
 * and holds two copies of its weights until the first is released; worse, onnxruntime
 * creates a session synchronously, so the in-process load blocks the JavaScript thread,
 * and with it every photo decode waiting for its next step. So the worker walks the
 * provider candidates itself — the same list, options and fallback to CPU as
 * loadSession's in-process walk (providers.ts, session.ts) — and answers with the provider
 * that loaded, why each one before it did not, and the session's tensor names. Only when
 * the worker itself cannot start does the caller fall back to an in-process session.
 */
import { explainProviderFailure, providerCandidates } from './providers.js';
import { cpuLoadFailed, fileStampOf, ortOptions, type SessionSettings } from './session.js';
import { InferenceThread } from './thread.js';
import { dropInPlace, inPlaceModel } from './in-place-weights.js';
import type { ProviderName } from './providers.js';

export interface ThreadLoaded {
  thread: InferenceThread;
  provider: ProviderName;
  /** Why each provider preferred over `provider` does not run, one sentence each. */
  notes: string[];
  inputNames: readonly string[];
  outputNames: readonly string[];
  loadMs: number;
}

/**
 * The model at `path` on a thread of its own, or null (with the reason) when no worker
 * thread can start here. Throws OnnxError MODEL_MISSING for a missing file and
 * MODEL_INVALID for one no provider, CPU included, can load.
 */
export async function loadOnThread(
  path: string,
  settings: SessionSettings = {},
): Promise<ThreadLoaded | { thread: null; reason: string }> {
  const started = performance.now();
  const fileStamp = await fileStampOf(path);
  // [Note: weights read in place] (in-place-weights.ts), as loadSession does.
  const inPlace = settings.inPlace === false ? null : await inPlaceModel(path, fileStamp);
  const notes: string[] = [];
  const candidates: { name: ProviderName; options: ReturnType<typeof ortOptions> }[] = [];
  for (const candidate of providerCandidates(settings.provider ?? 'auto')) {
    if (candidate.skip !== undefined) notes.push(candidate.skip);
    else
      candidates.push({
        name: candidate.name,
        options: ortOptions(settings, candidate.name, inPlace),
      });
  }
  const { thread, ready } = await InferenceThread.spawn(path, candidates, inPlace);
  if (inPlace && ready.ready && !ready.inPlace) await dropInPlace(path, fileStamp);
  for (const failure of ready.failures ?? []) {
    if (failure.name !== 'cpu') notes.push(explainProviderFailure(failure.name, failure.error));
  }
  const cpuFailure = ready.failures?.find((failure) => failure.name === 'cpu');
  if (cpuFailure) throw cpuLoadFailed(path, cpuFailure.error);
  if (!thread || !ready.provider) {
    return { thread: null, reason: ready.error ?? 'the worker thread did not start' };
  }
  return {
    thread,
    provider: ready.provider,
    notes,
    inputNames: ready.inputNames ?? [],
    outputNames: ready.outputNames ?? [],
    loadMs: performance.now() - started,
  };
}
