/**
 * @file The browser shell (`lantern serve`): the built renderer and the IPC contract over
 * HTTP and a WebSocket on 127.0.0.1, with a random port and a random token. Same engine
 * service as the desktop app's utility process; only the transport differs.
 *
 * [Note: browser shell token] The printed URL carries the token; the page load turns it
 * into an HttpOnly, SameSite=Strict cookie so the page's own asset, media and WebSocket
 * requests carry it without putting it in every URL. Browsers do not scope cookies by
 * port, so the cookie is named for this server's port (`lantern-token-<port>`): two
 * shells, or another app on 127.0.0.1, never overwrite or satisfy each other's. Its value
 * is always the server's own token, never request text. Anything without the token
 * (query or cookie) gets 403. The Host header must be the loopback address we listen
 * on, which stops DNS-rebinding pages from reaching the server by name.
 *
 * [Note: browser shell faults] No request, frame or reset may take the process down.
 * Node's HTTP server guards its own sockets, but hands an upgrade's socket over with no
 * 'error' listener: one is attached first thing, and a refusal is a complete HTTP answer
 * followed by destroy. `ws` closes a connection that sends a malformed frame with the
 * right close code (1002 unmasked or bad framing, 1007 invalid UTF-8, 1009 over
 * MAX_MESSAGE_BYTES), but emits 'error' on that WebSocket first, which would be uncaught
 * without a listener.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { EVENTS, isChannel, isShellChannel, type Result } from '../shared/contract.js';
import { LanternError } from '../shared/errors.js';
import { findResourcesDir } from '../engine/models/registry.js';
import type { LanternService } from '../engine/service/service.js';
import { LOOPBACK, sendText, serveMedia, serveStatic } from './serve-http.js';

/**
 * The largest WebSocket message accepted. The contract's messages are small (a query, a
 * list of folder paths, tag edits: a few KB); 1 MiB is far above any of them and far
 * below what a hostile frame could make the server buffer.
 */
const MAX_MESSAGE_BYTES = 1 << 20;

export interface BrowserShell {
  url: string;
  close(): Promise<void>;
}

/** The built renderer: next to the bundled command line, or LANTERN_RENDERER_DIR. */
export function rendererDir(): string {
  return path.resolve(
    process.env.LANTERN_RENDERER_DIR ??
      path.join(path.dirname(findResourcesDir()), 'out', 'renderer'),
  );
}

/** The token cookie's name for a server on `port` ([Note: browser shell token]). */
export function tokenCookieName(port: number): string {
  return `lantern-token-${port}`;
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Every value sent under `name`: another server on 127.0.0.1 may have set one too. */
function cookieValues(request: IncomingMessage, name: string): string[] {
  const values: string[] = [];
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) values.push(value.join('='));
  }
  return values;
}

/** The request target as a URL, or null when it is not one (`GET http://[ HTTP/1.1`). */
function requestUrl(request: IncomingMessage, port: number): URL | null {
  try {
    return new URL(request.url ?? '/', `http://${LOOPBACK}:${port}`);
  } catch {
    return null;
  }
}

/**
 * The 403 body. The URL was printed by whatever started the shell (`npm start`,
 * `npx lantern serve`), so the sentence names no command.
 */
const FORBIDDEN_TEXT =
  'Forbidden: open the address Lantern printed when it started (it carries the access token).';

/** Refuse an upgrade with a complete HTTP answer, then let go of the socket. */
function refuseUpgrade(socket: Duplex, status: 400 | 403): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = status === 403 ? FORBIDDEN_TEXT : '';
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** What a failed listen means to the person who ran `lantern serve`. */
function listenError(error: unknown, port: number): LanternError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new LanternError(
      'INVALID_INPUT',
      `port ${port} is in use; choose another with --port or omit it.`,
      { cause: error },
    );
  if (code === 'EACCES')
    return new LanternError(
      'INVALID_INPUT',
      `port ${port} needs privileges this account lacks; choose one above 1023 with --port or omit it.`,
      { cause: error },
    );
  return new LanternError(
    'INTERNAL',
    `Could not listen on ${LOOPBACK}:${port} (${error instanceof Error ? error.message : String(error)}); choose another port with --port or omit it.`,
    { cause: error },
  );
}

