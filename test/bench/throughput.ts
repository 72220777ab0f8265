/**
 * @file Raw image-encoder throughput (plain Node, bench time only): the ViT-B/32-sized
 * vision model through native/onnx's loadSession and run on the CPU provider, on
 * ready-made random tensors, at several batch sizes. No decoding, no store: the
 * ceiling that inference alone puts on indexing. Runs in a fresh child process.
 */
import { loadSession, run } from '../../native/onnx/index.js';
import { median } from './measure.js';

export const BATCH_SIZES = [1, 2, 4, 8, 16, 32] as const;
/** Images per timed rep at every batch size, so small batches are timed over as much work. */
const IMAGES_PER_REP = 32;
const SIDE = 224;

export interface ThroughputRow {
  batch: number;
  reps: number;
  /** Median wall time of one run of this batch size. */
  msPerRun: number;
  imagesPerSecond: number;
}

export interface ThroughputResult {
  provider: string;
  loadMs: number;
  rows: ThroughputRow[];
}

/** Child side of `throughput <visionPath> <reps>`. */
export async function throughputChild(visionPath: string, reps: number): Promise<ThroughputResult> {
  const session = await loadSession(visionPath, { provider: 'cpu' });
  const input = session.inputNames[0];
  if (input === undefined) throw new Error(`${visionPath} has no input`);
  const stride = 3 * SIDE * SIDE;
  // Random pixels in the normalised range; inference cost does not depend on the values.
  const pixels = Float32Array.from(
    { length: Math.max(...BATCH_SIZES) * stride },
    () => Math.random() * 4 - 2,
  );
  const rows: ThroughputRow[] = [];
  for (const batch of BATCH_SIZES) {
    const feeds = {
      [input]: { data: pixels.subarray(0, batch * stride), dims: [batch, 3, SIDE, SIDE] },
    };
    await run(session, feeds); // warm-up: ORT sizes its buffers for this shape
    const runsPerRep = Math.ceil(IMAGES_PER_REP / batch);
    const perRun: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const started = performance.now();
      for (let i = 0; i < runsPerRep; i++) await run(session, feeds);
      perRun.push((performance.now() - started) / runsPerRep);
    }
    const msPerRun = median(perRun);
    rows.push({ batch, reps, msPerRun, imagesPerSecond: (batch * 1000) / msPerRun });
  }
  return { provider: session.provider, loadMs: session.loadMs, rows };
}
