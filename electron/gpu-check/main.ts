/**
 * @file `scripts/gpu-check`: can Lantern use this machine's GPU, how fast is it, and does
 * it give the same embeddings as CPU? Runs the bench image encoder on CPU, CUDA and
 * WebGPU through native/onnx, prints each one's throughput against CPU and its lowest
 * cosine with CPU (or the exact reason it could not start), and which provider
 * Lantern's `auto` would pick and why. Plain Node, bundled to out/gpu-check.js.
 *
 * Exit status: 0 whenever the check ran, GPU or not (a GPU provider failing is a
 * result, not an error); 1 when the check itself failed (the model could not be
 * written, CPU could not run it); 2 for a wrong command line.
 *
 * Why here and not in native/onnx: it writes the bench model with test/bench's builder
 * and reports to a person, and native/ holds thin adapters that import nothing above
 * them (DESIGN.md, Layout). Like electron/cli it is an entry point over native/onnx.
 */
import { resolve } from 'node:path';
import { describeProviders, providerCandidates } from '../../native/onnx/providers.js';
import {
  FULL_PLAN,
  QUICK_PLAN,
  benchEncoder,
  cudaLibraryGaps,
  gpuDevices,
  runProvider,
} from './probe.js';
import { CHECKED_PROVIDERS, formatSummary, summarise, summaryJson } from './summary.js';
import type { ProviderRun } from './summary.js';

const USAGE = `Usage: scripts/gpu-check [--quick] [--json] [--cache DIR]
  --quick      one small batch per provider (for tests; the speeds mean little)
  --json       print a machine-readable summary on stdout (progress goes to stderr)
  --cache DIR  where the generated bench model is kept (default .cache/gpu-check)`;

interface Options {
  quick: boolean;
  json: boolean;
  cache: string;
}

function parseArgs(argv: readonly string[]): Options | string {
  const options: Options = { quick: false, json: false, cache: resolve('.cache', 'gpu-check') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--cache' && argv[i + 1] !== undefined)
      options.cache = resolve(argv[++i] ?? '');
    else return `Unknown or incomplete option ${arg ?? ''}.`;
  }
  return options;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (typeof options === 'string') {
    console.error(`${options}\n${USAGE}`);
    return 2;
  }
  // Progress goes to stderr so that --json leaves stdout to the summary alone.
  const progress = (line: string) => console.error(`gpu-check: ${line}`);
  const plan = options.quick ? QUICK_PLAN : FULL_PLAN;

  const encoder = await benchEncoder(options.cache, process.cwd());
  progress(
    encoder.writeSeconds > 0
      ? `wrote the bench image encoder in ${encoder.writeSeconds.toFixed(1)} s: ${encoder.path}`
      : `bench image encoder: ${encoder.path}`,
  );

  const runs: ProviderRun[] = [];
  for (const provider of CHECKED_PROVIDERS) {
    progress(`${provider}: loading and running batches of ${plan.batch} …`);
    const run = await runProvider(encoder, provider, plan);
    if (!run.started && provider === 'cuda') {
      const gaps = cudaLibraryGaps();
      if (gaps) run.reason = `${run.reason} In detail: ${gaps}`;
    }
    progress(run.started ? `${provider}: ${run.imagesPerSecond.toFixed(1)} images/s` : run.reason);
    runs.push(run);
  }

  const summary = summarise(runs, providerCandidates('auto'), gpuDevices());
  if (options.json) {
    const report = {
      ...summary,
      model: { path: encoder.path, generator: 'test/bench/vit-model.ts (buildVisionEncoder)' },
      plan,
      build: describeProviders(),
    };
    console.log(summaryJson(report));
  } else {
    console.log(formatSummary(summary));
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`gpu-check failed: ${message}`);
    process.exit(1);
  },
);
