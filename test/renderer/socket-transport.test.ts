/**
 * @file The browser shell's WebSocket transport, against a fake socket: calls wait for
 * the connection, answers are matched by id, events reach their listeners, a dropped
 * connection fails the calls in flight with a sentence, and it reconnects with backoff.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSocketTransport } from '../../renderer/src/lib/socket-transport.js';

class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static instances: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  send(data: string) {
    this.sent.push(data);
  }

  close() {
    this.readyState = 3;
    this.onclose?.();
  }

  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }

  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

const latest = () => FakeSocket.instances.at(-1) as FakeSocket;

function connect() {
  return createSocketTransport('ws://127.0.0.1:1234/ws?token=t', {
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    connectTimeoutMs: 1000,
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.instances = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createSocketTransport', () => {
  it('sends calls made before the socket opens once it does, and matches answers by id', async () => {
    const transport = connect();
    const info = transport.invoke('app:info', {});
    const status = transport.invoke('library:status', {});
    expect(latest().sent).toEqual([]);

    latest().open();
    const sent = latest().sent.map((m) => JSON.parse(m) as { id: number; channel: string });
    expect(sent.map((m) => m.channel)).toEqual(['app:info', 'library:status']);

    latest().receive({ id: sent[1]?.id, result: { ok: true, value: 'status' } });
    latest().receive({
      id: sent[0]?.id,
      result: { ok: false, error: { code: 'INTERNAL', message: 'no' } },
    });
    await expect(status).resolves.toEqual({ ok: true, value: 'status' });
    await expect(info).resolves.toEqual({ ok: false, error: { code: 'INTERNAL', message: 'no' } });
  });

  it('delivers pushed events to their listeners until they unsubscribe', () => {
    const transport = connect();
    latest().open();
    const listener = vi.fn();
    const stop = transport.on('library:changed', listener);
    latest().receive({ event: 'library:changed', payload: { images: 3 } });
    latest().receive({ event: 'job:progress', payload: {} });
    stop();
    latest().receive({ event: 'library:changed', payload: { images: 4 } });
    expect(listener.mock.calls).toEqual([[{ images: 3 }]]);
  });

  it('fails calls in flight when the connection drops, then reconnects with backoff', async () => {
    const transport = connect();
    const states: string[] = [];
    transport.onState((s) => states.push(s));
    latest().open();
    const pending = transport.invoke('jobs:list', {});
    latest().close();

    const result = await pending;
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error.message).toMatch(/connection to Lantern closed before jobs:list/);
    expect(states).toEqual(['open', 'reconnecting']);

    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(FakeSocket.instances).toHaveLength(2);
    latest().close(); // still down: the next try waits longer
    await vi.advanceTimersByTimeAsync(250);
    expect(FakeSocket.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(250);
    expect(FakeSocket.instances).toHaveLength(3);
    latest().open();
    expect(states.at(-1)).toBe('open');
  });

  it('fails a call that waits too long for a connection, with a sentence', async () => {
    const transport = connect();
    const pending = transport.invoke('app:info', {});
    await vi.advanceTimersByTimeAsync(1000);
    const result = await pending;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/not reachable/);
    latest().open();
    expect(latest().sent).toEqual([]);
  });
});
