/**
 * @file Every message that tells a person to run a Lantern command says `npx lantern …`:
 * after `npm install` in a clone, `lantern` is not on the PATH, so a bare `lantern models
 * fetch` would fail as written. Reads the string literals (not the comments) of every
 * source file under electron/ and native/ with TypeScript's parser.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(ts|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** The text of every string and template literal in a file, with the line it starts on. */
function literals(file: string, text: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      found.push({ line, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * A command quoted inside a message (`lantern models fetch`, 'lantern serve', "lantern
 * index"), not preceded by `npx `. A bare process name such as the lock's holder
 * "lantern index" is a literal of its own, with no quote around it inside the text.
 */
const BARE_COMMAND = /[`'"]lantern(?= )/;

function bareCommands(file: string, text: string): string[] {
  return literals(file, text)
    .filter((literal) => BARE_COMMAND.test(literal.text))
    .map((literal) => `${file}:${literal.line}: ${literal.text}`);
}

describe('messages that name a Lantern command', () => {
  it('finds a bare command in a message and accepts the npx form', () => {
    expect(
      bareCommands('probe.ts', 'const m = `run \\`lantern models fetch ${id}\\` again`;'),
    ).toHaveLength(1);
    expect(
      bareCommands('probe.ts', 'const m = "open what \'lantern serve\' printed";'),
    ).toHaveLength(1);
    expect(
      bareCommands('probe.ts', 'const m = `run \\`npx lantern models fetch ${id}\\``;'),
    ).toEqual([]);
    // Comments and a process name on its own are not messages that tell anyone to type it.
    expect(bareCommands('probe.ts', "// `lantern serve`\nconst who = 'lantern index';")).toEqual(
      [],
    );
  });

  it('say `npx lantern` everywhere under electron/ and native/', async () => {
    const files = [...(await sourceFiles('electron')), ...(await sourceFiles('native'))];
    expect(files.length).toBeGreaterThan(20);
    const offenders: string[] = [];
    for (const file of files) offenders.push(...bareCommands(file, await readFile(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
