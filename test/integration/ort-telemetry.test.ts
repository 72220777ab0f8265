/**
 * @file [Note: onnxruntime's telemetry is off] (native/onnx/ort-module.ts): `lantern index`
 * (image encoder on an inference thread) and `lantern search` (text encoder on the main
 * thread) leave no telemetry queue of onnxruntime's in the user's cache folder, where plain
 * onnxruntime-node, given the same environment, makes one. The environment is the one a
 * person's shell has: no CI variable (onnxruntime skips telemetry when CI is set, as it is
 * when the test suite runs under .ci/run) and no ORT_DISABLE_TELEMETRY of its own.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lantern } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

/** Where onnxruntime 1.29+ queues its telemetry, under the user's cache folder. */
const QUEUE = path.join('Microsoft', 'DeveloperTools', '.onnxruntime');

describe("onnxruntime's telemetry", () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  let cache: string;
  let home: string;

  beforeAll(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    cache = path.join(root, 'cache');
    await Promise.all([mkdir(home), mkdir(cache), mkdir(path.join(root, 'photos'))]);
    await writePhoto(path.join(root, 'photos'), { colour: 'red' });
    await writePhoto(path.join(root, 'photos'), { colour: 'blue' });
    // A person's shell: none of the variables that keep onnxruntime quiet.
    env = {
      HOME: home,
      XDG_CACHE_HOME: cache,
      CI: undefined,
      ORT_DISABLE_TELEMETRY: undefined,
      ORT_RUNNING_UNIT_TESTS: undefined,
    };
  });

  afterAll(async () => {
    await removeDir(root);
  });

  /** Whether a telemetry queue exists in the cache folder or under HOME/.cache. */
  function queued(): boolean {
    return existsSync(path.join(cache, QUEUE)) || existsSync(path.join(home, '.cache', QUEUE));
  }

  it('is queued by plain onnxruntime-node in this environment (the check can fail)', async () => {
    const model = path.join(inject('toyModelsDir'), 'toy-clip', 'vision_model.onnx');
    const script = `require('onnxruntime-node').InferenceSession.create(${JSON.stringify(model)}).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(queued()).toBe(true);
    await Promise.all([
      removeDir(path.join(cache, 'Microsoft')),
      removeDir(path.join(home, '.cache')),
    ]);
    expect(queued()).toBe(false);
  }, 60_000);

  it('is not collected by lantern index or lantern search', async () => {
    const global = ['--db', path.join(root, 'db'), '--models', inject('toyModelsDir')];
    const indexed = await lantern(
      ['index', path.join(root, 'photos'), ...global, '--model', 'toy-clip'],
      env,
    );
    expect(indexed.code, indexed.stderr).toBe(0);
    const searched = await lantern(
      ['search', 'red', ...global, '--model', 'toy-clip', '--json'],
      env,
    );
    expect(searched.code, searched.stderr).toBe(0);
    expect((JSON.parse(searched.stdout) as { results: unknown[] }).results.length).toBeGreaterThan(
      0,
    );
    expect(queued()).toBe(false);
  }, 120_000);
});
