/**
 * @file Folders the renderer may name (electron/main/chosen-folders.ts) through the IPC
 * router: calls that hand the engine a folder the person never picked or dropped are
 * refused with NOT_ALLOWED and never reach the engine. Real temporary folders and
 * symlinks, since the rule compares real paths.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChosenFolders, realPathOf } from '../../electron/main/chosen-folders.js';
import { routeCall, type ContractRouter } from '../../electron/main/ipc-router.js';
import { createShellHandlers } from '../../electron/main/shell-handlers.js';
import type { Result } from '../../electron/shared/contract.js';

let base: string;
/** A folder the person chose, one they did not, and a library root. */
let chosen: string;
let secret: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'lantern-chosen-'));
  chosen = path.join(base, 'photos');
  secret = path.join(base, 'secret');
  root = path.join(base, 'library-root');
  for (const folder of [chosen, path.join(chosen, 'trip'), secret, root])
    await mkdir(folder, { recursive: true });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function setup(roots: string[] = []) {
  const engine = {
    invoke: vi.fn((_channel: string, _input: unknown): Promise<Result<unknown>> =>
      Promise.resolve({ ok: true, value: 'engine ran' }),
    ),
  };
  const folders = new ChosenFolders(() => Promise.resolve(roots));
  const shell = createShellHandlers({
    showOpenDialog: () => Promise.resolve({ canceled: false, filePaths: [chosen] }),
    showItemInFolder: () => undefined,
    media: { roots: () => Promise.resolve([]) },
    chosenFolders: folders,
  });
  const router: ContractRouter<null> = {
    isTrustedSender: () => true,
    engine,
    shell,
    chosenFolders: folders,
  };
  const call = (channel: string, input: unknown) => routeCall(router, null, channel, input);
  return { engine, folders, router, call };
}

const addRoots = (folder: string) => ['library:addRoots', { paths: [folder] }] as const;
const useFolder = (folder: string) => ['models:useFolder', { path: folder }] as const;
const exportInto = (outDir: string, video = path.join(root, 'a.mp4')) =>
  ['clip:export', { path: video, ranges: [{ start: 0, end: 1 }], mode: 'fast', outDir }] as const;

async function expectRefused(
  call: (channel: string, input: unknown) => Promise<Result<unknown>>,
  [channel, input]: readonly [string, unknown],
) {
  const result = await call(channel, input);
  expect(result, `${channel} ${JSON.stringify(input)}`).toMatchObject({
    ok: false,
    error: { code: 'NOT_ALLOWED' },
  });
  if (!result.ok) expect(result.error.message).toMatch(/Choose folder…|picker/);
}

async function expectAccepted(
  call: (channel: string, input: unknown) => Promise<Result<unknown>>,
  [channel, input]: readonly [string, unknown],
) {
  expect(await call(channel, input), `${channel} ${JSON.stringify(input)}`).toEqual({
    ok: true,
    value: 'engine ran',
  });
}

describe('a folder the person never chose', () => {
  it('is refused for addRoots, useFolder, reindex and export, and the engine never runs', async () => {
    const { call, engine } = setup();
    await expectRefused(call, addRoots(secret));
    await expectRefused(call, useFolder(secret));
    await expectRefused(call, ['library:reindex', { path: secret }]);
    await expectRefused(call, exportInto(secret));
    expect(engine.invoke).not.toHaveBeenCalled();
  });

  it('is refused among chosen ones: one unchosen path refuses the whole call', async () => {
    const { call, folders, engine } = setup();
    folders.choose([chosen]);
    await expectRefused(call, ['library:addRoots', { paths: [chosen, secret] }]);
    expect(engine.invoke).not.toHaveBeenCalled();
  });

  it('is refused by a router built without a record (fail closed)', async () => {
    const { router } = setup();
    const { chosenFolders: _omitted, ...bare } = router;
    const result = await routeCall(bare, null, 'library:addRoots', { paths: [chosen] });
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } });
  });

  it('leaves channels that name no folder alone', async () => {
    const { call } = setup();
    await expectAccepted(call, ['library:reindex', {}]);
    await expectAccepted(call, ['search:query', { query: 'red' }]);
  });
});

