/**
 * @file The browser shell's HTTP answers (`lantern serve`, plain Node): the built renderer
 * with the page's security headers, and /media under the same rule as the desktop app's
 * media:// ([Note: servable media] in engine/service/media-access.ts). Which requests get
 * here at all (token, Host) is decided in serve.ts.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { openServableMedia, parseRange } from '../engine/service/media-access.js';
import { answerStream, streamQuery, type FfmpegPaths } from '../engine/service/playback-stream.js';
import { contentSecurityPolicy } from '../shared/content-policy.js';

export const LOOPBACK = '127.0.0.1';

/**
 * The page's policy: the Electron window's (electron/main/security.ts), with the one
 * difference the transport needs: media comes from this origin's /media instead of
 * media://, and the contract travels over this port's WebSocket. Nothing may frame the
 * page, so another local site cannot overlay or click through it.
 */
export function pagePolicy(port: number): string {
  // 'self' covers ws: only in browsers that implement CSP 3's rule; name it outright.
  return contentSecurityPolicy({ media: [], connect: [`ws://${LOOPBACK}:${port}`] });
}

/** Media is never a document the app runs: no script, no network, a sandbox (as media://). */
const MEDIA_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** On every answer: no type sniffing, no Referer (the page URL carries the token). */
const ALWAYS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

export function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...ALWAYS, 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

const STATIC_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * A file of the built renderer. `cookie` is the complete Set-Cookie value for the page,
 * built by the caller from the server's own token: nothing from the request goes into it.
 */
export async function serveStatic(
  root: string,
  url: URL,
  response: ServerResponse,
  page: { port: number; cookie: string },
): Promise<void> {
  let relative: string;
  try {
    relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
  } catch {
    sendText(response, 404, 'Not found'); // malformed percent-encoding
    return;
  }
  const file = path.resolve(root, relative);
  const info = file.startsWith(root + path.sep) ? await stat(file).catch(() => null) : null;
  if (!info?.isFile()) {
    sendText(response, 404, 'Not found');
    return;
  }
  const type = STATIC_TYPES[path.extname(file)] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    ...ALWAYS,
    'content-type': type,
    'cache-control': 'no-cache',
  };
  if (type.startsWith('text/html')) {
    headers['content-security-policy'] = pagePolicy(page.port);
    headers['x-frame-options'] = 'DENY';
    headers['set-cookie'] = page.cookie;
  }
  response.writeHead(200, headers);
  await send(createReadStream(file), response);
}

export async function serveMedia(
  roots: readonly string[],
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
  ffmpeg:
    FfmpegPaths | string = 'Video playback needs ffmpeg, which this server was started without.',
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    sendText(response, 405, 'Method not allowed');
    return;
  }
  const media = await openServableMedia(url.searchParams.get('path') ?? '', roots);
  if (!media) {
    sendText(response, 404, 'Not found');
    return;
  }
  const stream = streamQuery(url.searchParams);
  if (stream) {
    await media.handle.close().catch(() => undefined);
    await serveStream(media.path, ffmpeg, stream, request, response);
    return;
  }
  let streaming = false;
  try {
    const { size } = media;
    const range = parseRange(request.headers.range, size);
    const headers: Record<string, string> = {
      ...ALWAYS,
      'content-type': media.contentType,
      'content-security-policy': MEDIA_POLICY,
      'accept-ranges': 'bytes',
      'cache-control': 'no-cache',
    };
    if (range === 'unsatisfiable') {
      response.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    const length = size === 0 ? 0 : end - start + 1;
    headers['content-length'] = String(length);
    if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
    response.writeHead(range ? 206 : 200, headers);
    if (request.method === 'HEAD' || length === 0) {
      response.end();
      return;
    }
    streaming = true;
    await send(media.handle.createReadStream({ start, end, autoClose: true }), response);
  } finally {
    // The stream closes the descriptor itself; on every other path it is closed here.
    if (!streaming) await media.handle.close().catch(() => undefined);
  }
}

/** A video Chromium cannot play, as a proxy stream ([Note: playing what Chromium cannot]). */
async function serveStream(
  file: string,
  ffmpeg: FfmpegPaths | string,
  query: NonNullable<ReturnType<typeof streamQuery>>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const answer = await answerStream(file, ffmpeg, query);
  if (!answer.ok) {
    sendText(response, answer.status, answer.message);
    return;
  }
  const { stream } = answer;
  // The player going away (closed, or seeking elsewhere) ends ffmpeg at once.
  response.once('close', () => stream.stop());
  const headers = Object.fromEntries(
    Object.entries(answer.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  response.writeHead(200, { ...ALWAYS, ...headers, 'content-security-policy': MEDIA_POLICY });
  if (request.method === 'HEAD') {
    stream.stop();
    response.end();
    return;
  }
  await send(stream.body, response);
}

/**
 * Stream a body. pipeline destroys the file stream (closing its descriptor) when the
 * client goes away mid-transfer; that is an ordinary end of a request, not an error.
 */
async function send(source: Readable, response: ServerResponse): Promise<void> {
  await pipeline(source, response).catch(() => {
    if (!response.destroyed) response.destroy();
  });
}
