/**
 * @file The `media://` protocol (main process): serves thumbnails and originals to the
 * renderer, only from the library roots and the thumbnail cache.
 *
 * A URL is `media://local/<encodeURIComponent(absolute path)>`, the form the preload's
 * `mediaUrl()` builds. The decoded path is judged and opened by openServableMedia, the
 * same rule as the browser shell's /media ([Note: servable media]): inside a root on real
 * paths, a kind Lantern indexes, a regular file. Every refusal is the same 404, so a
 * page cannot probe which files exist.
 */
import { Readable } from 'node:stream';
import type { FfmpegPaths } from '../../native/ffmpeg/locate.js';
import { openServableMedia } from '../engine/service/media-access.js';
import { answerStream, mainProcessFfmpeg, streamQuery } from '../engine/service/playback-stream.js';
import { mediaResponse, textResponse } from './file-response.js';
import { MEDIA_HOST } from './security.js';

export interface MediaSource {
  /** The servable folders; `refresh` asks for fresh ones instead of a cached list. */
  roots(refresh?: boolean): Promise<string[]>;
  /** The ffmpeg proxy streams use, or why there is none (default: found like the engine's). */
  ffmpeg?(): Promise<FfmpegPaths | string>;
}

/**
 * Media responses are never documents the app runs: if one were ever opened as a page
 * (an SVG, say), it gets no script, no network and a sandbox.
 */
const MEDIA_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

export function createMediaHandler(source: MediaSource): (request: Request) => Promise<Response> {
  return async (request) => {
    const requested = requestedPath(request.url);
    if (!requested) return textResponse(404, 'Not found');
    // The cached roots first; a miss is checked once more against fresh ones, since a
    // folder added a moment ago may not be in the cache yet.
    const media =
      (await openServableMedia(requested, await source.roots())) ??
      (await openServableMedia(requested, await source.roots(true)));
    if (!media) return textResponse(404, 'Not found');
    const stream = streamQuery(new URL(request.url).searchParams);
    if (stream) {
      await media.handle.close().catch(() => undefined);
      return streamResponse(media.path, await (source.ffmpeg ?? mainProcessFfmpeg)(), stream);
    }
    return mediaResponse(media, request, {
      'Content-Type': media.contentType,
      'Content-Security-Policy': MEDIA_POLICY,
      // Originals can change in place; the renderer revalidates instead of trusting a copy.
      'Cache-Control': 'no-cache',
    });
  };
}

/** A video Chromium cannot play, as a proxy stream ([Note: playing what Chromium cannot]). */
async function streamResponse(
  file: string,
  ffmpeg: FfmpegPaths | string,
  query: NonNullable<ReturnType<typeof streamQuery>>,
): Promise<Response> {
  const answer = await answerStream(file, ffmpeg, query);
  if (!answer.ok) return textResponse(answer.status, answer.message);
  // Cancelling the body (the player closed or seeks elsewhere) destroys the Node stream,
  // which stops ffmpeg.
  const body = Readable.toWeb(answer.stream.body) as ReadableStream<Uint8Array>;
  return new Response(body, {
    status: 200,
    headers: {
      ...answer.headers,
      'Content-Security-Policy': MEDIA_POLICY,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

/** The absolute path a media:// URL names, or null when the URL is not one of ours. */
export function requestedPath(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  // A query or fragment (cache-busting, `#t=` media fragments) does not change the file.
  if (parsed.host !== MEDIA_HOST) return null;
  try {
    const decoded = decodeURIComponent(parsed.pathname.slice(1));
    return decoded.length > 0 ? decoded : null;
  } catch {
    return null; // malformed percent-encoding
  }
}