describe('a folder the person chose', () => {
  it('is accepted after the native picker returned it', async () => {
    const { call, engine } = setup();
    await expectRefused(call, addRoots(chosen));
    expect(await call('dialog:pickFolders', {})).toEqual({ ok: true, value: [chosen] });
    await expectAccepted(call, addRoots(chosen));
    await expectAccepted(call, useFolder(chosen));
    await expectAccepted(call, exportInto(chosen));
    expect(engine.invoke.mock.calls.map(([channel]) => channel)).toEqual([
      'library:addRoots',
      'models:useFolder',
      'clip:export',
    ]);
  });

  it('is accepted after a drop; a cancelled picker grants nothing', async () => {
    const { call, folders, router } = setup();
    const cancelled = createShellHandlers({
      showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [secret] }),
      showItemInFolder: () => undefined,
      media: { roots: () => Promise.resolve([]) },
      chosenFolders: folders,
    });
    await routeCall({ ...router, shell: cancelled }, null, 'dialog:pickFolders', {});
    await expectRefused(call, addRoots(secret));

    // Recorded synchronously: a call right after the drop report sees it.
    folders.choose([secret]);
    await expectAccepted(call, addRoots(secret));
  });

  it('covers the folders inside it, including an export folder not made yet', async () => {
    const { call, folders } = setup();
    folders.choose([chosen]);
    await expectAccepted(call, addRoots(path.join(chosen, 'trip')));
    await expectAccepted(call, exportInto(path.join(chosen, 'clips', 'new')));
  });

  it('counts the library’s own roots as chosen', async () => {
    const { call } = setup([root]);
    await expectAccepted(call, ['library:reindex', { path: root }]);
    await expectAccepted(call, exportInto(path.join(root, 'clips')));
    await expectRefused(call, exportInto(secret));
  });

  it('lets an export go next to a chosen video, but not next to any video', async () => {
    const { call, folders } = setup();
    const video = path.join(secret, 'dropped.mp4');
    await writeFile(video, 'not really a video');
    await expectRefused(call, exportInto(secret, video));
    folders.choose([video]);
    await expectAccepted(call, exportInto(secret, video));
    // The grant is the file, not its folder: the folder itself is no root to add.
    await expectRefused(call, addRoots(secret));
  });
});

describe('escapes', () => {
  it('refuses .. and . segments, even when they lead back inside', async () => {
    const { call, folders } = setup();
    folders.choose([chosen]);
    for (const sneaky of [
      `${chosen}/../secret`,
      `${chosen}/trip/..`,
      `${chosen}/./trip`,
      `${chosen}/trip/../../secret`,
    ])
      await expectRefused(call, addRoots(sneaky));
  });

  it('refuses a sibling whose name starts with the chosen folder’s name', async () => {
    const { call, folders } = setup();
    await mkdir(`${chosen}-private`);
    folders.choose([chosen]);
    await expectRefused(call, addRoots(`${chosen}-private`));
  });

  it('refuses a symlink inside a chosen folder that points out of it', async () => {
    const { call, folders } = setup();
    await symlink(secret, path.join(chosen, 'link-out'));
    folders.choose([chosen]);
    await expectRefused(call, addRoots(path.join(chosen, 'link-out')));
    await expectRefused(call, exportInto(path.join(chosen, 'link-out', 'clips')));
    await expectRefused(call, useFolder(path.join(chosen, 'link-out')));
  });

  it('refuses a dangling symlink, whose target could appear later anywhere', async () => {
    const { call, folders } = setup();
    await symlink(path.join(secret, 'not-yet'), path.join(chosen, 'dangling'));
    folders.choose([chosen]);
    await expectRefused(call, exportInto(path.join(chosen, 'dangling')));
    await expectRefused(call, exportInto(path.join(chosen, 'dangling', 'deeper')));
  });

  it('judges a chosen symlink by where it leads', async () => {
    const { call, folders } = setup();
    const link = path.join(base, 'link-to-photos');
    await symlink(chosen, link);
    folders.choose([link]);
    // The person chose the link; its target is what they chose, by either name.
    await expectAccepted(call, addRoots(chosen));
    await expectAccepted(call, addRoots(path.join(link, 'trip')));
    await expectRefused(call, addRoots(secret));
  });

  it('refuses a path through a file, and a NUL byte', async () => {
    const file = path.join(chosen, 'note.txt');
    await writeFile(file, 'x');
    expect(await realPathOf(path.join(file, 'below'))).toBeNull();
    expect(await realPathOf(`${chosen}\0/x`)).toBeNull();
    expect(await realPathOf('relative/path')).toBeNull();
  });
});
