/**
 * @file XMP sidecars as the app writes them (docs/xmp.md), through the engine service:
 * with writeXmp off a decision writes no sidecar; with it on an accept writes one and a
 * reject takes the tag back out; turning it on writes the tags already accepted as an
 * 'xmp' job, keeping an existing sidecar's other fields, reporting a folder it may not
 * write into and still writing the others. Sidecars are read back with Debian's
 * `exiftool` (libimage-exiftool-perl) through a child process, as xmp-sidecar.test.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { endExiftool } from '../../native/xmp/exiftool.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

const run = promisify(execFile);

/** One list tag of a sidecar as Debian's exiftool reads it, item by item. */
async function read(file: string, tag: string): Promise<string[]> {
  const { stdout } = await run('exiftool', ['-a', '-s3', '-sep', ' <sep> ', `-${tag}`, file]);
  const text = stdout.replace(/\n$/, '');
  return text === '' ? [] : text.split('\n').flatMap((line) => line.split(' <sep> '));
}

/** A sidecar another tool wrote: a rating, a title and the person's own keyword. */
const EXISTING_SIDECAR = `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
   xmp:Rating="4">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour at dawn</rdf:li></rdf:Alt></dc:title>
   <dc:subject><rdf:Bag><rdf:li>grandma</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`;

describe('XMP sidecars from the service (writeXmp)', () => {
  let root: string;
  let db: string;
  let service: LanternService;
  let jobs: JobSnapshot[];
  const photo = (name: string) => path.join(root, name);

  beforeEach(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    await writePhoto(root, { colour: 'red' });
    await writePhoto(root, { colour: 'green' });
    await writePhoto(root, { colour: 'blue' });
    await writePhoto(root, { colour: 'yellow', name: 'locked/yellow.jpg' });
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip-gap',
    });
    jobs = [];
    service.on('job:progress', (job) => jobs.push(job));
    await finish(await value<JobSnapshot>(service.invoke('library:addRoots', { paths: [root] })));
  }, 120_000);

  afterEach(async () => {
    await service.close();
    await removeDir(root);
    await removeDir(db);
  });

  afterAll(() => endExiftool());

  async function value<T>(
    result: Promise<{ ok: boolean; value?: unknown; error?: unknown }>,
  ): Promise<T> {
    const answer = await result;
    if (!answer.ok) throw new Error(JSON.stringify(answer.error));
    return answer.value as T;
  }

  async function finish(job: JobSnapshot): Promise<JobSnapshot> {
    const ended = () =>
      jobs.find((j) => j.id === job.id && ['done', 'failed', 'cancelled'].includes(j.state));
    await expect.poll(ended, { timeout: 60_000 }).toBeTruthy();
    return ended()!;
  }

  const decide = (file: string, tag: string, state: 'accepted' | 'rejected') =>
    value(service.invoke('tags:decide', { paths: [photo(file)], tag, state }));

  /** Turn writeXmp on and wait for the job that writes the accepted tags. */
  async function turnOn(): Promise<JobSnapshot> {
    await value(service.invoke('settings:set', { writeXmp: true }));
    const job = jobs.find((j) => j.kind === 'xmp');
    expect(job).toBeDefined();
    return finish(job!);
  }

  it('writes no sidecar while writeXmp is off', async () => {
    await decide('red.jpg', 'Red', 'accepted');
    expect(existsSync(photo('red.jpg.xmp'))).toBe(false);
    expect(existsSync(photo('red.xmp'))).toBe(false);
    expect(jobs.some((j) => j.kind === 'xmp')).toBe(false);
  });

  it('with writeXmp on, an accept writes the sidecar and a reject takes the tag out', async () => {
    await turnOn();
    await decide('red.jpg', 'Red', 'accepted');
    const sidecar = photo('red.jpg.xmp');
    expect(await read(sidecar, 'XMP-dc:Subject')).toEqual(['Red']);
    expect(await read(sidecar, 'XMP-lr:HierarchicalSubject')).toEqual(['Colours|Red']);
    await decide('red.jpg', 'Red', 'rejected');
    expect(await read(sidecar, 'XMP-dc:Subject')).toEqual([]);
    expect(await read(sidecar, 'XMP-lr:HierarchicalSubject')).toEqual([]);
  });

  it('turning writeXmp on writes every accepted tag, keeps other fields, and reports a folder it may not write', async () => {
    await decide('green.jpg', 'Green', 'accepted');
    await decide('blue.jpg', 'Blue', 'accepted');
    await decide('locked/yellow.jpg', 'Yellow', 'accepted');
    await writeFile(photo('green.jpg.xmp'), EXISTING_SIDECAR);
    const locked = photo('locked');
    await chmod(locked, 0o555);
    // root ignores permission bits; the immutable attribute stops it too.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await run('chattr', ['+i', locked]);
    let job: JobSnapshot;
    try {
      job = await turnOn();
    } finally {
      if (asRoot) await run('chattr', ['-i', locked]);
      await chmod(locked, 0o755);
    }
    expect(job).toMatchObject({ state: 'done', report: { indexed: 2 } });
    expect(job.report?.failed.map((failure) => failure.path)).toEqual([photo('locked/yellow.jpg')]);
    expect(job.report?.failed[0]?.error).toMatch(/may not write into/);
    expect(existsSync(photo('locked/yellow.jpg.xmp'))).toBe(false);

    const green = photo('green.jpg.xmp');
    expect(await read(green, 'XMP-dc:Subject')).toEqual(['grandma', 'Green']);
    expect(await read(green, 'XMP-lr:HierarchicalSubject')).toEqual(['Colours|Green']);
    expect(await read(green, 'XMP-xmp:Rating')).toEqual(['4']);
    expect(await read(green, 'XMP-dc:Title')).toEqual(['Harbour at dawn']);
    expect(await read(photo('blue.jpg.xmp'), 'XMP-dc:Subject')).toEqual(['Blue']);
    // Red carries no accepted tag: no sidecar is created for it.
    expect(existsSync(photo('red.jpg.xmp'))).toBe(false);
  });
});
