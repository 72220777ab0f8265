/**
 * @file onnxruntime-node, loaded on first use. Every value use of onnxruntime-node in
 * native/onnx goes through `ort()` here; type-only imports stay `import type`.
 *
 * As sharp, ExifTool and LanceDB ([Note: native packages load on first use] in
 * native/image/sharp-module.ts): its import sat at the top of the command line's bundle,
 * so every command loaded onnxruntime's 45 MB library, `lantern --version`, `status` and
 * `cut` included, none of which runs a model (~20 ms and ~10 MiB each).
 */
import { createRequire } from 'node:module';
import type * as OrtModule from 'onnxruntime-node';

let loaded: typeof OrtModule | null = null;

/** The onnxruntime-node module, required by the first call. */
export function ort(): typeof OrtModule {
  loaded ??= createRequire(import.meta.url)('onnxruntime-node') as typeof OrtModule;
  return loaded;
}
