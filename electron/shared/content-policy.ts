/**
 * @file The renderer's Content-Security-Policy, written once for both transports: the
 * Electron window (electron/main/security.ts, over app:// with media from media://) and
 * the browser shell (electron/cli/serve-http.ts, over http with media from /media and the
 * contract on a WebSocket). Keeping one list means the browser shell can never drift
 * looser than the app. Imports nothing.
 */

export interface PolicyOrigins {
  /** Extra sources for <img> and <video> besides the page's own origin (e.g. `media:`). */
  media: readonly string[];
  /** Extra sources the page may connect to besides its own origin (e.g. `ws://127.0.0.1:PORT`). */
  connect: readonly string[];
}

/**
 * - scripts and styles only from the app: no inline script, no eval, no markup styles
 *   (Svelte's `style:` directives set styles through the CSSOM, which the policy allows);
 * - images and video from the app and the given media sources (plus blob:/data: for
 *   generated previews);
 * - no network but the given sources; no frames, plugins, forms or base-URL changes, and
 *   nothing may frame the page (no overlay or click-through by another local site).
 */
export function contentSecurityPolicy(origins: PolicyOrigins): string {
  const extra = (list: readonly string[]) => list.map((source) => ` ${source}`).join('');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self'${extra(origins.media)} data: blob:`,
    `media-src 'self'${extra(origins.media)} blob:`,
    "font-src 'self'",
    `connect-src 'self'${extra(origins.connect)}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}
