/**
 * @file The security rules of the desktop app (main process), in one place: the app's
 * origin, its Content-Security-Policy, what a session allows (no permissions but
 * clipboard writes, no downloads) and what a web page may do (no navigation, redirect or
 * frame navigation away, no new windows, no webviews; only allow-listed pages open in the
 * person's browser, external-pages.ts). Electron objects are passed in, typed by the few
 * members used, so the rules are unit-tested without Electron.
 *
 * [Note: app origin] The renderer is served from `app://lantern/` (a privileged,
 * standard, secure scheme; app-protocol.ts) rather than file://. It gives the page a
 * real origin, so the CSP can say `'self'`, module scripts load without file:// CORS
 * exceptions, and "is this the app's page?" is one origin comparison.
 */
import { contentSecurityPolicy } from '../shared/content-policy.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'lantern';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Thumbnails and originals (media-protocol.ts). */
export const MEDIA_SCHEME = 'media';
export const MEDIA_HOST = 'local';

/**
 * The Electron window's policy, sent as a header on every app:// response. The renderer's
 * index.html carries its own policy in a meta tag (shared with the browser shell, whose
 * WebSocket it must allow); the browser enforces both, so a load happens only when both
 * allow it, and this header is the stricter of the two:
 * - scripts only from the app itself: no inline script, no eval;
 * - styles only from the app: no <style> elements or style="…" attributes in markup
 *   (Svelte's `style:` directives set styles through the CSSOM, which the policy allows);
 * - images and video from the app and media:// (plus blob:/data: for generated previews);
 * - no network at all: the renderer talks to the engine through IPC, never fetch();
 * - no frames, plugins, forms or base-URL changes.
 */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy({
  media: [`${MEDIA_SCHEME}:`],
  // The player fetches proxy streams of videos Chromium cannot play from media:// and
  // feeds them to Media Source Extensions ([Note: playing what Chromium cannot]).
  connect: [`${MEDIA_SCHEME}:`],
});

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Permissions the app's own page may use: copying a path to the clipboard, nothing else. */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

interface HeadersDetails {
  url: string;
  responseHeaders?: Record<string, string[]>;
}

/** The parts of an Electron Session the rules set. */
export interface SessionLike {
  setPermissionRequestHandler(
    handler: (
      webContents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { requestingUrl?: string },
    ) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (webContents: unknown, permission: string, requestingOrigin: string) => boolean,
  ): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: HeadersDetails,
        callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
      ) => void,
    ): void;
  };
  on(event: 'will-download', listener: (event: { preventDefault(): void }) => void): unknown;
}

export function hardenSession(session: SessionLike): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(ALLOWED_PERMISSIONS.has(permission) && isAppUrl(details.requestingUrl ?? ''));
  });
  session.setPermissionCheckHandler(
    (_contents, permission, requestingOrigin) =>
      ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingOrigin),
  );
  // app:// responses already carry the policy (app-protocol.ts); this covers any app page
  // response that passes through the network stack, and replaces whatever policy it had.
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url)) {
      callback({});
      return;
    }
    callback({ responseHeaders: withPolicy(details.responseHeaders ?? {}) });
  });
  // Nothing in the window downloads; a dropped or dragged link must not start one.
  session.on('will-download', (event) => event.preventDefault());
}

export function withPolicy(headers: Record<string, string[]>): Record<string, string[]> {
  const kept = Object.entries(headers).filter(
    ([name]) => name.toLowerCase() !== 'content-security-policy',
  );
  return { ...Object.fromEntries(kept), 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] };
}

/** A navigation about to happen; `url` is where it goes (Electron's details object). */
interface NavigationEvent {
  url: string;
  preventDefault(): void;
}

/** The parts of an Electron WebContents the guards use. */
export interface GuardedContents {
  // One overload per event, as Electron declares them, so a real WebContents fits.
  on(event: 'will-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * No page may leave the app: not by a link or `location` (will-navigate), not by a server
 * redirect (will-redirect), not in a subframe (will-frame-navigate, which also sees the
 * top frame), and it may not open a window or attach a webview. A `target="_blank"` link
 * or `window.open` to an allow-listed page (`opensExternally`: a model's source page, the
 * project's docs) opens in the person's browser; anything else is dropped, so a page
 * cannot hand arbitrary URLs to the OS.
 */
export function guardWebContents(
  contents: GuardedContents,
  opensExternally: (url: string) => boolean,
  openExternal: (url: string) => Promise<void>,
): void {
  const stayInApp = (event: NavigationEvent): void => {
    if (!isAppUrl(event.url)) event.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-frame-navigate', stayInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (opensExternally(url))
      openExternal(url).catch((error: unknown) => console.error(`Could not open ${url}:`, error));
    return { action: 'deny' };
  });
}

/** The parts of an IPC event the sender check reads. */
export interface SenderEvent {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/**
 * A call is trusted when it comes from the main window's web contents, from its top
 * frame (not an iframe), showing the app's own page.
 */
export function isTrustedSender(event: SenderEvent, windowContentsId: number | null): boolean {
  const frame = event.senderFrame;
  return (
    windowContentsId !== null &&
    event.sender.id === windowContentsId &&
    frame !== null &&
    frame.parent === null &&
    isAppUrl(frame.url)
  );
}
