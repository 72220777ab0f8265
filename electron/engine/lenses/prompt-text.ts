/**
 * @file Which of an image's embedded texts is the prompt it was generated from (engine,
 * plain Node), for the prompt-fidelity lens. The texts are read in native/image
 * (embedded-text.ts); this file only chooses and trims.
 *
 * [Note: where generators keep the prompt]
 * - AUTOMATIC1111 / Forge: a PNG `parameters` chunk, or EXIF UserComment in a JPEG/WebP:
 *   the prompt, then optional "Negative prompt: …", then a "Steps: …, Sampler: …" line.
 *   Only the prompt is kept.
 * - ComfyUI: a PNG `prompt` chunk holding the API graph as JSON; the prompt is the `text`
 *   of the node the sampler's `positive` input points at. A `prompt` chunk that is not
 *   JSON (other tools) is the prompt itself.
 * - Others (InvokeAI, NovelAI, exports from editors): `Description`, `Comment` chunks, or
 *   EXIF ImageDescription.
 * The first of these that yields text wins, in that order.
 */
import type { EmbeddedText } from '../../../native/image/index.js';

export interface FoundPrompt {
  prompt: string;
  /** Where it was found, for the person: "PNG chunk 'parameters'", "EXIF UserComment". */
  source: string;
}

/** PNG chunk keywords, in the order they are trusted (compared without case). */
const CHUNK_KEYWORDS = ['parameters', 'prompt', 'description', 'comment'] as const;

/** The generation prompt among an image's embedded texts, or null when none holds one. */
export function promptFromText(text: EmbeddedText): FoundPrompt | null {
  for (const keyword of CHUNK_KEYWORDS) {
    const chunk = text.chunks.find((c) => c.keyword.toLowerCase() === keyword);
    if (!chunk) continue;
    const prompt =
      keyword === 'parameters'
        ? a1111Prompt(chunk.text)
        : keyword === 'prompt'
          ? comfyPrompt(chunk.text)
          : chunk.text.trim();
    if (prompt) return { prompt, source: `PNG chunk '${chunk.keyword}'` };
  }
  const fromComment = text.userComment ? a1111Prompt(text.userComment) : '';
  if (fromComment) return { prompt: fromComment, source: 'EXIF UserComment' };
  if (text.imageDescription)
    return { prompt: text.imageDescription.trim(), source: 'EXIF ImageDescription' };
  return null;
}

/** AUTOMATIC1111's parameters text without its negative prompt and settings lines. */
export function a1111Prompt(parameters: string): string {
  const lines = parameters.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    if (/^Negative prompt:/i.test(line)) break;
    // The settings line: "Steps: 20, Sampler: Euler a, CFG scale: 7, …".
    if (/^Steps: \d+/.test(line)) break;
    kept.push(line);
  }
  return kept.join('\n').trim();
}

/** ComfyUI's API graph: the text of the sampler's positive conditioning; else the raw text. */
export function comfyPrompt(chunk: string): string {
  let graph: unknown;
  try {
    graph = JSON.parse(chunk);
  } catch {
    return chunk.trim();
  }
  if (typeof graph !== 'object' || graph === null) return chunk.trim();
  const nodes = graph as Record<string, { inputs?: Record<string, unknown> } | undefined>;
  for (const node of Object.values(nodes)) {
    const positive = node?.inputs?.positive;
    if (!Array.isArray(positive) || positive.length === 0) continue;
    const text = nodes[String(positive[0])]?.inputs?.text;
    if (typeof text === 'string' && text.trim() !== '') return text.trim();
  }
  return '';
}
