#!/usr/bin/env node
/**
 * @file The `lantern` command line over the engine (plain Node). Prints JSON on stdout
 * (with --json, or whenever stdout is not a terminal), progress on stderr, and on error
 * one sentence on stderr with a non-zero exit.
 */
import path from 'node:path';
import { encodeError, LanternError } from '../shared/errors.js';
import type { SearchAnswer, SearchOptions } from '../shared/types.js';
import { openRegistry } from '../engine/library.js';
import { readLibrarySettings } from '../engine/library-settings.js';
import { defaultDbDir, useOwnScratch } from '../engine/paths.js';
import { APP_VERSION } from '../shared/version.js';
import { need, parseCli, USAGE, type CliArgs } from './args.js';
import { noteReindex, ONE_QUERY, withLibrary } from './library-use.js';
// [Note: commands load what they use] The modules of the other commands (the service and
// browser shell of `serve`, cut, tags, detect, duplicates, export, watch, model downloads)
// are imported where their command runs (index and models too, from index-command.ts and
// models-command.ts): the bundle inlines them behind a lazy start, so a search or `status`
// no longer evaluates their top level (the app contract's schemas, http and ws). Measured alternately, 5 runs each: --version 0.26–0.27 → 0.24–0.25 s, status
// 0.40–0.44 → 0.40–0.41 s, a cold search 0.70–0.76 → 0.69–0.74 s, ~2 MB less.
import {
  clipLines,
  errorLine,
  print,
  resultLines,
  sceneLines,
  shown,
  statusLines,
} from './terminal-text.js';

function searchOptions(args: CliArgs): SearchOptions {
  return {
    ...(args.limit !== undefined ? { limit: args.limit } : {}),
    ...(args.kind ? { kind: args.kind } : {}),
    ...(args.folder ? { folder: path.resolve(args.folder) } : {}),
    ...(args.from !== undefined ? { from: args.from } : {}),
    ...(args.to !== undefined ? { to: args.to } : {}),
    ...(args.sort ? { sort: args.sort } : {}),
    ...(args.all ? { noCutoff: true } : {}),
  };
}

/** Results, and how many weaker matches the relevance cut-off hid (docs/search.md). */
function printAnswer(args: CliArgs, answer: SearchAnswer): void {
  const { results, hidden, facets = [] } = answer;
  print(
    args,
    {
      // `counted`: what the detector found for a query with a count (search/counting.ts).
      results: results.map(({ path: p, kind, score, counted }) => ({
        path: p,
        kind,
        score,
        ...(counted ? { counted } : {}),
      })),
      hidden,
      facets,
    },
    () =>
      [
        resultLines(results, hidden),
        // The tags the results carry: what `tag:` could narrow them to.
        ...(facets.length > 0
          ? [`Tags: ${facets.map((facet) => `${facet.name} (${facet.count})`).join(', ')}`]
          : []),
      ].join('\n'),
  );
}

/**
 * `lantern status`. On a fresh machine no model is installed, and the library cannot open
 * without one: the answer is then what library.json says and how to get the model,
 * not an error (the library is only read, never created).
 */
async function runStatus(args: CliArgs): Promise<number> {
  try {
    const status = await withLibrary(args, { access: 'read' }, (library) => library.status());
    print(args, status, () => statusLines(status));
    return 0;
  } catch (error) {
    if (!(error instanceof LanternError) || error.code !== 'MODEL_MISSING') throw error;
    const dbDir = path.resolve(args.db || defaultDbDir());
    const { settings } = await readLibrarySettings(dbDir, 'read');
    const registry = await openRegistry(args.models ? { modelsDir: args.models } : {});
    const model = args.model || settings.model || registry.defaultClipId();
    const fetch = `npx lantern models fetch ${model}`;
    print(args, { library: dbDir, roots: settings.roots, model, installed: false, fetch }, () =>
      [
        `Library: ${shown(dbDir)}`,
        ...settings.roots.map((root) => `  ${shown(root)}`),
        `Model: ${model}, no model installed yet: \`${fetch}\``,
      ].join('\n'),
    );
    return 0;
  }
}

async function runScenes(args: CliArgs): Promise<number> {
  const query = need(args.positionals.join(' ').trim() || undefined, 'a prompt to find scenes for');
  if (args.exportDir && !args.video) need(undefined, '--video FILE to export the scenes of');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return withLibrary(args, ONE_QUERY, async (library) => {
    const scenes = await library.scenes(query, {
      ...(args.video ? { video: args.video } : {}),
      ...(args.limit !== undefined ? { limit: args.limit } : {}),
    });
    const listed = scenes.map(({ path: p, start, end, score }) => ({ path: p, start, end, score }));
    if (!args.exportDir || !args.video) {
      print(args, { scenes: listed }, () => sceneLines(scenes));
      return 0;
    }
    const clips =
      scenes.length === 0
        ? []
        : await library.exportClips(args.video, scenes, {
            mode: args.mode,
            outDir: path.resolve(args.exportDir),
            overwrite: args.overwrite,
            signal: controller.signal,
          });
    print(args, { scenes: listed, clips }, () => clipLines(clips));
    return 0;
  });
}

