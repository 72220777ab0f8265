/**
 * @file Hosts the engine service behind the utility process's parent port (engine
 * worker). Answers main's requests (invoke, media roots, close) and forwards every
 * contract event. Kept apart from `main.ts` so it runs in tests with a fake port and a
 * fake service, without Electron.
 */
import {
  EVENTS,
  isChannel,
  isShellChannel,
  type EngineChannel,
  type EventName,
  type Events,
  type Result,
} from '../shared/contract.js';
import { encodeError } from '../shared/errors.js';
import type { WorkerMessage, WorkerRequest } from './protocol.js';

/** What the worker needs of the engine service (LanternService satisfies it). */
export interface HostedService {
  invoke(channel: EngineChannel, input: unknown): Promise<Result<unknown>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  mediaRoots(): string[];
  close(): Promise<void>;
}

/**
 * `process.parentPort` of an Electron utility process. Typed here rather than taken from
 * electron.d.ts so the worker depends on nothing from the `electron` package.
 */
export interface ParentPortLike {
  on(event: 'message', listener: (message: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

export function hostService(port: ParentPortLike, starting: Promise<HostedService>): void {
  let service: HostedService | null = null;
  let closing = false;
  // Settled either way, so a failed start answers every call with its reason
  // instead of leaving main waiting.
  const ready: Promise<Result<HostedService>> = starting.then(
    (started) => {
      service = started;
      for (const event of EVENTS) forwardEvent(port, started, event);
      return { ok: true, value: started };
    },
    (error: unknown) => {
      const encoded = encodeError(error);
      console.error(`Lantern engine failed to start: ${encoded.message}`);
      return { ok: false, error: encoded };
    },
  );

  const send = (message: WorkerMessage): void => {
    try {
      port.postMessage(message);
    } catch (error) {
      // A value that cannot be structured-cloned must still answer its caller.
      if (message.type === 'result')
        port.postMessage({ type: 'result', id: message.id, result: failure(error) });
      else console.error('Lantern engine could not send a message:', error);
    }
  };

  const answer = async (request: WorkerRequest): Promise<void> => {
    switch (request.type) {
      case 'invoke': {
        const started = await ready;
        let result: Result<unknown>;
        if (!started.ok) result = started;
        else if (closing)
          result = {
            ok: false,
            error: { code: 'CANCELLED', message: 'Lantern is closing; this call was not run.' },
          };
        else if (!isChannel(request.channel) || isShellChannel(request.channel))
          result = {
            ok: false,
            error: {
              code: 'INVALID_INPUT',
              message: `The engine does not answer "${String(request.channel)}".`,
            },
          };
        else result = await started.value.invoke(request.channel, request.input).catch(failure);
        send({ type: 'result', id: request.id, result });
        return;
      }
      case 'mediaRoots': {
        await ready;
        let roots: string[] = [];
        try {
          roots = service ? [...service.mediaRoots()] : [];
        } catch (error) {
          console.error('Lantern engine could not list its media folders:', error);
        }
        send({ type: 'mediaRoots', id: request.id, roots });
        return;
      }
      case 'close': {
        closing = true;
        await ready;
        try {
          await service?.close();
        } catch (error) {
          console.error('Lantern engine did not close cleanly:', error);
        }
        // Main ends this process once it reads `closed`; exiting here could drop the reply.
        send({ type: 'closed', id: request.id });
        return;
      }
    }
  };

  port.on('message', ({ data }) => {
    const request = asRequest(data);
    if (!request) {
      console.error('Lantern engine ignored a malformed request.');
      return;
    }
    void answer(request);
  });
}

function forwardEvent<E extends EventName>(
  port: ParentPortLike,
  service: HostedService,
  event: E,
): void {
  service.on(event, (payload) => {
    try {
      port.postMessage({ type: 'event', event, payload });
    } catch (error) {
      console.error(`Lantern engine could not forward ${event}:`, error);
    }
  });
}

function failure(error: unknown): Result<never> {
  return { ok: false, error: encodeError(error) };
}

/** Main is trusted, but a message is still checked for shape before it is acted on. */
function asRequest(data: unknown): WorkerRequest | null {
  if (typeof data !== 'object' || data === null) return null;
  const { type, id } = data as { type?: unknown; id?: unknown };
  if (typeof id !== 'number') return null;
  if (type === 'invoke') {
    const { channel, input } = data as { channel?: unknown; input?: unknown };
    return typeof channel === 'string'
      ? { type, id, channel: channel as EngineChannel, input }
      : null;
  }
  if (type === 'mediaRoots' || type === 'close') return { type, id };
  return null;
}
