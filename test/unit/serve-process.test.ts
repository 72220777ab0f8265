/**
 * @file [Note: serve runs with the engine's malloc settings] (electron/cli/serve-process.ts):
 * which GLIBC_TUNABLES ask for malloc's huge pages, what is left once that tunable is taken
 * out, and when serve starts its server again with the engine's settings.
 */
import { describe, expect, it } from 'vitest';
import {
  asksForHugePages,
  runsWithCommandLineMalloc,
  servesFromChild,
  withEngineMalloc,
  withoutHugePages,
} from '../../electron/cli/serve-process.js';
import { COMMAND_LINE_MALLOC, GLIBC_MALLOC } from '../../electron/shared/malloc.js';

describe('the huge-page tunable', () => {
  it('is read from a colon-separated list, and hugetlb=0 does not ask', () => {
    expect(asksForHugePages(COMMAND_LINE_MALLOC.GLIBC_TUNABLES)).toBe(true);
    expect(asksForHugePages('glibc.malloc.check=3:glibc.malloc.hugetlb=2')).toBe(true);
    expect(asksForHugePages('glibc.malloc.hugetlb=0')).toBe(false);
    expect(asksForHugePages('glibc.malloc.check=3')).toBe(false);
    expect(asksForHugePages(undefined)).toBe(false);
    expect(asksForHugePages('')).toBe(false);
  });

  it('is taken out and the other tunables kept in order', () => {
    expect(withoutHugePages(COMMAND_LINE_MALLOC.GLIBC_TUNABLES)).toBeUndefined();
    expect(withoutHugePages('glibc.malloc.check=3:glibc.malloc.hugetlb=1:glibc.rtld.nns=8')).toBe(
      'glibc.malloc.check=3:glibc.rtld.nns=8',
    );
    expect(withoutHugePages(undefined)).toBeUndefined();
  });
});

describe("the command line's malloc settings against the engine's", () => {
  it("differ, so a server started with the engine's does not start itself again", () => {
    const commandLine = { ...GLIBC_MALLOC, ...COMMAND_LINE_MALLOC };
    expect(runsWithCommandLineMalloc(commandLine)).toBe(true);
    expect(runsWithCommandLineMalloc({ ...GLIBC_MALLOC })).toBe(false);
    expect(runsWithCommandLineMalloc({})).toBe(false);
    // Either of the two is enough to start the server again.
    expect(
      runsWithCommandLineMalloc({ ...GLIBC_MALLOC, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }),
    ).toBe(true);
    expect(runsWithCommandLineMalloc({ ...GLIBC_MALLOC, MALLOC_ARENA_MAX: '1' })).toBe(true);
    const served = withEngineMalloc({
      ...commandLine,
      GLIBC_TUNABLES: 'glibc.rtld.nns=8:glibc.malloc.hugetlb=1',
      HOME: '/home/a',
    });
    expect(served).toEqual({
      ...GLIBC_MALLOC,
      GLIBC_TUNABLES: 'glibc.rtld.nns=8',
      HOME: '/home/a',
    });
    expect(runsWithCommandLineMalloc(served)).toBe(false);
  });

  it('starts the server again only from a process that is not already the server', () => {
    const commandLine = { ...GLIBC_MALLOC, ...COMMAND_LINE_MALLOC };
    expect(servesFromChild(commandLine)).toBe(true);
    expect(servesFromChild({ ...GLIBC_MALLOC })).toBe(false);
    // A server child whose settings were somehow still the command line's starts no other.
    expect(servesFromChild({ ...commandLine, LANTERN_SERVE_PARENT: '1234' })).toBe(false);
  });
});
