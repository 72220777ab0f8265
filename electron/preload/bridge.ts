/**
 * @file What the preload exposes as `window.lantern` (renderer process, sandboxed
 * preload): typed invoke and events derived from the contract, plus the two file helpers
 * of the desktop app. Free of Electron, so it is unit-tested with a fake ipcRenderer.
 *
 * A sandboxed preload can require only 'electron', and bundling the contract would bring
 * zod along, so the channel and event names are listed here and the compiler checks them
 * against the contract both ways (an extra name fails `satisfies`; a missing one fails
 * `NoneMissing`). Names are checked here as well as in main, so a typo fails in the page
 * with a clear result instead of an unhandled-channel rejection.
 *
 * Dropped paths: each path `pathForFile` resolves is also reported to main on
 * DROPPED_PATH_CHANNEL, which is not a contract channel, so the page cannot call it;
 * main records it as chosen ([Note: chosen folders], electron/main/chosen-folders.ts).
 */
import type { Channel, EventName, LanternApi, Result } from '../shared/contract.js';

export const CHANNEL_NAMES = [
  'app:info',
  'settings:get',
  'settings:set',
  'models:list',
  'models:fetch',
  'models:useFolder',
  'library:status',
  'library:addRoots',
  'library:removeRoot',
  'library:reindex',
  'library:browse',
  'library:failures',
  'jobs:list',
  'jobs:pause',
  'jobs:resume',
  'jobs:cancel',
  'search:query',
  'search:similar',
  'scenes:find',
  'clip:export',
  'tags:list',
  'tags:ofFiles',
  'tags:decide',
  'tags:review',
  'tags:run',
  'tags:edit',
  'tags:preview',
  'tags:threshold',
  'tags:learn',
  'vision:frame',
  'vision:detect',
  'vision:segment',
  'vision:export',
  'lens:classify',
  'lens:describe',
  'lens:ask',
  'lens:score',
  'duplicates:find',
  'duplicates:cancel',
  'duplicates:trash',
  'media:playback',
  'dialog:pickFolders',
  'media:reveal',
] as const satisfies readonly Channel[];

export const EVENT_NAMES = [
  'job:progress',
  'library:changed',
  'settings:changed',
  'vision:loading',
  'duplicates:progress',
] as const satisfies readonly EventName[];

/**
 * Where the preload reports a dropped file's path. Only the preload calls it, and only
 * with a path Electron resolved for a File the person dropped: a File made by page script
 * has none. Electron does not promise that a `send` and a later `invoke` arrive in order,
 * so the report is an invoke too, and every call the page makes waits until main has
 * acknowledged the reports before it (a call naming the dropped path must find it).
 */
export const DROPPED_PATH_CHANNEL = 'preload:droppedPath';

/** Compiles only when `Missing` is never, i.e. every contract name is listed above. */
type NoneMissing<Missing extends never> = Missing;
export type ChannelsListed = NoneMissing<Exclude<Channel, (typeof CHANNEL_NAMES)[number]>>;
export type EventsListed = NoneMissing<Exclude<EventName, (typeof EVENT_NAMES)[number]>>;

/** What `window.lantern` is in the desktop app: the contract plus two file helpers. */
export interface LanternBridge extends LanternApi {
  /** The URL that shows a library file (thumbnail or original) in <img> or <video>. */
  mediaUrl(path: string): string;
  /**
   * The absolute path of a dropped file or folder ('' when it has none); main records it
   * as chosen by the person.
   */
  pathForFile(file: File): string;
}

/** The parts of ipcRenderer and webUtils the bridge uses. */
export interface BridgeDeps {
  ipc: {
    invoke(channel: string, input: unknown): Promise<unknown>;
    on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
    removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  };
  getPathForFile(file: File): string;
}

const channels: ReadonlySet<string> = new Set(CHANNEL_NAMES);
const events: ReadonlySet<string> = new Set(EVENT_NAMES);

export function createBridge(deps: BridgeDeps): LanternBridge {
  /** Settles once main has acknowledged every drop report made so far. */
  let reported: Promise<unknown> = Promise.resolve();
  return {
    async invoke(channel, input) {
      if (!channels.has(channel))
        return {
          ok: false,
          error: { code: 'INVALID_INPUT', message: `Unknown channel "${String(channel)}".` },
        };
      try {
        await reported;
        // Main answers every call with a Result (ipc-router.ts); the cast is that promise.
        return (await deps.ipc.invoke(channel, input)) as Awaited<ReturnType<LanternApi['invoke']>>;
      } catch (error) {
        return {
          ok: false,
          error: {
            code: 'INTERNAL',
            message: `Lantern could not reach its engine: ${error instanceof Error ? error.message : String(error)}`,
          },
        } satisfies Result<never>;
      }
    },
    on(event, listener) {
      if (!events.has(event)) throw new TypeError(`Unknown event "${String(event)}".`);
      // The page gets the payload only, never the IpcRendererEvent (it reaches `sender`).
      const forward = (_event: unknown, payload: unknown): void =>
        listener(payload as Parameters<typeof listener>[0]);
      deps.ipc.on(event, forward);
      return () => {
        deps.ipc.removeListener(event, forward);
      };
    },
    mediaUrl: (path) => `media://local/${encodeURIComponent(path)}`,
    pathForFile: (file) => {
      const path = deps.getPathForFile(file);
      if (path) {
        // A lost report only means main refuses that path later, with a sentence.
        const report = deps.ipc.invoke(DROPPED_PATH_CHANNEL, path).catch(() => undefined);
        reported = Promise.all([reported, report]);
      }
      return path;
    },
  };
}
