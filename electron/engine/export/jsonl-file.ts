/**
 * @file Exported embeddings as JSON lines (engine, plain Node): one object per row,
 * `{"path","kind","t","taken_at","model","vector":[…]}`, appended a page at a time.
 *
 * Each vector value is written with 9 significant digits: the fewest that always read
 * back as the same float32 (IEEE 754's max_digits10 for binary32), where JavaScript's own
 * printing of the widened double would use up to 17.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ExportPage } from './export-rows.js';

const FLOAT32_DIGITS = 9;

export class JsonLinesFile {
  private constructor(
    private readonly handle: FileHandle,
    private readonly dim: number,
  ) {}

  static async create(file: string, dim: number): Promise<JsonLinesFile> {
    return new JsonLinesFile(await open(file, 'w'), dim);
  }

  async write(page: ExportPage): Promise<void> {
    const lines: string[] = [];
    for (let i = 0; i < page.paths.length; i++) {
      const vector = Array.from(page.vectors.subarray(i * this.dim, (i + 1) * this.dim), (x) =>
        Number(x.toPrecision(FLOAT32_DIGITS)),
      );
      lines.push(
        JSON.stringify({
          path: page.paths[i],
          kind: page.kinds[i],
          t: page.times[i] ?? null,
          taken_at: page.takenAt[i] ?? null,
          model: page.model,
          vector,
        }),
      );
    }
    if (lines.length > 0) await this.handle.write(`${lines.join('\n')}\n`);
  }

  async finish(): Promise<void> {
    await this.handle.close();
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
