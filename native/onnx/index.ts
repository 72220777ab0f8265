/**
 * @file The onnxruntime-node adapter: the only door from Lantern to ONNX Runtime.
 * Runs in the engine's process (utilityProcess, CLI, tests, benchmarks).
 * See [Note: provider choice] in `providers.ts` for how an execution provider is picked.
 */
export { OnnxError, isOnnxError } from './errors.js';
export type { OnnxErrorCode } from './errors.js';
export { PROVIDER_PREFERENCE, describeProviders, isProviderRequest } from './providers.js';
export type { ProviderInfo, ProviderName } from './providers.js';
export {
  cachedSessionCount,
  fileStampOf,
  forgetSession,
  loadOwnSession,
  loadSession,
  releaseSessions,
} from './session.js';
export type { GraphOptimization, LoadedSession, SessionSettings, TensorInfo } from './session.js';
export { buildHeader, inPlaceModel, inPlacePath } from './in-place-weights.js';
export { signInt8Weights, withSignedInt8Weights } from './signed-weights.js';
export { run, runFloat, runSession } from './run.js';
export { InferenceThread } from './thread.js';
export { loadOnThread } from './thread-load.js';
export type { ThreadLoaded } from './thread-load.js';
export type { InputData, InputTensor, OutputData, OutputTensor } from './run.js';
