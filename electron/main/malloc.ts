/**
 * @file glibc's malloc settings for the engine's process: the values bin/lantern.js's first
 * line gives the command line ([Note: two malloc arenas] there), which glibc reads only when
 * a process starts, so the desktop app passes them to the engine's process it forks.
 */
export const GLIBC_MALLOC = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '16777216',
  MALLOC_TRIM_THRESHOLD_: '67108864',
} as const;

/**
 * What the command line's first line adds: malloc asks for transparent huge pages ([Note:
 * malloc asks for huge pages] in bin/lantern.js). Not given to the engine, which answers
 * warm searches for as long as it runs ([Note: serve runs without huge pages] in
 * electron/cli/serve-process.ts).
 */
export const COMMAND_LINE_TUNABLES = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' } as const;
