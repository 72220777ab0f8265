/**
 * @file `lantern models [list | fetch <id> | verify [id] | measure [id]]`: the models the
 * registry knows, downloads with their size and SHA-256 checked, and checks of installed files.
 */
import path from 'node:path';
import { LanternError } from '../shared/errors.js';
import { openRegistry } from '../engine/library.js';
import { defaultModelsDir } from '../engine/paths.js';
import { need, type CliArgs } from './args.js';
import { print, shown } from './terminal-text.js';

export async function runModels(args: CliArgs): Promise<number> {
  const [sub, id] = args.positionals;
  const modelsDir = path.resolve(args.models ?? defaultModelsDir());
  const registry = await openRegistry({ modelsDir });
  const { listModels, measureModels } = await import('./models-listing.js');
  if (sub === 'list' || sub === undefined) return listModels(args, registry);
  if (sub === 'measure') return measureModels(args, registry, id);
  if (sub === 'fetch') {
    const entry = registry.get(need(id, 'the id of the model to fetch'));
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    const tty = process.stderr.isTTY;
    const { downloadModel } = await import('../engine/models/download.js');
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
      () => `Model ${entry.id} is installed in ${shown(path.join(modelsDir, entry.id))}.`,
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
    `Unknown models command "${sub}": use list, fetch <id>, verify or measure.`,
  );
}
