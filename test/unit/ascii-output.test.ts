/**
 * @file scripts/ascii-output.mjs ([Note: bundles in ASCII]): a bundle whose comments and
 * regular expressions hold non-ASCII characters comes out in ASCII and still behaves the
 * same; a non-ASCII character right after a backslash stops the build.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir = '';
let asciiOutput: Plugin;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-ascii-'));
  // A plain ES module of the build scripts, without types.
  const pluginFile = path.resolve('scripts/ascii-output.mjs');
  ({ asciiOutput } = (await import(pluginFile)) as { asciiOutput: Plugin });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function bundle(source: string): Promise<string> {
  const entry = path.join(dir, 'entry.js');
  const outfile = path.join(dir, 'out.cjs');
  await writeFile(entry, source);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    logLevel: 'silent',
    plugins: [asciiOutput],
  });
  return outfile;
}

describe('asciiOutput', () => {
  it('escapes what esbuild leaves in comments and regular expressions, meaning unchanged', async () => {
    const outfile = await bundle(
      [
        'export const reserved = /^com[0-9¹²³]$/i;',
        'export const mojibake = /[ÂÃâ]/u;',
        'export const emoji = /^😀$/u;',
        'export const dash = "—";',
        'export const table = { /** the image–text cosine */ floor: 0.28 };',
      ].join('\n'),
    );
    const text = await readFile(outfile, 'utf8');
    // Without the plugin these characters are in the file (esbuild keeps them).
    expect(text).toMatch(/\\u00b9/);
    expect(text).toMatch(/\\u2013/);
    expect([...text].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    const loaded = createRequire(import.meta.url)(outfile) as Record<string, unknown>;
    const reserved = loaded['reserved'] as RegExp;
    expect(reserved.test('COM²')).toBe(true);
    expect(reserved.test('COM4')).toBe(true);
    expect(reserved.test('COM⁴')).toBe(false);
    expect((loaded['mojibake'] as RegExp).test('â€™')).toBe(true);
    expect((loaded['mojibake'] as RegExp).test('plain')).toBe(false);
    expect((loaded['emoji'] as RegExp).test('😀')).toBe(true);
    expect(loaded['dash']).toBe('—');
    expect((loaded['table'] as { floor: number }).floor).toBe(0.28);
  });

  it('stops at a non-ASCII character after a backslash rather than change its meaning', async () => {
    await expect(bundle('export const r = /\\é/;')).rejects.toThrow(/after a backslash/);
  });
});
