/**
 * @file The detectors and segmenters loaded in one engine: the inspector's
 * (service/vision-handlers.ts) and search's counting (library.ts) share one set, so a
 * model file is loaded once (one session, one thread) whoever asks first. One per model
 * id and provider, kept until its owner closes it. Each first load is reported to the
 * listener (the service sends it as event vision:loading); a kept model reports nothing.
 */
import type { VisionLoading } from '../../shared/types.js';
import type { ModelRegistry } from '../models/registry.js';
import type { LoadListener } from './load-progress.js';
import { Detector, Segmenter, type PromptModelOptions } from './prompt-models.js';

/**
 * The detectors and segmenters the service has loaded, one per model id and provider,
 * kept for the service's life (a load is seconds for a real model; the answers' caches
 * live with the loaded model, prompt-cache.ts).
 */
export class VisionModels {
  private readonly detectors = new Map<string, Promise<Detector>>();
  private readonly segmenters = new Map<string, Promise<Segmenter>>();

  /** `onLoading` hears every first load: reading, preparing, then ready or failed. */
  constructor(private readonly onLoading?: (event: VisionLoading) => void) {}

  detector(registry: ModelRegistry, id: string, options: PromptModelOptions): Promise<Detector> {
    return kept(this.detectors, `${id}\0${options.provider}`, () =>
      Detector.load(registry, id, { ...options, onLoad: this.reporter('detect', id) }),
    );
  }

  segmenter(registry: ModelRegistry, id: string, options: PromptModelOptions): Promise<Segmenter> {
    return kept(this.segmenters, `${id}\0${options.provider}`, () =>
      Segmenter.load(registry, id, { ...options, onLoad: this.reporter('segment', id) }),
    );
  }

  private reporter(task: VisionLoading['task'], model: string): LoadListener {
    return (phase, loaded, total) => this.onLoading?.({ task, model, phase, loaded, total });
  }

  /** Stop every model loaded here: its thread and its session (with the service). */
  async close(): Promise<void> {
    const loaded = await Promise.allSettled([
      ...this.detectors.values(),
      ...this.segmenters.values(),
    ]);
    this.detectors.clear();
    this.segmenters.clear();
    for (const model of loaded) if (model.status === 'fulfilled') await model.value.close();
  }
}

/** One load per key; a failed load is forgotten so the next call tries again. */
function kept<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let pending = map.get(key);
  if (pending === undefined) {
    pending = load();
    map.set(key, pending);
    pending.catch(() => {
      if (map.get(key) === pending) map.delete(key);
    });
  }
  return pending;
}
