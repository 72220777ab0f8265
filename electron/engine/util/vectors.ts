/**
 * @file Small vector helpers for the engine: L2 normalisation and dot products on
 * Float32Array embeddings. CLIP compares directions, so every stored and query vector
 * is unit length and cosine similarity is a plain dot product.
 */

export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  if (norm === 0 || !Number.isFinite(norm)) return vector;
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

/** Split an [N, D] row-major output into N normalised vectors (copies). */
export function splitRows(data: Float32Array, rows: number, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) out.push(normalize(data.slice(r * dim, (r + 1) * dim)));
  return out;
}
