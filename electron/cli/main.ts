#!/usr/bin/env node
/**
 * @file The `lantern` command line over the engine (plain Node). Prints JSON on stdout
 * (with --json, or whenever stdout is not a terminal), progress on stderr, and on error
 * one sentence on stderr with a non-zero exit.
 */
import path from 'node:path';
import { encodeError, LanternError } from '../shared/errors.js';
import type { SearchOptions, SearchResult } from '../shared/types.js';
import { Library, openRegistry, type LibraryOptions } from '../engine/library.js';
import { downloadModel } from '../engine/models/download.js';
import { defaultModelsDir } from '../engine/paths.js';
import { APP_VERSION } from '../shared/version.js';
import { LanternService } from '../engine/service/service.js';
import { parseCli, USAGE, type CliArgs } from './args.js';
import { startBrowserShell } from './serve.js';
import { createProgressReporter } from './progress-bar.js';

function print(args: CliArgs, value: unknown, human: () => string): void {
  const json = args.json || !process.stdout.isTTY;
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

function libraryOptions(args: CliArgs): LibraryOptions {
  return {
    ...(args.db ? { dbDir: args.db } : {}),
    ...(args.models ? { modelsDir: args.models } : {}),
    ...(args.model ? { modelId: args.model } : {}),
    ...(args.provider ? { provider: args.provider } : {}),
  };
}

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

function resultLines(results: SearchResult[]): string {
  if (results.length === 0) return 'No matches.';
  return results.map((r) => `${r.score.toFixed(3)}  ${r.path}`).join('\n');
}

function need(value: string | undefined, what: string): string {
  if (!value)
    throw new LanternError('INVALID_INPUT', `Missing ${what}. Run "lantern --help" for usage.`);
  return value;
}

async function withLibrary<T>(args: CliArgs, work: (library: Library) => Promise<T>): Promise<T> {
  const library = await Library.open(libraryOptions(args));
  try {
    return await work(library);
  } finally {
    await library.close();
  }
}

async function runIndex(args: CliArgs): Promise<number> {
  if (args.positionals.length === 0) need(undefined, 'a folder to index');
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = createProgressReporter(process.stderr);
  try {
    const report = await withLibrary(args, (library) =>
      library.index(args.positionals, {
        signal: controller.signal,
        onProgress: (p) => bar.update(p),
      }),
    );
    bar.done();
    const { indexed, unchanged, removed, failed } = report;
    print(
      args,
      { indexed, unchanged, removed, moved: report.moved, failed, cancelled: report.cancelled },
      () =>
        [
          `Indexed ${indexed}, unchanged ${unchanged}, moved ${report.moved}, removed ${removed}, failed ${failed.length}.`,
          ...failed.map((f) => `  failed: ${f.path}: ${f.error}`),
          ...(report.cancelled
            ? ['Stopped before the end; run the same command again to finish.']
            : []),
        ].join('\n'),
    );
    return report.cancelled ? 130 : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function runModels(args: CliArgs): Promise<number> {
  const [sub, id] = args.positionals;
  const modelsDir = path.resolve(args.models ?? defaultModelsDir());
  const registry = await openRegistry({ modelsDir });
  if (sub === 'list' || sub === undefined) {
    const models = registry.list().filter((m) => !m.hidden || args.models);
    print(args, { models }, () =>
      models
        .map(
          (m) =>
            `${m.installed ? '✓' : ' '} ${m.id.padEnd(22)} ${m.task.padEnd(7)} ${m.sizeBytes === null ? '    ?' : (m.sizeBytes / 1e6).toFixed(0).padStart(5)} MB  ${m.name}`,
        )
        .join('\n'),
    );
    return 0;
  }
  if (sub === 'fetch') {
    const entry = registry.get(need(id, 'the id of the model to fetch'));
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    const tty = process.stderr.isTTY;
    const result = await downloadModel(entry, path.join(modelsDir, entry.id), {
      signal: controller.signal,
      allowUnverified: args.allowUnverified,
      onProgress: (p) => {
        if (tty)
          process.stderr.write(
            `\r\x1b[2K${p.file}: ${(p.received / 1e6).toFixed(1)}/${p.total === null ? '?' : (p.total / 1e6).toFixed(1)} MB`,
          );
      },
    });
    if (tty) process.stderr.write('\r\x1b[2K');
    print(
      args,
      { model: entry.id, ...result },
      () => `Model ${entry.id} is installed in ${path.join(modelsDir, entry.id)}.`,
    );
    return 0;
  }
  if (sub === 'verify') {
    const ids = id
      ? [id]
      : registry
          .list()
          .filter((m) => m.installed)
          .map((m) => m.id);
    const checks: { model: string; files: Awaited<ReturnType<typeof registry.verify>> }[] = [];
    for (const modelId of ids)
      checks.push({ model: modelId, files: await registry.verify(modelId) });
    const ok = checks.every((c) => c.files.every((f) => f.ok));
    print(
      args,
      { ok, models: checks },
      () =>
        checks
          .map((c) =>
            c.files
              .map(
                (f) =>
                  `${f.ok ? 'ok  ' : 'BAD '} ${c.model}/${f.file}${f.reason ? `: ${f.reason}` : ''}`,
              )
              .join('\n'),
          )
          .join('\n') || 'No models installed.',
    );
    return ok ? 0 : 1;
  }
  throw new LanternError(
    'INVALID_INPUT',
    `Unknown models command "${sub}": use list, fetch <id> or verify.`,
  );
}

async function runScenes(args: CliArgs): Promise<number> {
  const query = need(args.positionals.join(' ').trim() || undefined, 'a prompt to find scenes for');
  if (args.exportDir && !args.video) need(undefined, '--video FILE to export the scenes of');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return withLibrary(args, async (library) => {
    const scenes = await library.scenes(query, {
      ...(args.video ? { video: args.video } : {}),
      ...(args.limit !== undefined ? { limit: args.limit } : {}),
    });
    const listed = scenes.map(({ path: p, start, end, score }) => ({ path: p, start, end, score }));
    if (!args.exportDir || !args.video) {
      print(args, { scenes: listed }, () =>
        scenes.length === 0
          ? 'No matching scenes.'
          : scenes
              .map(
                (s) =>
                  `${s.score.toFixed(3)}  ${s.start.toFixed(1)}–${s.end.toFixed(1)} s  ${s.path}`,
              )
              .join('\n'),
      );
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
    print(
      args,
      { scenes: listed, clips },
      () =>
        clips.map((c) => `${c.out} (${c.start.toFixed(2)}–${c.end.toFixed(2)} s)`).join('\n') ||
        'No matching scenes.',
    );
    return 0;
  });
}

async function runCut(args: CliArgs): Promise<number> {
  const video = need(args.positionals[0], 'the video to cut');
  if (args.start === undefined || args.end === undefined) need(undefined, '--start and --end');
  const out = need(args.out, '--out FILE for the clip');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return withLibrary(args, async (library) => {
    const [clip] = await library.exportClips(
      video,
      [{ start: args.start ?? 0, end: args.end ?? 0 }],
      {
        mode: args.mode,
        outDir: path.dirname(path.resolve(out)),
        overwrite: args.overwrite,
        signal: controller.signal,
        fileName: path.basename(out),
      },
    );
    if (!clip) throw new LanternError('INTERNAL', 'No clip was written.');
    print(
      args,
      clip,
      () =>
        `Wrote ${clip.out} (${clip.start.toFixed(3)}–${clip.end.toFixed(3)} s, ${clip.duration.toFixed(3)} s).`,
    );
    return 0;
  });
}

async function runServe(args: CliArgs): Promise<number> {
  const service = await LanternService.create({
    shell: 'browser',
    ...(args.db ? { dbDir: args.db } : {}),
    ...(args.models ? { modelsDir: args.models } : {}),
    ...(args.model ? { modelId: args.model } : {}),
  });
  // A shell that cannot start (port busy) must not leave the service's inference thread
  // holding the process open after the error is printed.
  const shell = await startBrowserShell(
    service,
    args.port !== undefined ? { port: args.port } : {},
  ).catch(async (error: unknown) => {
    await service.close();
    throw error;
  });
  // The URL is the first line on stdout, so scripts and tests can read it.
  process.stdout.write(`${shell.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
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
  switch (args.command) {
    case 'index':
      return runIndex(args);
    case 'search': {
      const query = need(args.positionals.join(' ').trim() || undefined, 'a search query');
      const results = await withLibrary(args, (library) =>
        library.search(query, searchOptions(args)),
      );
      print(
        args,
        { results: results.map(({ path: p, kind, score }) => ({ path: p, kind, score })) },
        () => resultLines(results),
      );
      return 0;
    }
    case 'similar': {
      const file = need(args.positionals[0], 'the file to find similar photos for');
      const results = await withLibrary(args, (library) =>
        library.similar(file, searchOptions(args)),
      );
      print(
        args,
        { results: results.map(({ path: p, kind, score }) => ({ path: p, kind, score })) },
        () => resultLines(results),
      );
      return 0;
    }
    case 'status': {
      const status = await withLibrary(args, (library) => library.status());
      print(args, status, () =>
        [
          `Model: ${status.model} on ${status.provider}`,
          ...status.providerNotes.map((n) => `  ${n}`),
          `Photos: ${status.images}  Videos: ${status.videos}  Failed: ${status.failed}`,
          ...status.roots.map((r) => `  ${r.path}: ${r.files} files, ${r.failed} failed`),
        ].join('\n'),
      );
      return 0;
    }
    case 'models':
      return runModels(args);
    case 'serve':
      return runServe(args);
    case 'scenes':
      return runScenes(args);
    case 'cut':
      return runCut(args);
    default:
      throw new LanternError(
        'INVALID_INPUT',
        `Unknown command "${args.command}". Run "lantern --help" for usage.`,
      );
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const { message } = encodeError(error);
    process.stderr.write(`lantern: ${message}\n`);
    if (process.env.LANTERN_DEBUG && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    process.exitCode = error instanceof LanternError && error.code === 'INVALID_INPUT' ? 2 : 1;
  },
);
