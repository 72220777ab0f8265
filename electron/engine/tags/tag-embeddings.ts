/**
 * @file A tag's text embedding (engine, plain Node): prompt ensembling and its cache.
 *
 * A tag is many prompts ("a red photo", "a photo of something crimson", …). CLIP reads
 * each a little differently, so the tag's vector is the mean of their L2-normalised
 * embeddings, normalised again (prompt ensembling, CLIP paper §3.1.4): the words the
 * prompts share add up, each prompt's accidents average out.
 *
 * Embedding a vocabulary costs one text-encoder run per prompt, so vectors are kept,
 * keyed by the model id and a hash of the tag's prompts: another model or an edited tag
 * (new synonym, new template) misses the cache and is recomputed, nothing else is.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { normalize } from '../util/vectors.js';

/** Embeds texts with the current model; vectors come back L2-normalised (ClipEncoder.encodeTexts). */
export type EncodeText = (texts: readonly string[]) => Promise<Float32Array[]>;

/** The mean of the prompts' normalised embeddings, renormalised. */
export async function tagEmbedding(
  prompts: readonly string[],
  encodeText: EncodeText,
): Promise<Float32Array> {
  if (prompts.length === 0) throw new RangeError('A tag needs at least one prompt to be embedded.');
  const vectors = await encodeText(prompts);
  const first = vectors[0];
  if (!first) throw new RangeError('The text encoder returned no vector.');
  const sum = new Float32Array(first.length);
  for (const vector of vectors) {
    // Normalised again here: the ensemble must weigh prompts equally whatever the encoder returns.
    const unit = normalize(Float32Array.from(vector));
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] ?? 0) + (unit[i] ?? 0);
  }
  return normalize(sum);
}

/** A hash of the prompts; order does not matter (the mean does not depend on it). */
export function promptsHash(prompts: readonly string[]): string {
  const canonical = [...new Set(prompts)].sort().join('\n');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

const CACHE_FILE = 'tag-embeddings.json';

interface CacheFile {
  version: 1;
  /** `modelId|promptsHash` → the tag's vector. */
  vectors: Record<string, number[]>;
}

/** In-memory tag vectors, optionally persisted as one JSON file in `dir`. */
export class TagEmbeddingCache {
  private readonly vectors = new Map<string, Float32Array>();

  private constructor(private readonly dir: string | null) {}

  /** A cache; with `dir`, what an earlier run saved there is read back (an unreadable file is ignored). */
  static async open(dir?: string): Promise<TagEmbeddingCache> {
    const cache = new TagEmbeddingCache(dir ?? null);
    if (!dir) return cache;
    try {
      const file = JSON.parse(await readFile(path.join(dir, CACHE_FILE), 'utf8')) as CacheFile;
      if (file.version === 1)
        for (const [key, vector] of Object.entries(file.vectors))
          cache.vectors.set(key, Float32Array.from(vector));
    } catch {
      // Missing or damaged: the cache only saves time, every vector can be recomputed.
    }
    return cache;
  }

  /** How many vectors are held (for tests and diagnostics). */
  get size(): number {
    return this.vectors.size;
  }

  /** The tag's vector for `modelId`, embedded only when this model has not seen these prompts. */
  async vectorFor(
    modelId: string,
    prompts: readonly string[],
    encodeText: EncodeText,
  ): Promise<Float32Array> {
    const key = `${modelId}|${promptsHash(prompts)}`;
    const known = this.vectors.get(key);
    if (known) return known;
    const vector = await tagEmbedding(prompts, encodeText);
    this.vectors.set(key, vector);
    return vector;
  }

  /** Write the cache to its folder (no-op without one); written whole, then renamed into place. */
  async save(): Promise<void> {
    if (!this.dir) return;
    await mkdir(this.dir, { recursive: true });
    const file: CacheFile = { version: 1, vectors: {} };
    for (const [key, vector] of this.vectors) file.vectors[key] = Array.from(vector);
    const target = path.join(this.dir, CACHE_FILE);
    await writeFile(`${target}.tmp`, JSON.stringify(file));
    await rename(`${target}.tmp`, target);
  }
}
