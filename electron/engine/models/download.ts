/**
 * @file Downloads a model's files: resumable (HTTP Range into `<file>.part`), streamed to
 * disk while hashing, checked against the manifest's size and SHA-256, then renamed into
 * place atomically. Runs in the engine (the engine worker for the app's download button,
 * the CLI for `lantern models fetch`). Nothing is downloaded unless the person asks.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LanternError } from '../../shared/errors.js';
import type { ModelEntry, ModelFile } from './manifest.js';
import { checkFile, filesOf, hashFile, rememberVerified, resolveInside } from './registry.js';

export interface DownloadProgress {
  /**
   * 'downloading' while bytes arrive; 'verifying' while the file's SHA-256 is compared with
   * the manifest's (the app shows it as "verifying checksum…").
   */
  phase: 'downloading' | 'verifying';
  /** The file's path as the manifest names it. */
  file: string;
  received: number;
  /** Full size of the file; null when neither the manifest nor the server says. */
  total: number | null;
  bytesPerSecond: number;
  /** Bytes of the whole model so far (files already in place count whole). */
  modelReceived: number;
  /** Size of the whole model; null while a file's size is unknown. */
  modelTotal: number | null;
}

/** What `onProgress` of one file reports; downloadModel adds the model-wide figures. */
type FileProgress = Omit<DownloadProgress, 'modelReceived' | 'modelTotal'>;
type FileOptions = Omit<DownloadOptions, 'onProgress'> & {
  onProgress?: (progress: FileProgress) => void;
};

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Install files the manifest gives no SHA-256 for (the person asked for it explicitly). */
  allowUnverified?: boolean;
}

export interface DownloadedFile {
  file: string;
  path: string;
  /** Already installed: nothing was fetched. */
  skipped: boolean;
  /** Its SHA-256 was checked; false only for files installed with allowUnverified. */
  verified: boolean;
}

/** Progress events are throttled to this interval (plus the first and last one). */
const PROGRESS_INTERVAL_MS = 100;

/** Error codes undici and libuv use when the network, not the server, is the problem. */
const NETWORK_CODES = new Set(
  (
    'ENOTFOUND EAI_AGAIN ECONNREFUSED ECONNRESET EHOSTUNREACH ENETUNREACH ETIMEDOUT EPIPE ' +
    'UND_ERR_CONNECT_TIMEOUT UND_ERR_HEADERS_TIMEOUT UND_ERR_BODY_TIMEOUT UND_ERR_SOCKET'
  ).split(' '),
);

export async function downloadModel(
  entry: ModelEntry,
  destDir: string,
  opts: DownloadOptions = {},
): Promise<DownloadedFile[]> {
  const files = filesOf(entry);
  const checks = await Promise.all(files.map((f) => checkFile(destDir, f, { useCache: true })));
  // Refuse before fetching anything, so nobody downloads a gigabyte to be refused at the end.
  const unverifiable = files.filter((f, i) => !checks[i]?.ok && f.url && f.sha256 === undefined);
  if (unverifiable.length > 0 && opts.allowUnverified !== true) {
    const names = unverifiable.map((f) => f.path).join(', ');
    throw new LanternError(
      'MODEL_CHECKSUM',
      `The manifest has no SHA-256 for ${names} of ${entry.id}, so Lantern cannot check it; pass --allow-unverified to download it anyway.`,
    );
  }
  await mkdir(destDir, { recursive: true });
  const sizes = files.map((f) => f.size);
  const modelTotal = sizes.every((n) => n !== undefined) ? sizes.reduce((a, b) => a + b, 0) : null;
  let before = 0; // bytes of the files already done, so progress covers the whole model
  const fileOpts: FileOptions = {
    ...opts,
    onProgress: (p) => opts.onProgress?.({ ...p, modelReceived: before + p.received, modelTotal }),
  };
  const results: DownloadedFile[] = [];
  for (const [i, file] of files.entries()) {
    const check = checks[i];
    if (check?.ok) {
      // Already installed and verified (or installed unverified on purpose): fetch nothing.
      const total = file.size ?? null;
      fileOpts.onProgress?.({
        phase: 'downloading',
        file: file.path,
        received: total ?? 0,
        total,
        bytesPerSecond: 0,
      });
      const verified = check.reason === 'verified';
      results.push({ file: file.path, path: check.path, skipped: true, verified });
    } else {
      if (opts.signal?.aborted) throw cancelled(entry, file);
      results.push(await downloadFile(entry, destDir, file, fileOpts));
    }
    before += file.size ?? 0;
  }
  return results;
}

async function downloadFile(
  entry: ModelEntry,
  destDir: string,
  file: ModelFile,
  opts: FileOptions,
): Promise<DownloadedFile> {
  const finalPath = resolveInside(destDir, file.path);
  if (file.url === undefined) {
    throw new LanternError(
      'MODEL_MISSING',
      `${entry.id} lists ${file.path} without a download address; copy the file into ${destDir} yourself.`,
    );
  }
  await mkdir(path.dirname(finalPath), { recursive: true });
  const partPath = `${finalPath}.part`;
  let have = (await stat(partPath).catch(() => null))?.size ?? 0;
  if (file.size !== undefined && have > file.size) {
    await rm(partPath, { force: true });
    have = 0;
  }

  const hash = createHash('sha256');
  let received = have;
  if (file.size === undefined || have < file.size) {
    received = await fetchInto(entry, file, file.url, partPath, have, hash, opts);
  } else {
    await hashFile(partPath, hash); // complete, but stopped before its rename
  }

  if (file.size !== undefined && received < file.size) {
    throw new LanternError(
      'DOWNLOAD_FAILED',
      `The download of ${file.path} for ${entry.id} stopped early; try again to resume it where it stopped.`,
    );
  }
  if (file.sha256 !== undefined) {
    const total = file.size ?? received;
    opts.onProgress?.({ phase: 'verifying', file: file.path, received, total, bytesPerSecond: 0 });
  }
  const actual = hash.digest('hex');
  if (
    (file.size !== undefined && received !== file.size) ||
    (file.sha256 !== undefined && actual !== file.sha256)
  ) {
    await rm(partPath, { force: true });
    throw new LanternError(
      'MODEL_CHECKSUM',
      `${file.path} for ${entry.id} did not match its published checksum and was deleted; try again, and report it if it happens twice.`,
    );
  }
  await rename(partPath, finalPath);
  await syncDir(path.dirname(finalPath));
  if (file.sha256 !== undefined) await rememberVerified(finalPath, actual);
  return { file: file.path, path: finalPath, skipped: false, verified: file.sha256 !== undefined };
}

