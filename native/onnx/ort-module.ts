/**
 * @file onnxruntime-node, loaded on first use. Every value use of onnxruntime-node in
 * native/onnx goes through `ort()` here; type-only imports stay `import type`.
 *
 * As sharp, ExifTool and LanceDB ([Note: native packages load on first use] in
 * native/image/sharp-module.ts): its import sat at the top of the command line's bundle,
 * so every command loaded onnxruntime's 45 MB library, `lantern --version`, `status` and
 * `cut` included, none of which runs a model (~20 ms and ~10 MiB each).
 *
 * [Note: onnxruntime's telemetry is off]
 * Since 1.29 the official Linux builds of onnxruntime collect telemetry by default and
 * upload it to Microsoft's 1DS collector: an event per session created (with the model's
 * file name, graph name and hashes, per the onnxruntime-server v1.29.0 release notes, which
 * checked the shipped library), queued in a SQLite file under the user's cache folder
 * (`~/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db`, with a `deviceid` beside
 * it) and sent over HTTPS, with time allowed for the upload when the process ends
 * (`maxTeardownUploadTimeInSec`). On this project's machine, which cannot reach the
 * collector, 1.30.0 had queued 3 594 events there. Lantern promises that photos and what is
 * known about them stay on the computer, so it turns this off: onnxruntime reads
 * ORT_DISABLE_TELEMETRY (and skips telemetry when CI is set, which is why the test suite
 * never saw it) when it starts its environment, so the variable is set in this process's
 * environment before the library is loaded here and before an inference thread is started
 * (thread.ts: a worker's `process.env` is its own copy, but the library reads the process's
 * environment, which the main thread's assignment changes). Immich turned it off in its
 * release v3.3.6 for the same reason. Test: test/integration/ort-telemetry.test.ts.
 */
import { createRequire } from 'node:module';
import type * as OrtModule from 'onnxruntime-node';

let loaded: typeof OrtModule | null = null;

/** The variable that keeps onnxruntime from collecting telemetry ([Note: onnxruntime's telemetry is off]). */
export const ORT_TELEMETRY_OFF = { ORT_DISABLE_TELEMETRY: '1' } as const;

/** Set ORT_TELEMETRY_OFF in this process's environment; call before onnxruntime starts. */
export function turnOffOrtTelemetry(): void {
  Object.assign(process.env, ORT_TELEMETRY_OFF);
}

/** The onnxruntime-node module, required by the first call. */
export function ort(): typeof OrtModule {
  if (loaded === null) {
    turnOffOrtTelemetry();
    loaded = createRequire(import.meta.url)('onnxruntime-node') as typeof OrtModule;
  }
  return loaded;
}
