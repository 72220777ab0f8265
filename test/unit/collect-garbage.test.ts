/**
 * @file The full garbage collection an index build starts with ([Note: garbage collected
 * before an index build] in native/store/vector-index.ts), in a process not started with
 * `--expose-gc` (vitest's workers are not).
 */
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../native/store/vector-index.js';

/** A weak reference to an object nothing else holds. */
function unreferenced(): WeakRef<object> {
  return new WeakRef({ payload: new Array<number>(1000).fill(1) });
}

describe('collectGarbage', () => {
  it('collects an unreachable object without --expose-gc, and leaves no gc behind', async () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    const ref = unreferenced();
    expect(ref.deref()).toBeDefined();
    // A WeakRef's target is kept until the job that made or read it ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
