/**
 * @file A library you can trust, in one process: library.json and settings.json are never
 * silently reset when damaged ([Note: settings files]), a writer holds the library's lock
 * from open to close while readers still read, and the service names the writer that holds
 * it ([Note: library lock]).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { LOCK_FILE_NAME } from '../../electron/engine/library-lock.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { DEFAULT_SETTINGS, readStoredSettings } from '../../electron/engine/service/settings.js';
import { openToyLibrary, removeDir, tempDir, toyOptions } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

const GARBAGE = Buffer.from('{"roots": ["/photos/2019", "/photos/20\u0000\u00ff');

async function brokenCopies(db: string, name: string): Promise<string[]> {
  return (await readdir(db)).filter((entry) => entry.startsWith(`${name}.broken-`));
}

describe('a library you can trust', () => {
  const dirs: string[] = [];
  let root: string;
  let db: string;
  const newDir = async () => {
    const dir = await tempDir();
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    root = await newDir();
    db = await newDir();
    for (const colour of ['red', 'green', 'blue'] as const) await writePhoto(root, { colour });
    const library = await openToyLibrary(db);
    try {
      await library.index([root]);
    } finally {
      await library.close();
    }
  }, 120_000);

  afterAll(async () => {
    for (const dir of dirs) await removeDir(dir);
  });

  describe('a damaged library.json', () => {
    it('is only reported by a reader, which changes nothing', async () => {
      await writeFile(path.join(db, 'library.json'), GARBAGE);
      const reader = await openToyLibrary(db, { access: 'read' });
      try {
        expect(reader.warnings).toHaveLength(1);
        expect(reader.warnings[0]).toMatch(/library\.json was damaged; its list of folders/);
        expect(reader.roots).toEqual([root]);
      } finally {
        await reader.close();
      }
      expect(await readFile(path.join(db, 'library.json'))).toEqual(GARBAGE);
      expect(await brokenCopies(db, 'library.json')).toEqual([]);
      expect(existsSync(path.join(db, LOCK_FILE_NAME))).toBe(false);
    });

    it('is kept byte for byte by a writer, said in a warning, and its folders rebuilt', async () => {
      await writeFile(path.join(db, 'library.json'), GARBAGE);
      const library = await openToyLibrary(db);
      try {
        const [copy] = await brokenCopies(db, 'library.json');
        expect(copy).toBeDefined();
        expect(await readFile(path.join(db, copy!))).toEqual(GARBAGE);
        expect(library.warnings).toEqual([
          expect.stringContaining(`was damaged; it was kept as ${path.join(db, copy!)}`),
        ]);
        expect(library.roots).toEqual([root]);
        expect(JSON.parse(await readFile(path.join(db, 'library.json'), 'utf8'))).toEqual({
          roots: [root],
          model: 'toy-clip',
        });
        expect((await library.status()).images).toBe(3);
      } finally {
        await library.close();
      }
    });

    it('that cannot be read at all is an error, and is left alone', async () => {
      const odd = await newDir();
      await mkdir(path.join(odd, 'library.json'));
      await expect(openToyLibrary(odd)).rejects.toMatchObject({
        code: 'READ_FAILED',
        message: expect.stringMatching(/cannot read .*library\.json \(EISDIR\)/) as string,
      });
      expect(existsSync(path.join(odd, 'library.json'))).toBe(true);
      // A failed open lets go of the lock it took.
      expect(existsSync(path.join(odd, LOCK_FILE_NAME))).toBe(false);
    });
  });

  it('keeps the valid fields of a damaged settings.json, and a copy of it', async () => {
    const dir = await newDir();
    const damaged = '{"theme": "dark", "provider": "cpu", "thumbnailSize": "huge"}';
    await writeFile(path.join(dir, 'settings.json'), damaged);
    const warnings: string[] = [];
    const settings = await readStoredSettings(dir, (sentence) => warnings.push(sentence));
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark', provider: 'cpu' });
    const [copy] = await brokenCopies(dir, 'settings.json');
    expect(await readFile(path.join(dir, copy!), 'utf8')).toBe(damaged);
    expect(warnings).toEqual([
      expect.stringContaining(`settings.json was damaged; it was kept as ${path.join(dir, copy!)}`),
    ]);
  });

  describe('the writer lock', () => {
    let writer: Library | null = null;

    afterAll(async () => {
      await writer?.close();
    });

    it('is held from open to close; readers still read meanwhile', async () => {
      writer = await openToyLibrary(db, { purpose: 'lantern index' });
      await expect(openToyLibrary(db)).rejects.toMatchObject({
        code: 'LIBRARY_BUSY',
        message: expect.stringContaining(`in use by PID ${process.pid} (lantern index)`) as string,
      });
      const reader = await openToyLibrary(db, { access: 'read' });
      try {
        const found = await reader.search('red', { noCutoff: true });
        expect(found[0]?.path).toBe(path.join(root, 'red.jpg'));
      } finally {
        await reader.close();
      }
      await writer.close();
      writer = null;
      expect(existsSync(path.join(db, LOCK_FILE_NAME))).toBe(false);
      writer = await openToyLibrary(db);
    });

    it('is let go when opening fails after taking it', async () => {
      const dir = await newDir();
      await expect(openToyLibrary(dir, { modelId: 'no-such-model' })).rejects.toThrow();
      expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
    });

    it('names lantern serve to others, and makes a service that meets it say who holds it', async () => {
      const dir = await newDir();
      const serve = await LanternService.create({ shell: 'browser', ...toyOptions(dir) });
      try {
        await expect(openToyLibrary(dir)).rejects.toMatchObject({
          code: 'LIBRARY_BUSY',
          message: expect.stringContaining(`PID ${process.pid} (lantern serve)`) as string,
        });
        const app = await LanternService.create({ shell: 'electron', ...toyOptions(dir) });
        try {
          expect(await app.invoke('app:info', {})).toMatchObject({
            ok: true,
            value: {
              ready: false,
              notReadyReason: expect.stringMatching(
                /is in use by PID \d+ \(lantern serve\)/,
              ) as string,
            },
          });
          expect(await app.invoke('search:query', { query: 'red' })).toMatchObject({
            ok: false,
            error: { code: 'LIBRARY_BUSY' },
          });
        } finally {
          await app.close();
        }
      } finally {
        await serve.close();
      }
      expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
    });
  });
});
