/**
 * @file One change at a time per key (engine worker, plain Node): what reads stored state
 * (a table's rows, a small file) and writes what follows from it waits for the change
 * before it on the same key, so two requests in flight at once (a tagging run and the
 * person's decision; two tags hidden in quick succession) cannot each write from the same
 * old state and lose the other's change. Keyed by what is changed, not by the object that
 * changes it: during a model switch two stores (two TagTables) share one tags table.
 * Within one process; one process writes a library at a time
 * (electron/engine/library-lock.ts).
 */

const last = new Map<string, Promise<unknown>>();

/** Runs `change` after every change started before it on `key`, whatever their outcome. */
export function inTurn<T>(key: string, change: () => Promise<T>): Promise<T> {
  const run = (last.get(key) ?? Promise.resolve()).then(change);
  const settled = run.catch(() => undefined);
  last.set(key, settled);
  // Forget the key once nothing waits on it, so the map holds only keys in use.
  void settled.then(() => {
    if (last.get(key) === settled) last.delete(key);
  });
  return run;
}
