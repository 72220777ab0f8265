/**
 * @file The messages between the Electron main process and the engine worker
 * (utilityProcess). Types only: both sides import it, neither depends on the other's
 * code. Everything here crosses by structured clone, so it is plain data.
 */
import type { EngineChannel, EventName, Events, Result } from '../shared/contract.js';

/** What main asks of the worker. Every request carries an id its reply repeats. */
export type WorkerRequest =
  | { type: 'invoke'; id: number; channel: EngineChannel; input: unknown }
  /** The folders media:// may serve: library roots and the thumbnail cache. */
  | { type: 'mediaRoots'; id: number }
  /** Finish or roll back the current batch, close the store; the worker then exits. */
  | { type: 'close'; id: number };

/** What the worker sends back: replies to requests, and pushed events. */
export type WorkerMessage =
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'mediaRoots'; id: number; roots: string[] }
  | { type: 'closed'; id: number }
  | { [E in EventName]: { type: 'event'; event: E; payload: Events[E] } }[EventName];

/** The environment variable that carries the worker's options (JSON of WorkerOptions). */
export const WORKER_OPTIONS_ENV = 'LANTERN_WORKER_OPTIONS';

/** The subset of the service's options main decides; the rest are the engine's defaults. */
export interface WorkerOptions {
  dbDir?: string;
  modelsDir?: string;
  extraModelDirs?: string[];
  modelId?: string;
}
