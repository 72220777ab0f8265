/**
 * @file exifr, evaluated on first use.
 *
 * [Note: exifr loads on first use] exifr is bundled (not external, unlike sharp: [Note:
 * native packages load on first use] in sharp-module.ts), but a static import still ran
 * its 0.2 MB UMD build's top level in every command: ~7 ms of `lantern --version`'s
 * module start-up (timed per module in the bundle), though only indexing, the inspector
 * and keyword reading parse EXIF. A dynamic import is inlined by esbuild behind a lazy
 * start, so the module is evaluated when the first photo's metadata is read.
 */
import type exifrModule from 'exifr';

export type Exifr = typeof exifrModule;

let loading: Promise<Exifr> | undefined;

/** The exifr module, evaluated on the first call. */
export function loadExifr(): Promise<Exifr> {
  loading ??= import('exifr').then((module) => module.default);
  return loading;
}
