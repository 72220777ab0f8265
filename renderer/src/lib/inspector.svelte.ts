/**
 * @file Inspector state (renderer): one photo's prompts as chips (colour, visibility,
 * thresholds), what the engine answered for each (`vision:detect` boxes, `vision:segment`
 * probability maps), which box is hovered or selected, and the exports (`vision:export`).
 *
 * [Note: the slider never asks again] The engine answers every box above a low floor and
 * a probability map per prompt; the thresholds filter those here, so moving a slider is
 * instant and costs no model run. Answers are cached per (photo, model, prompt) for the
 * whole session: adding a prompt asks only for that prompt, and reopening a photo asks
 * for nothing it already has.
 */
import type { ChannelInput } from '../../../electron/shared/contract.js';
import type { VisionDetection, VisionMask } from '../../../electron/shared/types.js';
import { ApiError, errorMessage, invoke } from './api.js';
import { PROMPT_COLOURS, type Size } from './inspector-draw.js';

/** The contract's limits: prompts per detection call, and per segmentation call. */
export const MAX_PROMPTS = 16;
const SEGMENT_BATCH = 8;

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

/** One prompt's share of a vision:detect answer. */
export interface DetectEntry extends Size {
  model: string;
  threshold: number;
  detections: VisionDetection[];
}

/** One prompt's share of a vision:segment answer. */
export interface SegmentEntry extends Size {
  model: string;
  threshold: number;
  mask: VisionMask;
}

/** A box as drawn: its prompt, its index among that prompt's detections, and its colour. */
export interface ShownBox {
  prompt: string;
  index: number;
  colour: string;
  detection: VisionDetection;
}

// [Note: the slider never asks again] Module-wide, so a reopened inspector reuses them.
// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache; the state holds what is shown
const detectCache = new Map<string, DetectEntry>();
// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache; the state holds what is shown
const segmentCache = new Map<string, SegmentEntry>();
/** Whether a call of this kind has answered yet: the first one loads the model. */
const warm = { detect: false, segment: false };

/** Forget every cached answer (tests; a photo edited on disk is a new session's business). */
export function clearInspectorCache(): void {
  detectCache.clear();
  segmentCache.clear();
  warm.detect = false;
  warm.segment = false;
}

function cacheKey(path: string, model: string | undefined, prompt: string): string {
  return `${path}\u0000${model ?? ''}\u0000${prompt.toLowerCase()}`;
}

function sameText(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export class InspectorState {
  readonly path: string;
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

  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  readonly #pending = new Set<string>();

  constructor(path: string, models: { detector?: string; segmenter?: string } = {}) {
    this.path = path;
    this.detector = models.detector;
    this.segmenter = models.segmenter;
  }

  /** The photo's upright size as the engine measured it, once any answer came. */
  get size(): Size | null {
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
      const hit = cache.get(cacheKey(this.path, model, prompt));
      if (hit) put(prompt, hit);
      else if (!this.#pending.has(`${kind}:${prompt}`)) missing.push(prompt);
    }
    for (const prompt of missing) this.#pending.add(`${kind}:${prompt}`);
    return missing;
  }

  async #detect(prompts: string[]): Promise<void> {
    const message = warm.detect ? 'Detecting…' : 'Loading the detector…';
    this.busy.push(message);
    try {
      const answer = await invoke('vision:detect', {
        path: this.path,
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
        detectCache.set(cacheKey(this.path, this.detector, prompt), entry);
        this.detections[prompt] = entry;
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      for (const prompt of prompts) this.#pending.delete(`detect:${prompt}`);
      this.#done(message);
    }
  }

  async #segment(prompts: string[]): Promise<void> {
    const message = warm.segment ? 'Segmenting…' : 'Loading the segmenter…';
    this.busy.push(message);
    try {
      const answer = await invoke('vision:segment', {
        path: this.path,
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
        segmentCache.set(cacheKey(this.path, this.segmenter, prompt), entry);
        this.masks[prompt] = entry;
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      for (const prompt of prompts) this.#pending.delete(`segment:${prompt}`);
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
        path: this.path,
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
      return { path: this.path, kind, prompts: [selected.prompt], box: detection.box, ...models };
    }
    const prompt = this.activePrompt;
    if (!prompt) return null;
    return {
      path: this.path,
      kind,
      prompts: [prompt],
      threshold: this.maskThreshold(prompt),
      ...models,
    };
  }

  /** Write an export beside the photo; `exported` holds the written path. */
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
