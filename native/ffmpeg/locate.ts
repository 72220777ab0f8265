/**
 * @file Finding the ffmpeg and ffprobe Lantern runs: a configured path, else the
 * binaries shipped inside npm packages (the packaged app), else the system's on PATH.
 * Runs in the engine worker (plain Node). Why this order and what each source means
 * for licences: docs/ffmpeg.md.
 */
import { access, chmod } from 'node:fs/promises';
import { constants } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { VideoError } from './errors.js';
import { runTool } from './run.js';

export interface FfmpegTools {
  ffmpeg: string;
  ffprobe: string;
  /** ffmpeg's own version, from the first line of `ffmpeg -version` ("5.1.9-0+deb12u1"). */
  version: string;
  source: 'configured' | 'bundled' | 'system';
}

/** The binaries the other functions of this adapter run. */
export type FfmpegPaths = Pick<FfmpegTools, 'ffmpeg' | 'ffprobe'>;

export interface LocateFfmpegOptions {
  /** Paths from Lantern's settings; they win over the environment. */
  ffmpeg?: string | undefined;
  ffprobe?: string | undefined;
  /** Where LANTERN_FFMPEG, LANTERN_FFPROBE and PATH are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Look at the npm-shipped binaries (default true); false skips to the system's. */
  bundled?: boolean;
}

const EXE = process.platform === 'win32' ? '.exe' : '';

/**
 * Files inside app.asar are readable by Electron's patched fs but cannot be executed;
 * electron-builder's `asarUnpack` puts the binaries beside it in app.asar.unpacked, while
 * require.resolve still answers with the path inside the archive.
 */
export function unpackedPath(file: string): string {
  return file.replace(`${path.sep}app.asar${path.sep}`, `${path.sep}app.asar.unpacked${path.sep}`);
}

/**
 * The npm-shipped binaries: @ffmpeg-installer/<platform>-<arch> and
 * @ffprobe-installer/<platform>-<arch> hold the executables themselves (no download at
 * install time). Their wrapper packages are not imported: they throw a string on an
 * unknown platform and find the binary by __dirname, which a bundler rewrites.
 */
function bundledCandidate(): FfmpegPaths | null {
  const require = createRequire(import.meta.url);
  const target = `${process.platform}-${process.arch}`;
  try {
    const ffmpegDir = path.dirname(require.resolve(`@ffmpeg-installer/${target}/package.json`));
    const ffprobeDir = path.dirname(require.resolve(`@ffprobe-installer/${target}/package.json`));
    return {
      ffmpeg: unpackedPath(path.join(ffmpegDir, `ffmpeg${EXE}`)),
      ffprobe: unpackedPath(path.join(ffprobeDir, `ffprobe${EXE}`)),
    };
  } catch {
    return null; // not installed for this platform
  }
}

/** `which`: the first executable called `name` on PATH (with PATHEXT on Windows). */
async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const extensions =
    process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of dirs) {
    for (const extension of extensions) {
      const file = path.join(dir, name + extension.toLowerCase());
      try {
        await access(file, constants.X_OK);
        return file;
      } catch {
        // next
      }
    }
  }
  return null;
}

/**
 * npm runs no install scripts here (package.json `allowScripts`), and the installer
 * packages' only script is `chmod u+x` on their binary. Their Linux tarballs already
 * carry the execute bit, but should one arrive without it, set it as that script would.
 */
async function ensureExecutable(file: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    await access(file, constants.X_OK);
  } catch {
    await chmod(file, 0o755).catch(() => undefined);
  }
}

/** The version token of `ffmpeg -version`'s first line, or null when the binary does not run. */
async function versionOf(bin: string, tool: 'ffmpeg' | 'ffprobe'): Promise<string | null> {
  try {
    const { code, stdout } = await runTool(bin, ['-hide_banner', '-version']);
    const first = stdout.toString('utf8').split('\n')[0] ?? '';
    const match = new RegExp(`^${tool} version (\\S+)`).exec(first);
    return code === 0 && match ? match[1]! : null;
  } catch {
    return null; // not found, not executable, wrong architecture
  }
}

async function check(paths: FfmpegPaths): Promise<{ version: string } | { broken: string }> {
  const version = await versionOf(paths.ffmpeg, 'ffmpeg');
  if (version === null) return { broken: paths.ffmpeg };
  if ((await versionOf(paths.ffprobe, 'ffprobe')) === null) return { broken: paths.ffprobe };
  return { version };
}

const INSTALL_HINT =
  'install ffmpeg (Windows: winget install ffmpeg; macOS: brew install ffmpeg; ' +
  'Debian/Ubuntu: sudo apt install ffmpeg) or set its path in Settings → Video';

/**
 * Find a working ffmpeg and ffprobe. A configured path that does not run is an error,
 * not a reason to fall back silently: the person chose it and should hear that it is
 * wrong. Throws VideoError FFMPEG_MISSING saying what to install.
 */
export async function locateFfmpeg(options: LocateFfmpegOptions = {}): Promise<FfmpegTools> {
  const env = options.env ?? process.env;
  const configuredFfmpeg = options.ffmpeg ?? env.LANTERN_FFMPEG;
  const configuredFfprobe = options.ffprobe ?? env.LANTERN_FFPROBE;
  const bundled = options.bundled === false ? null : bundledCandidate();

  if (configuredFfmpeg !== undefined && configuredFfmpeg !== '') {
    // ffprobe beside a configured ffmpeg is the usual layout of every ffmpeg download.
    const ffprobe = configuredFfprobe ?? path.join(path.dirname(configuredFfmpeg), `ffprobe${EXE}`);
    const result = await check({ ffmpeg: configuredFfmpeg, ffprobe });
    if ('version' in result) {
      return { ffmpeg: configuredFfmpeg, ffprobe, version: result.version, source: 'configured' };
    }
    throw new VideoError(
      'FFMPEG_MISSING',
      `The configured ${result.broken} does not run as ${path.basename(result.broken)}; ` +
        'correct the path in Settings → Video (or LANTERN_FFMPEG / LANTERN_FFPROBE), or clear it to use the one Lantern ships.',
    );
  }

  if (bundled !== null) {
    await ensureExecutable(bundled.ffmpeg);
    await ensureExecutable(bundled.ffprobe);
    const result = await check(bundled);
    if ('version' in result) return { ...bundled, version: result.version, source: 'bundled' };
  }

  const system = { ffmpeg: await onPath('ffmpeg', env), ffprobe: await onPath('ffprobe', env) };
  if (system.ffmpeg !== null && system.ffprobe !== null) {
    const paths = { ffmpeg: system.ffmpeg, ffprobe: system.ffprobe };
    const result = await check(paths);
    if ('version' in result) return { ...paths, version: result.version, source: 'system' };
  }

  throw new VideoError(
    'FFMPEG_MISSING',
    `Lantern needs ffmpeg and ffprobe to read videos and found none that works; ${INSTALL_HINT}.`,
  );
}
