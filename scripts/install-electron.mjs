#!/usr/bin/env node
/**
 * @file Fetches Electron's binary after `npm install` (Lantern's `postinstall`, and
 * `npm run install-electron` to retry), never failing the install when it cannot.
 *
 * Electron's own postinstall downloads the binary from GitHub and exits non-zero when
 * that fails, which makes npm roll back the whole install. package.json's `allowScripts`
 * therefore denies it, and this script runs the same downloader (electron/install.js)
 * in its place: on success the desktop app is ready; on failure it says so in one line
 * and exits 0, and `npm start` opens Lantern in the browser instead (scripts/start.mjs).
 * ELECTRON_SKIP_BINARY_DOWNLOAD=1 (CI) is honoured by electron/install.js itself.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** electron/install.js, or null where Electron is not installed (`npm install --omit=dev`). */
function electronInstaller() {
  try {
    const installer = path.join(
      path.dirname(require.resolve('electron/package.json')),
      'install.js',
    );
    return existsSync(installer) ? installer : null;
  } catch {
    return null;
  }
}

/**
 * The reason in a few words, from the downloader's stack trace: its first line without
 * the error class ("getaddrinfo ENOTFOUND github.com"), or the exit status.
 */
function downloadFailureReason(stderr, exitCode) {
  const first = stderr
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '');
  if (!first) return `the downloader exited with status ${exitCode}`;
  return first.replace(/^(?:[A-Za-z]*Error|Error):\s*/, '').slice(0, 160);
}

function runInstaller(installer) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [installer], {
      cwd: path.dirname(installer),
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ code: null, stderr: error.message }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const installer = electronInstaller();
if (installer) {
  const { code, stderr } = await runInstaller(installer);
  if (code !== 0) {
    process.stdout.write(
      `Lantern: the Electron binary could not be downloaded (${downloadFailureReason(stderr, code)}); ` +
        '`npm start` will open Lantern in your browser instead. Run `npm run install-electron` to retry.\n',
    );
  }
}
process.exitCode = 0;
