/**
 * @file The image side of a CLIP encoder pair: its session on an inference thread (or in
 * this thread when none can start), the intra-op thread count it was loaded with, and the
 * encodes running on it, so a side replaced by one with another count (ClipEncoder's
 * useImageThreads, [Note: a video pass uses every core] in video/video-pass.ts) stops its
 * thread only once the last of them ends.
 */
import {
  loadOnThread,
  loadSession,
  runSession,
  type InferenceThread,
  type LoadedSession,
  type SessionSettings,
} from '../../../native/onnx/index.js';
import type { ClipModel } from '../models/manifest.js';
import { checkInput } from './session-inputs.js';

/** The image side once loaded: on its thread, or in-process when no thread can start. */
export interface VisionSide {
  session: LoadedSession | null;
  thread: InferenceThread | null;
  provider: string;
  notes: string[];
  /** The intra-op threads it was loaded with; undefined: onnxruntime's own choice. */
  threads: number | undefined;
  /** Encodes running on it now. */
  users: number;
  /** Replaced by one with another thread count: stopped once its last encode ends. */
  retired: boolean;
}

type Feeds = Parameters<typeof runSession>[1];

/**
 * Load `model`'s image encoder from `visionPath` with `settings` (whose intraOpThreads is
 * `threads` when set): on an inference thread unless `onThread` is false or no thread can
 * start, which the side's notes then say.
 */
export async function loadVisionSide(
  model: ClipModel,
  visionPath: string,
  settings: SessionSettings,
  onThread: boolean,
): Promise<VisionSide> {
  const side = (
    session: LoadedSession | null,
    thread: InferenceThread | null,
    provider: string,
    notes: string[],
  ): VisionSide => ({
    session,
    thread,
    provider,
    notes,
    threads: settings.intraOpThreads,
    users: 0,
    retired: false,
  });
  const notes: string[] = [];
  if (onThread) {
    // [Note: the thread loads its own model] (native/onnx/thread-load.ts).
    const loaded = await loadOnThread(visionPath, settings);
    if (loaded.thread) {
      if (!loaded.inputNames.includes(model.vision.input)) await loaded.thread.close();
      checkInput(loaded.inputNames, model.vision.input, 'image', model.id);
      return side(null, loaded.thread, loaded.provider, [...loaded.notes]);
    }
    notes.push(`Image inference runs on the engine's own thread: ${loaded.reason}`);
  }
  const session = await loadSession(visionPath, settings);
  checkInput(session.inputNames, model.vision.input, 'image', model.id);
  return side(session, null, session.provider, [...session.notes, ...notes]);
}

/**
 * Run `feeds` on `vision`, counted among its users: a side retired meanwhile stops its
 * thread when this was its last encode.
 */
export async function runOnSide(
  vision: VisionSide,
  feeds: Feeds,
): Promise<Awaited<ReturnType<typeof runSession>>> {
  vision.users++;
  try {
    return vision.thread
      ? await vision.thread.run(feeds)
      : await runSession(vision.session!, feeds);
  } finally {
    vision.users--;
    if (vision.retired && vision.users === 0) await vision.thread?.close();
  }
}
