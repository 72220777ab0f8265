/**
 * @file Copies Lantern keeps beside a model file (the in-place header, the signed-int8 copy):
 * where one lives and clearing out those of earlier versions. A copy sits in a folder of
 * its own next to the model, named by the model's file name and a tag that hashes what it
 * was made from (the maker's version and the source file's size and time), so a replaced
 * model or a changed maker never meets a stale copy.
 */
import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** `<model's folder>/<folder>/<model's name>.<tag><extension>`. */
export function modelCopyPath(
  modelPath: string,
  folder: string,
  version: string,
  fileStamp: string,
  extension: string,
): string {
  const tag = createHash('sha256').update(`${version}|${fileStamp}`).digest('hex').slice(0, 16);
  return join(dirname(modelPath), folder, `${basename(modelPath)}.${tag}${extension}`);
}

/**
 * Removes the other copies of `modelPath` in the folder of `keep` (same model name, another
 * tag), leaving `keep` and files still being written (`.partial-<pid>`).
 */
export async function removeOtherCopies(modelPath: string, keep: readonly string[]) {
  const folder = dirname(keep[0]!);
  const kept = new Set(keep.map((file) => basename(file)));
  const prefix = `${basename(modelPath)}.`;
  for (const name of await readdir(folder))
    if (name.startsWith(prefix) && !kept.has(name) && !name.includes('.partial-'))
      await rm(join(folder, name), { force: true });
}

/** Removes every copy of `modelPath` in `<model's folder>/<folder>`, and the folder once empty. */
export async function removeCopies(modelPath: string, folder: string): Promise<void> {
  const dir = join(dirname(modelPath), folder);
  const names = await readdir(dir).catch(() => null);
  if (names === null) return;
  const prefix = `${basename(modelPath)}.`;
  for (const name of names) if (name.startsWith(prefix)) await rm(join(dir, name), { force: true });
  if (names.every((name) => name.startsWith(prefix)))
    await rm(dir, { recursive: true, force: true });
}
