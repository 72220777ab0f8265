#!/usr/bin/env node
// @file The `lantern` executable: runs the bundled command line (`npm run build` makes it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../out/cli.js', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('lantern: the command line is not built yet; run "npm run build" first.\n');
  process.exit(1);
}
await import(bundle);
