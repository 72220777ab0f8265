/**
 * @file Inspector state (renderer): one photo's, or one video frame's, prompts as chips
 * (colour, visibility, thresholds), what the engine answered for each (`vision:detect`
 * boxes, `vision:segment` probability maps), which box is hovered or selected, the exports
 * (`vision:export`), and a model's first load (`vision:loading`, ModelLoads).
 *
 * A video frame ([Note: a paused video frame] in contract.ts) is the video's path and a
 * `time`: the engine draws it (`vision:frame`) and every call carries the time.
 *
 * [Note: the slider never asks again] The engine answers every box above a low floor and
 * a probability map per prompt; the thresholds filter those here, so moving a slider is
 * instant and costs no model run. Answers are cached per (photo or frame, model, prompt)
 * for the whole session (inspector-cache.ts): adding a prompt asks only for that prompt,
 * and reopening a photo asks for nothing it already has.
 */
import type { ChannelInput } from '../../../electron/shared/contract.js';
import type { VisionDetection, VisionFrame } from '../../../electron/shared/types.js';
import { ApiError, errorMessage, invoke } from './api.js';
import { PROMPT_COLOURS, type Size } from './inspector-draw.js';
import {
  cacheKey,
  detectCache,
  segmentCache,
  warm,
  type DetectEntry,
  type SegmentEntry,
} from './inspector-cache.js';
import { ModelLoads } from './model-loading.svelte.js';

export { clearInspectorCache, type DetectEntry, type SegmentEntry } from './inspector-cache.js';

/** The contract's limits: prompts per detection call, and per segmentation call. */
export const MAX_PROMPTS = 16;
const SEGMENT_BATCH = 8;

/** The status line while a call waits on its model's first load (ModelLoading shows bytes). */
export const LOADING_MESSAGE = {
  detect: 'Loading the detector…',
  segment: 'Loading the segmenter…',
} as const;

export type ExportKind = ChannelInput<'vision:export'>['kind'];

export interface PromptChip {
  text: string;
  colour: string;
  visible: boolean;
  /** The person's box threshold; null until moved: the detector's suggestion applies. */
  boxThreshold: number | null;
  /** The person's mask threshold; null until moved: the segmenter's suggestion applies. */
  maskThreshold: number | null;
}

/** A box as drawn: its prompt, its index among that prompt's detections, and its colour. */
export interface ShownBox {
  prompt: string;
  index: number;
  colour: string;
  detection: VisionDetection;
}

