/**
 * @file `lantern models list` and `lantern models measure`: every model with its size,
 * languages and speed on this machine (measured once: [Note: measured once] in
 * engine/models/model-speed.ts), and the command that measures an installed model now.
 */
import { LanternError } from '../shared/errors.js';
import type { ModelSpeed } from '../shared/contract.js';
import type { ModelInfo, ModelRegistry } from '../engine/models/registry.js';
import { measureModelSpeed, storedSpeed } from '../engine/models/model-speed.js';
import type { CliArgs } from './args.js';
import { print } from './terminal-text.js';

/** "12.3 images/s, query 45 ms (cpu)", or what to do when there is no figure yet. */
export function speedLine(info: Pick<ModelInfo, 'installed' | 'task'>, speed: ModelSpeed | null) {
  if (info.task !== 'clip') return '';
  if (!info.installed) return '';
  if (!speed) return 'not measured yet';
  const rate =
    speed.imagesPerSecond >= 10
      ? speed.imagesPerSecond.toFixed(0)
      : speed.imagesPerSecond.toFixed(1);
  const ms = speed.textMs >= 10 ? speed.textMs.toFixed(0) : speed.textMs.toFixed(1);
  return `${rate} images/s, query ${ms} ms (${speed.provider})`;
}

/** `languages` as people read it: "en", or "multilingual (en, de, fr, …)". */
export function languagesLine(languages: readonly string[]): string {
  const [first, ...rest] = languages;
  if (first !== 'multilingual') return languages.join(', ');
  const shown = rest.slice(0, 4);
  return `multilingual (${shown.join(', ')}${rest.length > shown.length ? ', …' : ''})`;
}

export async function listModels(args: CliArgs, registry: ModelRegistry): Promise<number> {
  const models = await Promise.all(
    registry
      .list()
      .filter((m) => !m.hidden || args.models)
      .map(async (m) => ({
        ...m,
        measuredSpeed: m.installed ? await storedSpeed(m.dir, registry.get(m.id)) : null,
      })),
  );
  const unmeasured = models.some((m) => speedLine(m, m.measuredSpeed) === 'not measured yet');
  print(args, { models }, () =>
    [
      ...models.map((m) => {
        const size = m.sizeBytes === null ? '    ?' : (m.sizeBytes / 1e6).toFixed(0).padStart(5);
        const speed = speedLine(m, m.measuredSpeed);
        const facts = [languagesLine(m.languages), speed].filter(Boolean).join('; ');
        return `${m.installed ? '✓' : ' '} ${m.id.padEnd(22)} ${m.task.padEnd(7)} ${size} MB  ${m.name}  [${facts}]`;
      }),
      ...(unmeasured
        ? ['', 'Run `npx lantern models measure <id>` to time an installed model on this computer.']
        : []),
    ].join('\n'),
  );
  return 0;
}

/** `lantern models measure [id]`: time one installed CLIP model, or every unmeasured one. */
export async function measureModels(
  args: CliArgs,
  registry: ModelRegistry,
  id: string | undefined,
): Promise<number> {
  const ids = id
    ? [id]
    : registry
        .list()
        .filter((m) => m.task === 'clip' && m.installed && (!m.hidden || args.models))
        .map((m) => m.id);
  if (ids.length === 0) {
    throw new LanternError(
      'MODEL_MISSING',
      'No CLIP model is installed to measure; run `npx lantern models fetch <id>` first.',
    );
  }
  const measured: { model: string; speed: ModelSpeed }[] = [];
  for (const modelId of ids) {
    const resolved = await registry.resolveClip(modelId);
    const speed = await measureModelSpeed(
      resolved,
      args.provider ? { provider: args.provider } : {},
    );
    measured.push({ model: modelId, speed });
  }
  print(args, { models: measured }, () =>
    measured
      .map((m) => `${m.model}: ${speedLine({ installed: true, task: 'clip' }, m.speed)}`)
      .join('\n'),
  );
  return 0;
}
