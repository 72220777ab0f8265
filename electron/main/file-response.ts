/**
 * @file Answers a custom-protocol request with a file from disk (main process): GET and
 * HEAD, single HTTP byte ranges (206 / 416) so a <video> can seek without reading the
 * whole file, streamed rather than buffered. Used by the app:// and media:// handlers,
 * which decide first *which* file may be served.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parseRange } from '../engine/service/media-access.js';

export async function fileResponse(
  file: string,
  request: Request,
  headers: Record<string, string>,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return textResponse(405, 'Method not allowed', { Allow: 'GET, HEAD' });
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return textResponse(404, 'Not found');
    size = info.size;
  } catch {
    return textResponse(404, 'Not found');
  }

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
  const body = Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream<Uint8Array>;
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
