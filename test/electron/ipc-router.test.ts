/**
 * @file The one IPC wrapper (electron/main/ipc-router.ts): sender check, input validation,
 * routing of shell and engine channels, and errors always encoded as Results.
 */
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, type Result } from '../../electron/shared/contract.js';
import {
  registerContractHandlers,
  routeCall,
  type ContractRouter,
  type ShellHandlers,
} from '../../electron/main/ipc-router.js';

interface FakeEvent {
  trusted: boolean;
}
const trusted: FakeEvent = { trusted: true };
const stranger: FakeEvent = { trusted: false };

function router(overrides: Partial<ContractRouter<FakeEvent>> = {}) {
  const engine = {
    invoke: vi.fn((_channel: string, input: unknown): Promise<Result<unknown>> =>
      Promise.resolve({ ok: true, value: { echoed: input } }),
    ),
  };
  const shell: ShellHandlers = {
    'dialog:pickFolders': vi.fn(() => Promise.resolve({ ok: true as const, value: ['/picked'] })),
    'media:reveal': vi.fn(() => Promise.resolve({ ok: true as const, value: null })),
  };
  return {
    engine,
    shell,
    router: {
      isTrustedSender: (event: FakeEvent) => event.trusted,
      engine,
      shell,
      ...overrides,
    } satisfies ContractRouter<FakeEvent>,
  };
}

describe('routeCall', () => {
  it('forwards a valid engine call and returns its value', async () => {
    const { router: r, engine } = router();
    const result = await routeCall(r, trusted, 'search:query', { query: '  red car ', limit: 5 });
    // The parsed input goes on (zod trims the query), not the raw one.
    expect(engine.invoke).toHaveBeenCalledWith('search:query', { query: 'red car', limit: 5 });
    expect(result).toEqual({ ok: true, value: { echoed: { query: 'red car', limit: 5 } } });
  });

  it('refuses bad input with INVALID_INPUT and never reaches the engine', async () => {
    const { router: r, engine } = router();
    for (const input of [{ query: '' }, { query: 'x', limit: -1 }, { query: 'x', extra: 1 }, 42]) {
      const result = await routeCall(r, trusted, 'search:query', input);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('INVALID_INPUT');
        // A sentence about the field, not the channel and schema path it came through.
        expect(result.error.message).not.toMatch(/search:query|Invalid input/);
        expect(result.error.message).toMatch(/\.$/);
      }
    }
    const relative = await routeCall(r, trusted, 'library:addRoots', { paths: ['photos'] });
    expect(relative).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(engine.invoke).not.toHaveBeenCalled();
  });

  it('refuses a call from a sender that is not the app window, before anything else', async () => {
    const { router: r, engine, shell } = router();
    for (const channel of ['app:info', 'dialog:pickFolders', 'nope:nope']) {
      const result = await routeCall(r, stranger, channel, {});
      expect(result).toEqual({
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: "Refused: the call did not come from Lantern's window.",
        },
      });
    }
    expect(engine.invoke).not.toHaveBeenCalled();
    expect(shell['dialog:pickFolders']).not.toHaveBeenCalled();
  });

  it('refuses an unknown channel', async () => {
    const { router: r, engine } = router();
    for (const channel of ['fs:readFile', '__proto__', 'constructor', 42, undefined]) {
      const result = await routeCall(r, trusted, channel, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      if (!result.ok) expect(result.error.message).toMatch(/^Unknown channel/);
    }
    expect(engine.invoke).not.toHaveBeenCalled();
  });

  it('routes the shell channels to main and everything else to the engine', async () => {
    const { router: r, engine, shell } = router();
    expect(await routeCall(r, trusted, 'dialog:pickFolders', {})).toEqual({
      ok: true,
      value: ['/picked'],
    });
    await routeCall(r, trusted, 'media:reveal', { path: '/lib/a.jpg' });
    expect(shell['media:reveal']).toHaveBeenCalledWith({ path: '/lib/a.jpg' });
    expect(engine.invoke).not.toHaveBeenCalled();
    await routeCall(r, trusted, 'library:status', undefined);
    expect(engine.invoke).toHaveBeenCalledWith('library:status', {});
  });

  it('encodes whatever goes wrong; a raw Error never comes back', async () => {
    const thrown = Object.assign(new Error('disk on fire'), { code: 'STORE_FAILED', stack: 'x' });
    const { router: r } = router({
      engine: { invoke: () => Promise.reject(thrown) },
    });
    const result = await routeCall(r, trusted, 'library:status', {});
    expect(result).toEqual({ ok: false, error: { code: 'STORE_FAILED', message: 'disk on fire' } });
    expect(Object.keys((result as { error: object }).error)).toEqual(['code', 'message']);

    const throwingShell = router({
      shell: {
        'dialog:pickFolders': () => {
          throw new TypeError('no window');
        },
        'media:reveal': () => Promise.resolve({ ok: true, value: null }),
      },
    });
    expect(await routeCall(throwingShell.router, trusted, 'dialog:pickFolders', {})).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'no window' },
    });
  });

  it('passes engine errors on, rebuilt to { code, message } with known codes only', async () => {
    const replies: unknown[] = [
      { ok: false, error: { code: 'MODEL_MISSING', message: 'Download a model first.', extra: 1 } },
      { ok: false, error: { code: 'EXOTIC', message: 'odd' } },
      { ok: false, error: { code: 'NOT_FOUND' } },
      'not a result',
      null,
    ];
    const results = [];
    for (const reply of replies) {
      const { router: r } = router({
        engine: { invoke: () => Promise.resolve(reply as Result<unknown>) },
      });
      results.push(await routeCall(r, trusted, 'app:info', {}));
    }
    expect(results).toEqual([
      { ok: false, error: { code: 'MODEL_MISSING', message: 'Download a model first.' } },
      { ok: false, error: { code: 'INTERNAL', message: 'odd' } },
      { ok: false, error: { code: 'NOT_FOUND', message: 'Something went wrong in Lantern.' } },
      {
        ok: false,
        error: {
          code: 'INTERNAL',
          message: 'The Lantern engine gave an answer that is not a result.',
        },
      },
      {
        ok: false,
        error: {
          code: 'INTERNAL',
          message: 'The Lantern engine gave an answer that is not a result.',
        },
      },
    ]);
  });
});

describe('registerContractHandlers', () => {
  it('registers one handler per contract channel, each going through the wrapper', async () => {
    const handlers = new Map<string, (event: FakeEvent, ...args: unknown[]) => Promise<unknown>>();
    const ipc = {
      handle: vi.fn(
        (channel: string, listener: (event: FakeEvent, ...args: unknown[]) => Promise<unknown>) => {
          handlers.set(channel, listener);
        },
      ),
      removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
    };
    const { router: r, engine } = router();
    const unregister = registerContractHandlers(ipc, r);
    expect([...handlers.keys()].sort()).toEqual([...CHANNELS].sort());

    const handler = handlers.get('search:query');
    expect(await handler?.(stranger, { query: 'x' })).toMatchObject({ ok: false });
    expect(await handler?.(trusted, { query: 'x' }, 'ignored extra argument')).toMatchObject({
      ok: true,
    });
    expect(engine.invoke).toHaveBeenCalledTimes(1);

    unregister();
    expect(handlers.size).toBe(0);
  });
});
