/**
 * @file A one-line progress bar for the command line, drawn on stderr only when stderr is
 * a terminal, so pipes and tests see clean output.
 */
import type { IndexProgress } from '../shared/types.js';
import { shown } from './terminal-text.js';

const WIDTH = 28;

function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
    : `${m}:${String(s % 60).padStart(2, '0')}`;
}

export function progressLine(p: IndexProgress, columns: number): string {
  if (p.phase === 'scanning') return 'Scanning folders…';
  const fraction = p.total > 0 ? p.done / p.total : 1;
  const filled = Math.round(fraction * WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}]`;
  const model = p.reindexModel ? `Re-indexing for model ${shown(p.reindexModel)}: ` : '';
  const head = `${model}${bar} ${p.done}/${p.total} ${p.rate.toFixed(1)}/s ETA ${formatEta(p.etaSeconds)} `;
  // [Note: file names on a terminal] in terminal-text.ts.
  const file = shown(p.currentFile ?? '');
  const room = Math.max(0, columns - head.length - 1);
  return head + (file.length > room ? `…${file.slice(file.length - room + 1)}` : file);
}

export function createProgressReporter(stream: NodeJS.WriteStream): {
  update(p: IndexProgress): void;
  done(): void;
} {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  return {
    update: (p) => stream.write(`\r\x1b[2K${progressLine(p, stream.columns || 80)}`),
    done: () => stream.write('\r\x1b[2K'),
  };
}
