/**
 * @file The browser shell (`lantern serve`): the built renderer and the IPC contract over
 * HTTP and a WebSocket on 127.0.0.1, with a random port and a random token. Same engine
 * service as the desktop app's utility process; only the transport differs.
 *
 * [Note: browser shell token] The printed URL carries the token; the first page load
 * turns it into an HttpOnly, SameSite=Strict cookie so the page's own asset, media and
 * WebSocket requests carry it without putting it in every URL. Anything without the
 * token (query or cookie) gets 403. The Host header must be the loopback address we
 * listen on, which stops DNS-rebinding pages from reaching the server by name.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { EVENTS, isChannel, isShellChannel, type Result } from '../shared/contract.js';
import { findResourcesDir } from '../engine/models/registry.js';
import { contentTypeOf, parseRange, resolveServablePath } from '../engine/service/media-access.js';
import type { LanternService } from '../engine/service/service.js';

const COOKIE = 'lantern_token';
const HOST = '127.0.0.1';

export interface BrowserShell {
  url: string;
  close(): Promise<void>;
}

/** The built renderer: next to the bundled command line, or LANTERN_RENDERER_DIR. */
export function rendererDir(): string {
  return (
    process.env.LANTERN_RENDERER_DIR ??
    path.join(path.dirname(findResourcesDir()), 'out', 'renderer')
  );
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

export async function startBrowserShell(
  service: LanternService,
  options: { port?: number } = {},
): Promise<BrowserShell> {
  const token = randomBytes(24).toString('base64url');
  const root = rendererDir();
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new Error(
      `The app's interface is not built (${root} has no index.html); run "npm run build".`,
    );
  }
  let port = 0;
  const authorised = (request: IncomingMessage, url: URL) =>
    request.headers.host === `${HOST}:${port}` &&
    (sameToken(url.searchParams.get('token') ?? undefined, token) ||
      sameToken(cookieToken(request), token));

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${HOST}:${port}`);
    if (!authorised(request, url)) {
      response
        .writeHead(403, { 'content-type': 'text/plain' })
        .end('Forbidden: open the URL that `lantern serve` printed.');
      return;
    }
    const handle =
      url.pathname === '/media'
        ? serveMedia(service, url, request, response)
        : serveStatic(root, url, response);
    handle.catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', `http://${HOST}:${port}`);
    const origin = request.headers.origin;
    if (
      url.pathname !== '/ws' ||
      !authorised(request, url) ||
      (origin !== undefined && origin !== `http://${HOST}:${port}`)
    ) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });
  sockets.on('connection', (ws: WebSocket) => {
    ws.on('message', (data) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(new Uint8Array(data));
      void answer(service, ws, text.toString('utf8'));
    });
  });
  const unsubscribe = EVENTS.map((event) =>
    service.on(event, (payload) => {
      const message = JSON.stringify({ event, payload });
      for (const client of sockets.clients) client.send(message);
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, resolve);
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    close: async () => {
      for (const stop of unsubscribe) stop();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function answer(service: LanternService, ws: WebSocket, text: string): Promise<void> {
  let id: unknown = null;
  let result: Result<unknown>;
  try {
    const message = JSON.parse(text) as { id?: unknown; channel?: unknown; input?: unknown };
    id = message.id;
    if (!isChannel(message.channel)) {
      result = {
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: `Unknown channel ${JSON.stringify(message.channel)}.`,
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

async function serveStatic(root: string, url: URL, response: ServerResponse): Promise<void> {
  const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep) || !existsSync(file) || !(await stat(file)).isFile()) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return;
  }
  const headers: Record<string, string> = {
    'content-type': staticType(file),
    'cache-control': 'no-cache',
  };
  if (url.searchParams.has('token')) {
    headers['set-cookie'] =
      `${COOKIE}=${url.searchParams.get('token')}; HttpOnly; SameSite=Strict; Path=/`;
  }
  response.writeHead(200, headers);
  createReadStream(file).pipe(response);
}

function staticType(file: string): string {
  const ext = path.extname(file);
  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.json': 'application/json',
    '.woff2': 'font/woff2',
  };
  return types[ext] ?? 'application/octet-stream';
}

async function serveMedia(
  service: LanternService,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const file = await resolveServablePath(url.searchParams.get('path') ?? '', service.mediaRoots());
  if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return;
  }
  const { size } = await stat(file);
  const range = parseRange(request.headers.range, size);
  const type = contentTypeOf(file);
  if (range === 'unsatisfiable') {
    response.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    return;
  }
  if (range) {
    response.writeHead(206, {
      'content-type': type,
      'accept-ranges': 'bytes',
      'content-range': `bytes ${range.start}-${range.end}/${size}`,
      'content-length': String(range.end - range.start + 1),
    });
    createReadStream(file, { start: range.start, end: range.end }).pipe(response);
    return;
  }
  response.writeHead(200, {
    'content-type': type,
    'accept-ranges': 'bytes',
    'content-length': String(size),
  });
  createReadStream(file).pipe(response);
}
