/**
 * @file The renderer's one door to the backend (renderer process). Components and state
 * modules call `invoke`, `on` and `mediaUrl` here and nowhere else, so the transport —
 * the Electron preload's `window.lantern`, or a WebSocket to the browser shell — is
 * chosen once and can be replaced at this boundary in tests.
 *
 * Only types come from electron/shared: the backend validates every input itself.
 */
import type {
  Channel,
  ChannelInput,
  ChannelOutput,
  EventName,
  Events,
  LanternApi,
} from '../../../electron/shared/contract.js';
import { createSocketTransport, type ConnectionState } from './socket-transport.js';

export type { ConnectionState } from './socket-transport.js';
export type Shell = 'electron' | 'browser';

/** A `{ ok: false }` answer, thrown: `message` is the sentence to show the person. */
export class ApiError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/** Everything a transport provides; swap it with `useBackend` in tests. */
export interface Backend {
  shell: Shell;
  api: LanternApi;
  mediaUrl(path: string): string;
  /** A dropped file's absolute path, or null where the shell cannot know it. */
  pathForFile(file: File): string | null;
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

function electronBackend(bridge: NonNullable<Window['lantern']>): Backend {
  return {
    shell: 'electron',
    api: {
      // [Note: plain inputs] contextBridge structured-clones arguments and refuses
      // Proxies, which is what Svelte's $state objects are. Inputs are small JSON by
      // contract, so a JSON round trip makes any of them plain.
      invoke: (channel, input) =>
        bridge.invoke(channel, JSON.parse(JSON.stringify(input)) as typeof input),
      on: (event, listener) => bridge.on(event, listener),
    },
    mediaUrl: (path) => bridge.mediaUrl(path),
    pathForFile: (file) => bridge.pathForFile?.(file) || null,
    onConnection: () => () => {},
  };
}

function browserBackend(): Backend {
  // The printed URL carries the token; after the first load the server also keeps it in
  // a cookie, so a reloaded page without `?token=` still gets in.
  const token = new URLSearchParams(location.search).get('token');
  const tokenQuery = token ? `token=${encodeURIComponent(token)}&` : '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = createSocketTransport(
    `${scheme}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`,
  );
  return {
    shell: 'browser',
    api: socket,
    // Absolute from the server root: the page itself may sit under any path.
    mediaUrl: (path) => `/media?${tokenQuery}path=${encodeURIComponent(path)}`,
    // A browser never learns where a dropped file lives on disk.
    pathForFile: () => null,
    onConnection: (listener) => socket.onState(listener),
  };
}

let backend: Backend | null = null;

/** The transport, chosen on first use so that importing this module opens nothing. */
function current(): Backend {
  backend ??= window.lantern ? electronBackend(window.lantern) : browserBackend();
  return backend;
}

/** Replace the transport (tests, or a future shell). */
export function useBackend(next: Backend): void {
  backend = next;
}

/** Call a channel; resolves to its output or throws an ApiError carrying the sentence. */
export async function invoke<C extends Channel>(
  channel: C,
  input: ChannelInput<C>,
): Promise<ChannelOutput<C>> {
  let result;
  try {
    result = await current().api.invoke(channel, input);
  } catch (error) {
    // The contract never throws; a throw here is the transport itself failing.
    throw new ApiError(
      'INTERNAL',
      `Lantern could not be reached (${error instanceof Error ? error.message : String(error)}). Restart Lantern and try again.`,
    );
  }
  if (!result.ok) throw new ApiError(result.error.code, result.error.message);
  return result.value;
}

/** Subscribe to a pushed event; returns the function that unsubscribes. */
export function on<E extends EventName>(
  event: E,
  listener: (payload: Events[E]) => void,
): () => void {
  return current().api.on(event, listener);
}

/** The URL that shows a file (thumbnail or original) in this shell. */
export function mediaUrl(path: string): string {
  return current().mediaUrl(path);
}

export function shell(): Shell {
  return current().shell;
}

export function pathForFile(file: File): string | null {
  return current().pathForFile(file);
}

export function onConnection(listener: (state: ConnectionState) => void): () => void {
  return current().onConnection(listener);
}

/** The sentence to show for anything a call threw. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again, and restart Lantern if it keeps happening.';
}
