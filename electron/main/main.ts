/**
 * @file Entry of the Electron main process (bundled to out/main.js, ESM). Everything
 * happens in app.ts; this file only says where the build put things.
 */
import { appLayout, startLantern } from './app.js';

startLantern(appLayout(import.meta.dirname));
