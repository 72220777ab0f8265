/**
 * @file Answers a custom-protocol request with a file from disk (main process): GET and
 * HEAD, single HTTP byte ranges (206 / 416) so a <video> can seek without reading the
 * whole file, streamed rather than buffered. Used by the app:// handler (fileResponse,
 * by path) and the media:// handler (mediaResponse, on a file already opened and checked
 * by openServableMedia), which decide first *which* file may be served.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parseRange, type ServableMedia } from '../engine/service/media-access.js';

/** Where the bytes come from: a path (app://) or an open descriptor (media://). */
type ByteSource = (range: { start: number; end: number }) => Readable;

export async function fileResponse(
  file: string,
  request: Request,
  headers: Record<string, string>,
): Promise<Response> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return textResponse(404, 'Not found');
    size = info.size;
  } catch {
    return textResponse(404, 'Not found');
  }
  return respond(request, size, headers, (range) => createReadStream(file, range));
}

/**
 * Answer with an opened media file. The descriptor is closed on every path: by the
 * stream once the body is read or cancelled, here when there is no body.
 */
export function mediaResponse(
  media: ServableMedia,
  request: Request,
  headers: Record<string, string>,
): Response {
  let streamed = false;
  const response = respond(request, media.size, headers, (range) => {
    streamed = true;
    return media.handle.createReadStream({ ...range, autoClose: true });
  });
  if (!streamed) void media.handle.close().catch(() => undefined);
  return response;
}

function respond(
  request: Request,
  size: number,
  headers: Record<string, string>,
  source: ByteSource,
): Response {
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return textResponse(405, 'Method not allowed', { Allow: 'GET, HEAD' });
  const common = { ...headers, 'Accept-Ranges': 'bytes', 'X-Content-Type-Options': 'nosniff' };
  const range = parseRange(request.headers.get('range'), size);
  if (range === 'unsatisfiable')
    return textResponse(416, 'Range not satisfiable', {
      ...common,
      'Content-Range': `bytes */${size}`,
    });
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  const responseHeaders: Record<string, string> = { ...common, 'Content-Length': String(length) };
  if (range) responseHeaders['Content-Range'] = `bytes ${start}-${end}/${size}`;
  const status = range ? 206 : 200;
  if (request.method === 'HEAD' || length === 0)
    return new Response(null, { status, headers: responseHeaders });
  const body = Readable.toWeb(source({ start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status, headers: responseHeaders });
}

export function textResponse(
  status: number,
  text: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(text, {
    status,
    headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}