async function runServe(args: CliArgs): Promise<number> {
  const served = await import('./serve-process.js');
  // [Note: serve runs with the engine's malloc settings] in serve-process.ts.
  if (served.servesFromChild(process.env)) return served.serveWithEngineMalloc();
  const { LanternService } = await import('../engine/service/service.js');
  const { startBrowserShell } = await import('./serve.js');
  const service = await LanternService.create({
    shell: 'browser',
    ...(args.db ? { dbDir: args.db } : {}),
    ...(args.models ? { modelsDir: args.models } : {}),
    ...(args.model ? { modelId: args.model } : {}),
    ...(args.poll !== undefined ? { watchPollSeconds: args.poll } : {}),
  });
  let shell: Awaited<ReturnType<typeof startBrowserShell>>;
  try {
    shell = await startBrowserShell(service, args.port !== undefined ? { port: args.port } : {});
  } catch (error) {
    // A busy port must not leave the library and its inference thread open: the process
    // would print the error and never exit.
    await service.close().catch(() => undefined);
    throw error;
  }
  // The URL is the first line on stdout, so scripts and tests can read it.
  process.stdout.write(`${shell.url}\n`);
  // Kept, not once: Ctrl+C reaches the whole process group and a parent (npm start, the
  // parent of serve-process.ts) passes it on as well; a second signal must not cut the close.
  await new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
    served.stopWhenOrphaned(resolve);
  });
  await shell.close();
  await service.close();
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const args = parseCli(argv);
  if (args.version) {
    process.stdout.write(`${APP_VERSION}\n`);
    return 0;
  }
  if (args.help || !args.command) {
    process.stdout.write(USAGE);
    return args.command || args.help ? 0 : 2;
  }
  // Commands that may build a vector index get a temp folder of their own, before any
  // native module loads ([Note: LanceDB's index scratch] in native/store/scratch.ts).
  if (args.command === 'index' || args.command === 'watch' || args.command === 'serve')
    useOwnScratch();
  switch (args.command) {
    case 'index':
      return (await import('./index-command.js')).runIndex(args);
    case 'search': {
      const query = need(args.positionals.join(' ').trim() || undefined, 'a search query');
      await withLibrary(args, ONE_QUERY, async (library) => {
        noteReindex(library);
        printAnswer(args, await library.searchWithHidden(query, searchOptions(args)));
      });
      return 0;
    }
    case 'similar': {
      const file = need(args.positionals[0], 'the file to find similar photos for');
      const answer = await withLibrary(args, { access: 'read' }, (library) =>
        library.similarWithHidden(file, searchOptions(args)),
      );
      printAnswer(args, answer);
      return 0;
    }
    case 'status':
      return runStatus(args);
    case 'models':
      return (await import('./models-command.js')).runModels(args);
    case 'serve':
      return runServe(args);
    case 'scenes':
      return runScenes(args);
    case 'cut':
      return (await import('./cut-command.js')).runCut(args);
    case 'tag':
      return (await import('./tag-command.js')).runTag(args, withLibrary);
    case 'detect':
      return (await import('./vision-command.js')).runDetect(args);
    case 'segment':
      return (await import('./vision-command.js')).runSegment(args);
    case 'duplicates':
      return (await import('./duplicates-command.js')).runDuplicates(args, withLibrary);
    case 'export':
      return (await import('./export-command.js')).runExport(args, withLibrary);
    case 'watch':
      return (await import('./watch-command.js')).runWatch(args, withLibrary);
    case 'tags':
      if (args.positionals[0] === 'learn')
        return (await import('./learn-command.js')).runLearn(args, withLibrary);
      return (await import('./tag-command.js')).runTags(args, withLibrary);
    default:
      throw new LanternError(
        'INVALID_INPUT',
        `Unknown command "${args.command}". Run \`npx lantern --help\` for usage.`,
      );
  }
}

/**
 * How long a finished command may take to exit. Everything a command opened is closed by
 * its own scope (withLibrary, runServe) before its result or error arrives here; this is the
 * belt under those braces: should a handle still be open (an inference thread or a LanceDB
 * connection left by a half-opened library, a file watcher chokidar failed to close when its
 * folder vanished during `serve`'s shutdown), the process must still end, not hang after
 * saying it is done. Unref'd, so a clean exit is never delayed by it; 2 s is ample for the
 * last lines to leave (pipes and files are written synchronously on POSIX).
 */
const EXIT_GRACE_MS = 2000;

function endWithin(status: number): void {
  process.exitCode = status;
  setTimeout(() => {
    if (process.env.LANTERN_DEBUG)
      process.stderr.write(
        `lantern: still open after the command ended: ${process.getActiveResourcesInfo().join(', ')}\n`,
      );
    process.exit(status);
  }, EXIT_GRACE_MS).unref();
}

run(process.argv.slice(2)).then(
  (code) => endWithin(code),
  (error: unknown) => {
    const { code, message } = encodeError(error);
    process.stderr.write(errorLine(message));
    if (process.env.LANTERN_DEBUG && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    // Exit status 2 for a wrong command line, as the adapters' VideoError INVALID_INPUT too.
    endWithin(code === 'INVALID_INPUT' ? 2 : 1);
  },
);