export async function startBrowserShell(
  service: LanternService,
  options: { port?: number } = {},
): Promise<BrowserShell> {
  const token = randomBytes(24).toString('base64url');
  const root = rendererDir();
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new LanternError(
      'NOT_FOUND',
      `The app's interface is not built (${root} has no index.html); run "npm run build".`,
    );
  }
  let port = 0;
  let cookie = '';
  const authorised = (request: IncomingMessage, url: URL) =>
    request.headers.host === `${LOOPBACK}:${port}` &&
    (sameToken(url.searchParams.get('token'), token) ||
      cookieValues(request, tokenCookieName(port)).some((value) => sameToken(value, token)));

  const server = createServer((request, response) => {
    const url = requestUrl(request, port);
    if (!url) return sendText(response, 400, 'Bad request.');
    if (!authorised(request, url)) return sendText(response, 403, FORBIDDEN_TEXT);
    const handle =
      url.pathname === '/media'
        ? service
            .ffmpegTools()
            .then((ffmpeg) => serveMedia(service.mediaRoots(), url, request, response, ffmpeg))
        : serveStatic(root, url, response, { port, cookie });
    handle.catch(() => {
      if (!response.headersSent) sendText(response, 500, 'Internal error.');
      else response.destroy();
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  // Only a server it owns makes a noServer WebSocketServer emit 'error'; listened to anyway
  // so that nothing it ever emits is uncaught ([Note: browser shell faults]).
  sockets.on('error', () => undefined);
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = requestUrl(request, port);
    if (!url) return refuseUpgrade(socket, 400);
    const origin = request.headers.origin;
    if (
      url.pathname !== '/ws' ||
      !authorised(request, url) ||
      (origin !== undefined && origin !== `http://${LOOPBACK}:${port}`)
    )
      return refuseUpgrade(socket, 403);
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });
  sockets.on('connection', (ws: WebSocket) => {
    // ws has already closed this connection with the right code; nothing else to do.
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(new Uint8Array(data));
      void answer(service, ws, text.toString('utf8'));
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, LOOPBACK, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    sockets.close();
    throw listenError(error, options.port ?? 0);
  }
  // After listening, the server emits 'error' only for a failed accept (out of file
  // descriptors, say): that connection is lost, the server goes on.
  server.on('error', (error) => {
    process.stderr.write(`lantern serve: a connection failed (${error.message}).\n`);
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  cookie = `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
  const unsubscribe = EVENTS.map((event) =>
    service.on(event, (payload) => {
      const message = JSON.stringify({ event, payload });
      for (const client of sockets.clients)
        if (client.readyState === client.OPEN) client.send(message);
    }),
  );
  return {
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    close: async () => {
      for (const stop of unsubscribe) stop();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function answer(service: LanternService, ws: WebSocket, text: string): Promise<void> {
  let id: unknown = null;
  let result: Result<unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    const message = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
      id?: unknown;
      channel?: unknown;
      input?: unknown;
    };
    id = message.id ?? null;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      result = {
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: 'A message must be a JSON object with an id, a channel and an input.',
        },
      };
    } else if (!isChannel(message.channel)) {
      // Never echo a megabyte of whatever was sent: a short, printable excerpt.
      const named = JSON.stringify(message.channel) ?? String(message.channel);
      result = {
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: `Unknown channel ${named.length > 60 ? `${named.slice(0, 60)}…` : named}.`,
        },
      };
    } else if (isShellChannel(message.channel)) {
      result = {
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: `${message.channel} is only available in the desktop app.`,
        },
      };
    } else {
      result = await service.invoke(message.channel, message.input);
    }
  } catch {
    result = {
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'The message is not valid JSON.' },
    };
  }
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
}
