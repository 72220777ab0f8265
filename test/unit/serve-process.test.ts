/**
 * @file [Note: serve runs without huge pages] (electron/cli/serve-process.ts): which
 * GLIBC_TUNABLES ask for malloc's huge pages, and what is left once that tunable is taken out.
 */
import { describe, expect, it } from 'vitest';
import { asksForHugePages, withoutHugePages } from '../../electron/cli/serve-process.js';
import { COMMAND_LINE_TUNABLES } from '../../electron/main/malloc.js';

describe('the huge-page tunable', () => {
  it('is read from a colon-separated list, and hugetlb=0 does not ask', () => {
    expect(asksForHugePages(COMMAND_LINE_TUNABLES.GLIBC_TUNABLES)).toBe(true);
    expect(asksForHugePages('glibc.malloc.check=3:glibc.malloc.hugetlb=2')).toBe(true);
    expect(asksForHugePages('glibc.malloc.hugetlb=0')).toBe(false);
    expect(asksForHugePages('glibc.malloc.check=3')).toBe(false);
    expect(asksForHugePages(undefined)).toBe(false);
    expect(asksForHugePages('')).toBe(false);
  });

  it('is taken out and the other tunables kept in order', () => {
    expect(withoutHugePages(COMMAND_LINE_TUNABLES.GLIBC_TUNABLES)).toBeUndefined();
    expect(withoutHugePages('glibc.malloc.check=3:glibc.malloc.hugetlb=1:glibc.rtld.nns=8')).toBe(
      'glibc.malloc.check=3:glibc.rtld.nns=8',
    );
    expect(withoutHugePages(undefined)).toBeUndefined();
  });
});
