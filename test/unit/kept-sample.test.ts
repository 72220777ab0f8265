/**
 * @file The gate's background sample kept beside the media table (native/store/kept-sample.ts,
 * [Note: a kept background sample]): read back only for the same state of the table.
 */
import { mkdtempSync } from 'node:fs';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepSample, keptSamplePath, readKeptSample } from '../../native/store/kept-sample.js';

const stamp = { version: 17, rows: 1234, count: 3, dim: 4 };
const vectors = [
  Float32Array.from([0.1, 0.2, 0.3, 0.4]),
  Float32Array.from([-1, 0, 1, 2.5]),
  Float32Array.from([1e-7, 3, -3, 0]),
];

async function kept(): Promise<string> {
  const file = keptSamplePath(mkdtempSync(join(tmpdir(), 'lantern-sample-')), 'media-x');
  await keepSample(file, stamp, vectors);
  return file;
}

describe('kept background sample', () => {
  it('reads back the vectors it kept, for the same stamp', async () => {
    const file = await kept();
    expect(file.endsWith('media-x.sample')).toBe(true);
    const read = await readKeptSample(file, stamp);
    expect(read?.map((v) => Array.from(v))).toEqual(vectors.map((v) => Array.from(v)));
  });

  it('misses for any other state of the table, or another request', async () => {
    const file = await kept();
    for (const other of [
      { ...stamp, version: 18 },
      { ...stamp, rows: 1235 },
      { ...stamp, count: 1000 },
      { ...stamp, dim: 8 },
    ])
      expect(await readKeptSample(file, other)).toBeNull();
  });

  it('misses when the file is missing, cut short or not its own', async () => {
    expect(await readKeptSample(join(tmpdir(), 'lantern-no-such.sample'), stamp)).toBeNull();
    const short = await kept();
    await truncate(short, 32 + 4 * 4 + 6);
    expect(await readKeptSample(short, stamp)).toBeNull();
    const foreign = await kept();
    const bytes = await readFile(foreign);
    bytes.write('NOTOURS1', 0, 'latin1');
    await writeFile(foreign, bytes);
    expect(await readKeptSample(foreign, stamp)).toBeNull();
  });
});
