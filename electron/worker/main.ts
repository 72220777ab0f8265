/**
 * @file Entry of the engine worker, an Electron `utilityProcess` forked by the main
 * process (electron/main/engine-host.ts). It hosts the LanternService, so inference,
 * decoding and database writes never run on Electron's main thread.
 *
 * It imports shared and engine only: `process.parentPort` is the one thing Electron
 * gives it, and it is typed locally (ParentPortLike).
 */
import { useOwnScratch } from '../engine/paths.js';
import { LanternService, type ServiceOptions } from '../engine/service/service.js';
import { hostService, type ParentPortLike } from './host.js';
import { WORKER_OPTIONS_ENV, type WorkerOptions } from './protocol.js';

const port = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!port) {
  console.error('The Lantern engine worker runs only as an Electron utility process.');
  process.exit(1);
}

// Before the service loads any native module ([Note: LanceDB's index scratch] in
// native/store/scratch.ts).
useOwnScratch();
hostService(port, LanternService.create({ ...readOptions(), shell: 'electron' }));

/** Main passes the options as JSON in the environment; a bad value means defaults. */
function readOptions(): Omit<ServiceOptions, 'shell'> {
  const raw = process.env[WORKER_OPTIONS_ENV];
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as WorkerOptions;
    const options: Omit<ServiceOptions, 'shell'> = {};
    if (typeof parsed.dbDir === 'string') options.dbDir = parsed.dbDir;
    if (typeof parsed.modelsDir === 'string') options.modelsDir = parsed.modelsDir;
    if (typeof parsed.modelId === 'string') options.modelId = parsed.modelId;
    if (Array.isArray(parsed.extraModelDirs))
      options.extraModelDirs = parsed.extraModelDirs.filter((d) => typeof d === 'string');
    return options;
  } catch {
    console.error(`Lantern engine ignored ${WORKER_OPTIONS_ENV}: it is not valid JSON.`);
    return {};
  }
}
