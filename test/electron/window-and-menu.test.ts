/**
 * @file Small pure pieces of the main process: where the window opens
 * (electron/main/window-state.ts) and the application menu (electron/main/menu.ts).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { menuTemplate } from '../../electron/main/menu.js';
import {
  placeWindow,
  readWindowState,
  writeWindowState,
} from '../../electron/main/window-state.js';

describe('window state', () => {
  it('round-trips through its file, and a damaged file gives the defaults', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lantern-window-'));
    try {
      const file = path.join(dir, 'window-state.json');
      expect(readWindowState(file)).toEqual({ bounds: null, maximized: false });
      const state = { bounds: { x: 5, y: 6, width: 900, height: 700 }, maximized: true };
      writeWindowState(file, state);
      expect(readWindowState(file)).toEqual(state);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(state);

      for (const damaged of [
        '{',
        '[]',
        '{"bounds":{"x":"1","y":0,"width":900,"height":700}}',
        '{"bounds":{"x":0,"y":0,"width":10,"height":10}}',
      ]) {
        await writeFile(file, damaged);
        expect(readWindowState(file).bounds, damaged).toBeNull();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reopens where it was only while that place is on a display', () => {
    const display = { x: 0, y: 0, width: 1920, height: 1080 };
    const there = { x: 100, y: 100, width: 1000, height: 700 };
    expect(placeWindow(there, [display])).toEqual(there);
    // The second monitor it was on has been unplugged.
    expect(placeWindow({ ...there, x: 2500 }, [display])).toBeNull();
    // Hanging mostly off the edge is not enough to grab and move.
    expect(placeWindow({ ...there, x: 1900 }, [display])).toBeNull();
    expect(placeWindow(null, [display])).toBeNull();
  });
});

describe('application menu', () => {
  const roles = (template: ReturnType<typeof menuTemplate>): string[] =>
    template.flatMap((item) => [
      ...(item.role ? [item.role] : []),
      ...(Array.isArray(item.submenu)
        ? item.submenu.flatMap((sub) => (sub.role ? [sub.role] : []))
        : []),
    ]);

  it('uses standard roles, with the app menu on macOS only', () => {
    expect(roles(menuTemplate('darwin', true))).toEqual(
      expect.arrayContaining(['appMenu', 'editMenu', 'windowMenu', 'togglefullscreen']),
    );
    expect(roles(menuTemplate('linux', true))).not.toContain('appMenu');
    expect(roles(menuTemplate('win32', true))).toContain('about');
  });

  it('offers reload and developer tools in development only', () => {
    expect(roles(menuTemplate('linux', false))).toEqual(
      expect.arrayContaining(['reload', 'toggleDevTools']),
    );
    expect(roles(menuTemplate('linux', true))).not.toContain('toggleDevTools');
    expect(roles(menuTemplate('linux', true))).not.toContain('reload');
  });
});
