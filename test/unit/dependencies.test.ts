/**
 * @file The install on the Node versions Lantern claims: no package in package-lock.json
 * declares engines that exclude the lowest Node of each range in `engines.node` (npm
 * would print EBADENGINE for it, as @electron/rebuild 4 did on Node 20), and
 * docs/dependencies.md names every dependency package.json lists, with the override.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// semver is npm's own range logic; it comes with the tree (no types of its own here).
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};

interface LockEntry {
  version?: string;
  engines?: { node?: string };
  os?: string[];
  cpu?: string[];
}

interface PackageJson {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  overrides: Record<string, string>;
}

const readJson = async <T>(file: string): Promise<T> =>
  JSON.parse(await readFile(file, 'utf8')) as T;

/** npm installs a platform package only where its os/cpu list allows; only those warn. */
function installedHere(entry: LockEntry): boolean {
  const allows = (list: string[] | undefined, value: string): boolean =>
    !list || list.some((item) => item === value) || list.every((item) => item.startsWith('!'));
  return allows(entry.os, process.platform) && allows(entry.cpu, process.arch);
}

describe('package.json and package-lock.json', () => {
  it('every locked package accepts the lowest Node of each range in engines.node', async () => {
    const pkg = await readJson<PackageJson>('package.json');
    const lock = await readJson<{ packages: Record<string, LockEntry> }>('package-lock.json');
    const lowest = pkg.engines.node
      .split('||')
      .map((range) => semver.minVersion(range.trim())?.version);
    expect(lowest).toEqual(['20.19.0', '22.13.0', '24.0.0']);

    const refused: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      const wanted = entry.engines?.node;
      if (!where || !wanted || !installedHere(entry)) continue;
      for (const node of lowest) {
        if (node && !semver.satisfies(node, wanted))
          refused.push(`${where}@${entry.version} wants node ${wanted}, not ${node}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('docs/dependencies.md names every dependency, runtime ones with their exact version', async () => {
    const pkg = await readJson<PackageJson>('package.json');
    const doc = await readFile('docs/dependencies.md', 'utf8');
    const section = (title: string): string => {
      const start = doc.indexOf(`## ${title}`);
      const end = doc.indexOf('\n## ', start + 1);
      return doc.slice(start, end === -1 ? undefined : end);
    };
    const runtime = section('Runtime');
    const development = section('Development');
    const missing: string[] = [];
    for (const [name, version] of Object.entries(pkg.dependencies)) {
      if (!runtime.includes(`\`${name}\` ${version}`)) missing.push(`${name} ${version}`);
    }
    for (const name of Object.keys(pkg.devDependencies)) {
      if (!development.includes(`\`${name}\``)) missing.push(name);
    }
    for (const [name, version] of Object.entries(pkg.overrides)) {
      if (!doc.includes(`\`${name}\``) || !doc.includes(version)) missing.push(`${name} override`);
    }
    expect(missing).toEqual([]);

    // And no table row names a package that package.json no longer has.
    const listed = [...runtime.split('\n'), ...development.split('\n')]
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    const declared = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.devDependencies),
    ]);
    expect(listed.filter((name) => name && !declared.has(name))).toEqual([]);
  });
});