/**
 * Fetch `url` into `partPath`, resuming from `have` bytes, feeding every byte of the final
 * file (old and new) into `hash`. Returns the size of the .part afterwards.
 */
async function fetchInto(
  entry: ModelEntry,
  file: ModelFile,
  url: string,
  partPath: string,
  have: number,
  hash: Hash,
  opts: FileOptions,
): Promise<number> {
  const doFetch = opts.fetch ?? fetch;
  const request = (from: number): Promise<Response> =>
    doFetch(url, {
      headers: from > 0 ? { Range: `bytes=${from}-` } : {},
      redirect: 'follow',
      ...(opts.signal ? { signal: opts.signal } : {}),
    });

  let response: Response;
  let start = have;
  try {
    response = await request(start);
    if (start > 0 && !resumesAt(response, start)) {
      // 200: the server ignored the range and sends the whole file; 416 or a different
      // Content-Range: the .part cannot be trusted. Either way, start over from byte 0.
      if (response.status !== 200) {
        await response.body?.cancel();
        response = await request(0);
      }
      start = 0;
    }
  } catch (error) {
    throw translate(error, entry, file, url);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new LanternError(
      'DOWNLOAD_FAILED',
      `${new URL(url).host} answered HTTP ${response.status} for ${file.path} of ${entry.id}; try again later (the download resumes where it stopped).`,
    );
  }

  const length = Number(response.headers.get('content-length') ?? NaN);
  const total = file.size ?? (Number.isFinite(length) ? start + length : null);
  if (start > 0) await hashFile(partPath, hash);
  const handle = await open(partPath, start > 0 ? 'a' : 'w');
  let received = start;
  const began = Date.now();
  let lastReport = 0;
  const report = (force: boolean): void => {
    const now = Date.now();
    if (!opts.onProgress || (!force && lastReport !== 0 && now - lastReport < PROGRESS_INTERVAL_MS))
      return;
    lastReport = now;
    const bytesPerSecond = (received - start) / Math.max((now - began) / 1000, 0.001);
    opts.onProgress({ phase: 'downloading', file: file.path, received, total, bytesPerSecond });
  };
  try {
    // undici types the body as ReadableStream<any>; fetch bodies are always bytes.
    const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
    for (let part = await reader?.read(); part && !part.done; part = await reader?.read()) {
      await handle.write(part.value);
      hash.update(part.value);
      received += part.value.byteLength;
      report(false);
    }
    report(true);
  } catch (error) {
    throw translate(error, entry, file, url);
  } finally {
    // Keep what arrived (cancelled or not): it is what the next run resumes from.
    await closeSynced(handle);
  }
  return received;
}

/** Whether a response to `Range: bytes=<from>-` really continues at `from`. */
function resumesAt(response: Response, from: number): boolean {
  if (response.status !== 206) return false;
  const match = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
  return match !== null && Number(match[1]) === from;
}

function translate(error: unknown, entry: ModelEntry, file: ModelFile, url: string): LanternError {
  if (error instanceof LanternError) return error;
  if (isAbort(error)) return cancelled(entry, file);
  const host = new URL(url).host;
  if (isCutMidway(error)) {
    return new LanternError(
      'DOWNLOAD_FAILED',
      `The connection to ${host} closed in the middle of ${file.path} of ${entry.id}; try again to resume where it stopped.`,
      { cause: error },
    );
  }
  if (isNetworkError(error)) {
    return new LanternError(
      'NETWORK_UNAVAILABLE',
      `Could not reach ${host} to download ${entry.id}. Check your connection and try again; what already arrived is kept.`,
      { cause: error },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new LanternError(
    'DOWNLOAD_FAILED',
    `Downloading ${file.path} of ${entry.id} from ${host} failed (${reason}); try again to resume where it stopped.`,
    { cause: error },
  );
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** undici's TypeError('terminated'): the body stopped before its end (a reply, not no reply). */
function isCutMidway(error: unknown): boolean {
  return error instanceof TypeError && error.message === 'terminated';
}

function isNetworkError(error: unknown): boolean {
  // fetch wraps the socket error: TypeError('fetch failed', { cause: { code } }); a dropped
  // body surfaces as TypeError('terminated') with the socket error as its cause.
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (e.message === 'fetch failed' || e.message === 'terminated') return true;
    e = e.cause;
  }
  return false;
}

function cancelled(entry: ModelEntry, file: ModelFile): LanternError {
  return new LanternError(
    'CANCELLED',
    `The download of ${file.path} for ${entry.id} was stopped; start it again to resume where it stopped.`,
  );
}

async function closeSynced(handle: FileHandle): Promise<void> {
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync the directory so the rename itself survives a power cut (POSIX; Windows refuses). */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported on this platform; the file's own data was already synced.
  } finally {
    await handle?.close();
  }
}
