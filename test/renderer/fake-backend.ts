/**
 * @file A fake LanternApi for component tests that render the whole App: each channel
 * answers from a handler the test supplies, and the test can push events. It is
 * installed at the renderer's one boundary (`useBackend` in renderer/src/lib/api.ts).
 */
import { vi } from 'vitest';
import type {
  AppInfo,
  Channel,
  ChannelInput,
  ChannelOutput,
  EventName,
  Events,
  LanternApi,
  Result,
  Settings,
} from '../../electron/shared/contract.js';
import type {
  LibraryStatus,
  VisionDetection,
  VisionDetections,
  VisionFrame,
  VisionLoading,
  VisionMasks,
} from '../../electron/shared/types.js';
import type { ErrorCode } from '../../electron/shared/errors.js';
import { useBackend } from '../../renderer/src/lib/api.js';

type Handler<C extends Channel> = (
  input: ChannelInput<C>,
) => ChannelOutput<C> | Promise<ChannelOutput<C>>;
export type Handlers = { [C in Channel]?: Handler<C> };

export const readyInfo: AppInfo = {
  version: '0.1.0',
  shell: 'browser',
  model: 'toy-clip',
  provider: 'cpu',
  providerNotes: ['CUDA: onnxruntime-node was built without CUDA support.'],
  ffmpeg: { version: '7.1', source: 'system' },
  ffmpegProblem: null,
  ready: true,
  notReadyReason: null,
};

export const settings: Settings = {
  model: 'toy-clip',
  provider: 'auto',
  thumbnailSize: 256,
  maxMegapixels: 100,
  theme: 'system',
  writeXmp: false,
  watch: true,
  watchPollSeconds: 30,
};

export const status: LibraryStatus = {
  model: 'toy-clip',
  provider: 'cpu',
  providerNotes: [],
  roots: [{ path: '/photos', files: 3, failed: 1, offline: null }],
  images: 3,
  videos: 0,
  failed: 1,
  reindex: null,
  warnings: [],
};

/** Sensible answers for the calls App makes on start; tests override what they examine. */
const defaults: Handlers = {
  'app:info': () => readyInfo,
  'settings:get': () => settings,
  'jobs:list': () => [],
  'library:status': () => status,
  'library:failures': () => [],
  'search:query': () => ({ results: [], hidden: 0 }),
  'library:browse': () => ({ items: [], total: 0, months: [] }),
  'media:playback': () => ({ mode: 'direct', mime: null, duration: 0, reason: 'Plays as it is.' }),
  // The lightbox asks for the shown file's tags; by default it has none.
  'tags:ofFiles': ({ paths }) => paths.map((path) => ({ path, tags: [] })),
};

/** An error a handler throws to fail with `code` rather than INVALID_INPUT. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeShell {
  shell?: 'electron' | 'browser';
  pathForFile?: (file: File) => string | null;
}

export function installFakeBackend(handlers: Handlers = {}, options: FakeShell = {}) {
  const all: Handlers = { ...defaults, ...handlers };
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const invoke = vi.fn(async (channel: Channel, input: unknown): Promise<Result<unknown>> => {
    const handler = all[channel] as ((input: unknown) => unknown) | undefined;
    if (!handler)
      return { ok: false, error: { code: 'INTERNAL', message: `No fake for ${channel}.` } };
    try {
      return { ok: true, value: await handler(input) };
    } catch (error) {
      // A handler throws a CodedError to answer with that code (e.g. MODEL_MISSING).
      const code = error instanceof CodedError ? error.code : 'INVALID_INPUT';
      return { ok: false, error: { code, message: (error as Error).message } };
    }
  });
  const api: LanternApi = {
    invoke: invoke as LanternApi['invoke'],
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
  useBackend({
    shell: options.shell ?? 'browser',
    api,
    mediaUrl: (path) => `/media?path=${encodeURIComponent(path)}`,
    pathForFile: options.pathForFile ?? (() => null),
    onConnection: () => () => {},
  });
  return {
    invoke,
    emit<E extends EventName>(event: E, payload: Events[E]) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
  };
}

/**
 * A vision:detect answer for a photo of `width` × `height` upright pixels (give a portrait
 * size for a rotated photo) with the detector's suggested `threshold`.
 */
export function detectionsAnswer(
  detections: VisionDetection[],
  size: { width: number; height: number } = { width: 640, height: 480 },
  threshold = 0.3,
): VisionDetections {
  return { model: 'toy-detect', ...size, threshold, detections };
}

/** A vision:segment answer: one probability map (a placeholder data URL) per label. */
export function masksAnswer(
  labels: string[],
  size: { width: number; height: number } = { width: 640, height: 480 },
  threshold = 0.4,
): VisionMasks {
  return {
    model: 'toy-segment',
    ...size,
    threshold,
    masks: labels.map((label) => ({ label, coverage: 0.25, image: 'data:image/png;base64,' })),
  };
}

/** A vision:frame answer: the frame at `time` as a (placeholder) JPEG data URL. */
export function frameAnswer(
  time: number,
  size: { width: number; height: number } = { width: 1280, height: 720 },
): VisionFrame {
  return { image: `data:image/jpeg;base64,frame-${time}`, ...size, time };
}

/** A vision:loading event of the detector `model` (owlvit-b32 by default). */
export function loadingEvent(over: Partial<VisionLoading> = {}): VisionLoading {
  return {
    task: 'detect',
    model: 'owlvit-b32',
    phase: 'reading',
    loaded: 0,
    total: 583_000_000,
    ...over,
  };
}
