/**
 * @file scripts/gpu-check on this machine, which has no GPU: `--quick --json` generates
 * the bench image encoder, runs it on CPU, tries CUDA and WebGPU for real, and must
 * exit 0 with "no GPU" and its reason, a CPU throughput, and Lantern's auto pick (cpu)
 * with the reason each GPU provider is not used. Runs the launcher as a person would,
 * in a child process, with the model written to a temporary folder.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuCheckSummary } from '../../electron/gpu-check/summary.js';

const LAUNCHER = join(process.cwd(), 'scripts', 'gpu-check');
const hasGpuNode = existsSync('/dev/nvidia0') || existsSync('/dev/dri');

let cache: string;
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'lantern-gpu-check-'));
});
afterAll(async () => {
  await rm(cache, { recursive: true, force: true });
});

function runCheck(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(LAUNCHER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(hasGpuNode)('scripts/gpu-check without a GPU', () => {
  it('exits 0 with "no GPU", a CPU throughput and the auto pick with its reasons', async () => {
    const { code, stdout, stderr } = await runCheck(['--quick', '--json', '--cache', cache]);
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout) as GpuCheckSummary & { build: { name: string }[] };

    expect(summary.gpu).toBe(false);
    expect(summary.noGpuReason).toMatch(/^no GPU device node/);
    expect(summary.devices).toEqual([]);

    const byName = new Map(summary.providers.map((p) => [p.provider, p]));
    expect(byName.get('cpu')?.status).toBe('reference');
    expect(byName.get('cpu')?.imagesPerSecond).toBeGreaterThan(0);
    for (const gpu of ['cuda', 'webgpu'] as const) {
      expect(byName.get(gpu)?.status).toBe('failed');
      expect(byName.get(gpu)?.reason).toMatch(new RegExp(`^${gpu}: `));
      expect(summary.noGpuReason).toContain(byName.get(gpu)?.reason);
    }

    expect(summary.auto.provider).toBe('cpu');
    expect(summary.auto.reasons.some((r) => r.startsWith('cuda: '))).toBe(true);
    expect(summary.auto.reasons.some((r) => r.startsWith('webgpu: '))).toBe(true);
    // The providers this onnxruntime-node build reports, as Lantern reads them.
    expect(summary.build.map((p) => p.name)).toContain('cpu');
  }, 240_000);

  it('refuses an unknown option with status 2', async () => {
    const { code, stderr } = await runCheck(['--fast']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Unknown or incomplete option --fast/);
  });
});
