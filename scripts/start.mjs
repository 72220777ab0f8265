#!/usr/bin/env node
/**
 * @file `npm start`: builds Lantern, then opens the desktop app where Electron's binary is
 * installed, and otherwise the same interface through the browser shell (`lantern serve`):
 * it prints the URL and opens it in the default browser when there is one, with one line
 * saying why this is not the desktop window. Arguments after `npm start --` go to the app
 * (or to `lantern serve`, e.g. `--port 8080`).
 *
 * For tests: LANTERN_ELECTRON_PATH names the Electron binary to use (a missing file means
 * "not installed"), LANTERN_START_NO_BUILD=1 skips the build (tests build once beforehand,
 * and a rebuild under running tests would swap out/ beneath them), LANTERN_NO_BROWSER=1
 * opens no browser.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const passed = process.argv.slice(2);

/** Runs a child to its end with our terminal; resolves its exit status. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.on('error', (error) => {
      process.stderr.write(`lantern: could not run ${command} (${error.message}).\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const NOT_INSTALLED = "Electron's binary is not installed (`npm run install-electron` fetches it)";

/**
 * The Electron binary, or the sentence saying why there is none. `require('electron')`
 * returns the binary's path, and throws when its download never completed.
 */
function findElectron() {
  const override = process.env.LANTERN_ELECTRON_PATH;
  let binary = override;
  if (!binary) {
    try {
      binary = createRequire(import.meta.url)('electron');
    } catch {
      return { missing: NOT_INSTALLED };
    }
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return { missing: NOT_INSTALLED };
  // Electron cannot open a window without a display (a server, an SSH session).
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return { missing: 'there is no display for the desktop window here' };
  return { binary };
}

/** The command that opens a URL in the default browser here, or null when there is none. */
function browserOpener() {
  if (process.env.LANTERN_NO_BROWSER) return null;
  const onPath = (name) =>
    spawnSync(process.platform === 'win32' ? 'where' : 'which', [name], { stdio: 'ignore' })
      .status === 0;
  if (process.platform === 'darwin') return { command: 'open', args: [] };
  if (process.platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  // Without a display, xdg-open would start a text browser inside this terminal.
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return null;
  return onPath('xdg-open') ? { command: 'xdg-open', args: [] } : null;
}

/** Opens the URL, detached; a browser that fails to start is not Lantern's failure. */
function openInBrowser(url) {
  const opener = browserOpener();
  if (!opener) return false;
  try {
    const child = spawn(opener.command, [...opener.args, url], {
      detached: true,
      stdio: 'ignore',
    });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** `lantern serve`, its URL printed and opened; ends when the server ends. */
function serveInBrowser(why) {
  process.stdout.write(
    `Lantern: ${why}, so Lantern opens in your browser instead of its desktop window.\n`,
  );
  // Run as a shell runs it where its first line counts, so the engine gets glibc's malloc
  // settings ([Note: two malloc arenas] in bin/lantern.js); Windows has no shebangs.
  const bin = path.join(root, 'bin/lantern.js');
  const [command, args] = process.platform === 'win32' ? [process.execPath, [bin]] : [bin, []];
  const child = spawn(command, [...args, 'serve', ...passed], {
    cwd: root,
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  let pending = '';
  let announced = false;
  child.stdout.on('data', (chunk) => {
    if (announced) {
      process.stdout.write(chunk);
      return;
    }
    pending += chunk.toString();
    const end = pending.indexOf('\n');
    if (end === -1) return;
    // `lantern serve` prints its URL as the first line on stdout.
    const url = pending.slice(0, end).trim();
    announced = true;
    const opened = openInBrowser(url);
    process.stdout.write(
      `Lantern is running at ${url}${opened ? ' (opened in your browser)' : ' (open it in your browser)'}; Ctrl+C stops it.\n`,
    );
    process.stdout.write(pending.slice(end + 1));
  });
  // Ctrl+C reaches the whole process group; a plain `kill` of this script is passed on.
  const stop = (signal) => child.kill(signal);
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? (signal ? 0 : 1)));
  });
}

if (!process.env.LANTERN_START_NO_BUILD) {
  const built = await run(process.execPath, [path.join(root, 'scripts/build.mjs')]);
  if (built !== 0) process.exit(built);
}
const electron = findElectron();
process.exitCode = electron.binary
  ? await run(electron.binary, [root, ...passed])
  : await serveInBrowser(electron.missing);