function sameText(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export class InspectorState {
  readonly path: string;
  /** Seconds into the video at `path` when a frame is inspected; undefined for a photo. */
  readonly time: number | undefined;
  /** Model ids to ask for; undefined = the engine's default. */
  readonly detector: string | undefined;
  readonly segmenter: string | undefined;

  prompts = $state<PromptChip[]>([]);
  detect = $state(true);
  segment = $state(false);
  /** Answers by prompt text. */
  detections = $state<Record<string, DetectEntry>>({});
  masks = $state<Record<string, SegmentEntry>>({});
  /** What runs now, as sentences ("Loading the detector…"). */
  busy = $state<string[]>([]);
  error = $state<string | null>(null);
  errorCode = $state<string | null>(null);
  /** The prompt under the pointer or focus, and the box, when a box. */
  hovered = $state<{ prompt: string; box?: number } | null>(null);
  /** The box a crop takes. */
  selectedBox = $state<{ prompt: string; box: number } | null>(null);
  /** The prompt mask exports take: the last one added or picked. */
  activePrompt = $state<string | null>(null);
  exported = $state<string | null>(null);
  exporting = $state<ExportKind | null>(null);
  /** The video frame as the engine drew it, once it answered (only with a `time`). */
  frame = $state.raw<VisionFrame | null>(null);
  /** A model's first load, shown while a call waits on it. */
  readonly loads = new ModelLoads();

  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  readonly #pending = new Set<string>();

  constructor(
    path: string,
    options: { time?: number; detector?: string; segmenter?: string } = {},
  ) {
    this.path = path;
    this.time = options.time;
    this.detector = options.detector;
    this.segmenter = options.segmenter;
  }

  /** What every call about this picture carries: the path, and a frame's time. */
  get #picture(): { path: string; time?: number } {
    return this.time === undefined ? { path: this.path } : { path: this.path, time: this.time };
  }

  /** The photo's (or frame's) upright size as the engine measured it, once it answered. */
  get size(): Size | null {
    if (this.frame) return { width: this.frame.width, height: this.frame.height };
    const entry = Object.values(this.detections)[0] ?? Object.values(this.masks)[0];
    return entry ? { width: entry.width, height: entry.height } : null;
  }

  chip(prompt: string): PromptChip | undefined {
    return this.prompts.find((p) => p.text === prompt);
  }

  boxThreshold(prompt: string): number {
    return this.chip(prompt)?.boxThreshold ?? this.detections[prompt]?.threshold ?? 0.5;
  }

  maskThreshold(prompt: string): number {
    return this.chip(prompt)?.maskThreshold ?? this.masks[prompt]?.threshold ?? 0.5;
  }

  /** A prompt's boxes at its threshold, strongest first. */
  boxesOf(prompt: string): VisionDetection[] {
    const threshold = this.boxThreshold(prompt);
    return (this.detections[prompt]?.detections ?? []).filter((d) => d.score >= threshold);
  }

  /** Every box to draw: visible prompts in detect mode, each at its own threshold. */
  get shownBoxes(): ShownBox[] {
    if (!this.detect) return [];
    const out: ShownBox[] = [];
    for (const chip of this.prompts) {
      if (!chip.visible) continue;
      const threshold = this.boxThreshold(chip.text);
      (this.detections[chip.text]?.detections ?? []).forEach((detection, index) => {
        if (detection.score >= threshold)
          out.push({ prompt: chip.text, index, colour: chip.colour, detection });
      });
    }
    return out;
  }

  /**
   * Add a prompt as a chip (trimmed; a repeat or the 17th is refused with a sentence) and
   * ask for what the active modes need. Answers whether it was added.
   */
  add(text: string): boolean {
    const prompt = text.trim().replace(/\s+/g, ' ');
    if (!prompt) return false;
    if (this.prompts.some((p) => sameText(p.text, prompt))) {
      this.error = `“${prompt}” is already a prompt.`;
      this.errorCode = null;
      return false;
    }
    if (this.prompts.length >= MAX_PROMPTS) {
      this.error = `At most ${MAX_PROMPTS} prompts at once: remove one to add “${prompt}”.`;
      this.errorCode = null;
      return false;
    }
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local, built and read once
    const used = new Set(this.prompts.map((p) => p.colour));
    const colour =
      PROMPT_COLOURS.find((c) => !used.has(c)) ??
      PROMPT_COLOURS[this.prompts.length % PROMPT_COLOURS.length] ??
      PROMPT_COLOURS[0];
    this.prompts.push({
      text: prompt,
      colour,
      visible: true,
      boxThreshold: null,
      maskThreshold: null,
    });
    this.activePrompt = prompt;
    void this.run();
    return true;
  }

  remove(prompt: string): void {
    this.prompts = this.prompts.filter((p) => p.text !== prompt);
    if (this.activePrompt === prompt) this.activePrompt = this.prompts.at(-1)?.text ?? null;
    if (this.selectedBox?.prompt === prompt) this.selectedBox = null;
    if (this.hovered?.prompt === prompt) this.hovered = null;
  }

  setModes(modes: { detect?: boolean; segment?: boolean }): void {
    if (modes.detect !== undefined) this.detect = modes.detect;
    if (modes.segment !== undefined) this.segment = modes.segment;
    void this.run();
  }

  /** Ask the engine for whatever the active modes lack; cached answers are taken as they are. */
  async run(): Promise<void> {
    const runs: Promise<void>[] = [];
    const texts = this.prompts.map((p) => p.text);
    if (this.detect) {
      const missing = this.#take('detect', texts, detectCache, this.detector, (p, e) => {
        this.detections[p] = e;
      });
      if (missing.length > 0) runs.push(this.#detect(missing));
    }
    if (this.segment) {
      const missing = this.#take('segment', texts, segmentCache, this.segmenter, (p, e) => {
        this.masks[p] = e;
      });
      for (let i = 0; i < missing.length; i += SEGMENT_BATCH)
        runs.push(this.#segment(missing.slice(i, i + SEGMENT_BATCH)));
    }
    await Promise.all(runs);
  }

  /** Fill answers from the cache; the prompts still to ask for, marked pending. */
  #take<E>(
    kind: string,
    texts: string[],
    cache: Map<string, E>,
    model: string | undefined,
    put: (prompt: string, entry: E) => void,
  ): string[] {
    const missing: string[] = [];
    for (const prompt of texts) {
      const hit = cache.get(cacheKey(this.path, this.time, model, prompt));
      if (hit) put(prompt, hit);
      else if (!this.#pending.has(`${kind}:${prompt}`)) missing.push(prompt);
    }
    for (const prompt of missing) this.#pending.add(`${kind}:${prompt}`);
    return missing;
  }

  async #detect(prompts: string[]): Promise<void> {
    const message = warm.detect ? 'Detecting…' : LOADING_MESSAGE.detect;
    this.busy.push(message);
    const stopWaiting = this.loads.wait('detect');
    try {
      const answer = await invoke('vision:detect', {
        ...this.#picture,
        prompts,
        ...(this.detector ? { detector: this.detector } : {}),
      });
      warm.detect = true;
      for (const prompt of prompts) {
        const entry: DetectEntry = {
          model: answer.model,
          width: answer.width,
          height: answer.height,
          threshold: answer.threshold,
          detections: answer.detections.filter((d) => sameText(d.label, prompt)),
        };
        detectCache.set(cacheKey(this.path, this.time, this.detector, prompt), entry);
        this.detections[prompt] = entry;
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      for (const prompt of prompts) this.#pending.delete(`detect:${prompt}`);
      stopWaiting();
      this.#done(message);
    }
  }

  async #segment(prompts: string[]): Promise<void> {
    const message = warm.segment ? 'Segmenting…' : LOADING_MESSAGE.segment;
    this.busy.push(message);
    const stopWaiting = this.loads.wait('segment');
    try {
      const answer = await invoke('vision:segment', {
        ...this.#picture,
        prompts,
        ...(this.segmenter ? { segmenter: this.segmenter } : {}),
      });
      warm.segment = true;
      for (const prompt of prompts) {
        const mask = answer.masks.find((m) => sameText(m.label, prompt));
        if (!mask) continue;
        const entry: SegmentEntry = {
          model: answer.model,
          width: answer.width,
          height: answer.height,
          threshold: answer.threshold,
          mask,
        };
        segmentCache.set(cacheKey(this.path, this.time, this.segmenter, prompt), entry);
        this.masks[prompt] = entry;
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      for (const prompt of prompts) this.#pending.delete(`segment:${prompt}`);
      stopWaiting();
      this.#done(message);
    }
  }

  #done(message: string): void {
    const at = this.busy.indexOf(message);
    if (at >= 0) this.busy.splice(at, 1);
  }

  #fail(error: unknown): void {
    this.error = errorMessage(error);
    this.errorCode = error instanceof ApiError ? error.code : null;
  }

  /** Ask the engine for the frame to show (a video's inspector); a failure is the panel's error. */
  async loadFrame(): Promise<void> {
    if (this.time === undefined) return;
    try {
      this.frame = await invoke('vision:frame', { path: this.path, time: this.time });
    } catch (error) {
      this.#fail(error);
    }
  }

  dismissError(): void {
    this.error = null;
    this.errorCode = null;
  }

  /** Ask again for what failed (e.g. once a missing model is downloaded). */
  retry(): Promise<void> {
    this.dismissError();
    return this.run();
  }

  /** The vision:export input for `kind`, or null when it lacks what it needs (a prompt, a box). */
  exportInput(kind: ExportKind): ChannelInput<'vision:export'> | null {
    const models = {
      ...(this.detector ? { detector: this.detector } : {}),
      ...(this.segmenter ? { segmenter: this.segmenter } : {}),
    };
    if (kind === 'annotated') {
      const shown = this.prompts.filter((p) => p.visible).map((p) => p.text);
      const first = shown[0];
      if (first === undefined) return null;
      // One threshold for the file: the picked prompt's, when it is shown.
      const lead =
        this.activePrompt && shown.includes(this.activePrompt) ? this.activePrompt : first;
      return {
        ...this.#picture,
        kind,
        prompts: shown,
        threshold: this.boxThreshold(lead),
        masks: this.segment,
        ...(this.segment ? { maskThreshold: this.maskThreshold(lead) } : {}),
        ...models,
      };
    }
    if (kind === 'crop') {
      const selected = this.selectedBox;
      const detection = selected && this.detections[selected.prompt]?.detections[selected.box];
      if (!selected || !detection) return null;
      return { ...this.#picture, kind, prompts: [selected.prompt], box: detection.box, ...models };
    }
    const prompt = this.activePrompt;
    if (!prompt) return null;
    return {
      ...this.#picture,
      kind,
      prompts: [prompt],
      threshold: this.maskThreshold(prompt),
      ...models,
    };
  }

  /** Write an export beside the photo (or the video); `exported` holds the written path. */
  async export(kind: ExportKind): Promise<void> {
    const input = this.exportInput(kind);
    if (!input) return;
    this.exporting = kind;
    this.exported = null;
    try {
      this.exported = (await invoke('vision:export', input)).path;
      this.dismissError();
    } catch (error) {
      this.#fail(error);
    } finally {
      this.exporting = null;
    }
  }
}
