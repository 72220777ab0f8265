/**
 * @file The browser shell's transport (renderer): the IPC contract over one WebSocket to
 * `lantern serve`. Requests are `{ id, channel, input }`; the server answers
 * `{ id, result }` and pushes `{ event, payload }`. The socket reconnects with backoff;
 * a call in flight when it drops fails with a sentence instead of hanging.
 */
import type {
  Channel,
  ChannelInput,
  ChannelOutput,
  EventName,
  Events,
  LanternApi,
  Result,
} from '../../../electron/shared/contract.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface SocketTransport extends LanternApi {
  readonly state: ConnectionState;
  /** Called on every change of connection state; returns the unsubscribe function. */
  onState(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

export interface SocketOptions {
  /** Injected in tests; the page's WebSocket otherwise. */
  WebSocket?: typeof WebSocket;
  /** How long a call made while disconnected waits for the socket before failing. */
  connectTimeoutMs?: number;
}

/** First reconnect after 250 ms, doubling to 5 s: quick after a blip, gentle when the server is gone. */
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5000;
/** Long enough for a restarting `lantern serve` to come back, short enough to tell the person. */
const CONNECT_TIMEOUT_MS = 10_000;

interface Waiting {
  message: string;
  channel: Channel;
  settle: (result: Result<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
}

function failure(message: string): Result<never> {
  return { ok: false, error: { code: 'INTERNAL', message } };
}

export function createSocketTransport(url: string, options: SocketOptions = {}): SocketTransport {
  const Socket = options.WebSocket ?? WebSocket;
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let attempt = 0;
  let closed = false;
  let nextId = 1;
  const inFlight = new Map<number, { channel: Channel; settle: (r: Result<unknown>) => void }>();
  const waiting: Waiting[] = [];
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  const setState = (next: ConnectionState) => {
    if (state === next) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const send = (id: number, message: string, channel: Channel, settle: Waiting['settle']) => {
    inFlight.set(id, { channel, settle });
    socket?.send(message);
  };

  const receive = (data: unknown) => {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return; // Not ours to answer: the server only sends JSON.
    }
    if (typeof message !== 'object' || message === null) return;
    const { id, result, event, payload } = message as Record<string, unknown>;
    if (typeof id === 'number') {
      const call = inFlight.get(id);
      inFlight.delete(id);
      call?.settle(result as Result<unknown>);
    } else if (typeof event === 'string') {
      for (const listener of eventListeners.get(event) ?? []) listener(payload);
    }
  };

  const connect = () => {
    const ws = new Socket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setState('open');
      for (const call of waiting.splice(0)) {
        clearTimeout(call.timer);
        const id = (JSON.parse(call.message) as { id: number }).id;
        send(id, call.message, call.channel, call.settle);
      }
    };
    ws.onmessage = (event: MessageEvent) => receive(event.data);
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      // A call already sent may or may not have run; say so rather than retry it.
      for (const [id, call] of inFlight) {
        inFlight.delete(id);
        call.settle(
          failure(
            `The connection to Lantern closed before ${call.channel} answered. It reconnects by itself; try again in a moment.`,
          ),
        );
      }
      if (closed) return;
      setState('reconnecting');
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
      attempt += 1;
      setTimeout(connect, delay);
    };
  };

  connect();

  return {
    get state() {
      return state;
    },
    invoke<C extends Channel>(
      channel: C,
      input: ChannelInput<C>,
    ): Promise<Result<ChannelOutput<C>>> {
      return new Promise((resolve) => {
        const settle = resolve as (result: Result<unknown>) => void;
        const id = nextId++;
        const message = JSON.stringify({ id, channel, input });
        if (socket && socket.readyState === Socket.OPEN) {
          send(id, message, channel, settle);
          return;
        }
        const call: Waiting = {
          message,
          channel,
          settle,
          timer: setTimeout(() => {
            waiting.splice(waiting.indexOf(call), 1);
            settle(
              failure(
                'Lantern is not reachable. Check that Lantern (`npm start` or `npx lantern serve`) is still running in its terminal, and open the address it printed (it carries the access token).',
              ),
            );
          }, connectTimeoutMs),
        };
        waiting.push(call);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      const set = eventListeners.get(event) ?? new Set();
      eventListeners.set(event, set);
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}
