/**
 * @file glibc's malloc settings of Lantern's processes, which glibc reads only when a process
 * starts. GLIBC_MALLOC is the desktop engine's: the desktop app passes it to the engine's
 * process it forks; bin/lantern.js's first line gives the command line the same, changed
 * by COMMAND_LINE_MALLOC ([Note: two malloc arenas] there). Here, not in electron/main,
 * because `lantern serve` starts its server with the engine's settings too.
 */
export const GLIBC_MALLOC = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '16777216',
  MALLOC_TRIM_THRESHOLD_: '67108864',
} as const;

/**
 * What the command line's first line changes of those: one arena instead of two ([Note: the
 * command line's one malloc arena]) and malloc asking for transparent huge pages ([Note:
 * malloc asks for huge pages]), both in bin/lantern.js. Not given to the engine, which
 * answers warm searches for as long as it runs ([Note: serve runs with the engine's malloc
 * settings] in electron/cli/serve-process.ts).
 */
export const COMMAND_LINE_MALLOC = {
  MALLOC_ARENA_MAX: '1',
  GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
} as const;
