/**
 * @file The main window's size and position, kept between runs in a small JSON file in
 * Electron's userData folder (main process). Library settings are the engine's; this is
 * the only thing main persists.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rectangle | null;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 };
/** Below this the grid, filters and lightbox stop fitting side by side. */
export const MIN_SIZE = { width: 720, height: 480 };

/** A missing or damaged file gives the defaults, never an error. */
export function readWindowState(file: string): WindowState {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<WindowState>;
    return { bounds: asBounds(raw.bounds), maximized: raw.maximized === true };
  } catch {
    return { bounds: null, maximized: false };
  }
}

/**
 * Written synchronously: it runs from the window's `close` event during quit, when an
 * asynchronous write might not finish. The file is a few dozen bytes.
 */
export function writeWindowState(file: string, state: WindowState): void {
  try {
    writeFileSync(`${file}.tmp`, `${JSON.stringify(state)}\n`);
    renameSync(`${file}.tmp`, file);
  } catch (error) {
    console.error('Could not save the window position:', error);
  }
}

/**
 * Saved bounds are used only if they still overlap a display's work area by a usable
 * amount (a monitor may have been unplugged); otherwise the window opens centred.
 */
export function placeWindow(
  saved: Rectangle | null,
  workAreas: readonly Rectangle[],
): Rectangle | null {
  if (!saved) return null;
  const visible = workAreas.some(
    (area) => overlap(saved, area) >= 0.5 * MIN_SIZE.width * MIN_SIZE.height,
  );
  return visible ? saved : null;
}

function overlap(a: Rectangle, b: Rectangle): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function asBounds(value: unknown): Rectangle | null {
  if (typeof value !== 'object' || value === null) return null;
  const { x, y, width, height } = value as Record<string, unknown>;
  const ints = [x, y, width, height].every((n) => Number.isInteger(n));
  if (!ints) return null;
  const rect = { x, y, width, height } as Rectangle;
  return rect.width >= MIN_SIZE.width && rect.height >= MIN_SIZE.height ? rect : null;
}
