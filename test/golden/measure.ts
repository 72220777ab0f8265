/**
 * @file Prints the golden test's figures per case (mean and max absolute difference
 * from CLIP's preprocessing, normalised units), for docs/search.md "Preprocessing
 * parity": `npx tsx test/golden/measure.ts`. Needs what the test needs (python3-pil,
 * mate-backgrounds).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GOLDEN_CASES, bundledPreprocess, caseFile } from './cases.js';
import { clipReference, difference, findPythonWithPil, lanternTensor } from './reference.js';

const dir = await mkdtemp(join(tmpdir(), 'lantern-golden-'));
try {
  const pre = await bundledPreprocess();
  const files = [];
  for (const [i, golden] of GOLDEN_CASES.entries()) files.push(await caseFile(golden, i, dir));
  const reference = await clipReference(await findPythonWithPil(), files, dir);
  for (const [i, golden] of GOLDEN_CASES.entries()) {
    const tensor = await lanternTensor(files[i]!, pre, join(dir, `thumb-${i}.webp`));
    const { mean, max } = difference(tensor, reference[i]!);
    console.log(`${golden.name}\t${mean.toFixed(4)} / ${max.toFixed(3)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
