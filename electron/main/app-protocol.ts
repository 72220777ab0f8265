/**
 * @file The `app://lantern/` protocol (main process): serves the built renderer
 * (out/renderer) with the app's Content-Security-Policy on every response. See
 * [Note: app origin] in security.ts for why the renderer is not loaded from file://.
 */
import path from 'node:path';
import { fileResponse, textResponse } from './file-response.js';
import { APP_HOST, CONTENT_SECURITY_POLICY } from './security.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function createAppHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const root = path.resolve(rendererDir);
  return async (request) => {
    const file = rendererFile(root, request.url);
    if (!file) return textResponse(404, 'Not found');
    return fileResponse(file, request, {
      'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Referrer-Policy': 'no-referrer',
    });
  };
}

/**
 * The file under `root` an app:// URL names, or null. The renderer is the app's own
 * build (no symbolic links, inside the asar archive when packaged, where realpath does
 * not apply), so a lexical check suffices: the URL parser has already removed `..`
 * segments, and the decoded path must still lie inside `root`.
 */
export function rendererFile(root: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.host !== APP_HOST) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (relative.includes('\0')) return null;
  if (relative === '/' || relative === '') relative = '/index.html';
  const file = path.resolve(root, `.${relative}`);
  return file.startsWith(root + path.sep) ? file : null;
}
