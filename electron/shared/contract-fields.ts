/**
 * @file The field schemas the IPC contract's channels share (a full path, a frame's time,
 * a model id, tag words), split out of contract.ts so each domain's channels can live in
 * their own file (channels-*.ts). Shared by every process; imports only zod.
 */
import { z } from 'zod';

/** A phantom carrying an output type; never read at run time. */
export const returns = <T>() => undefined as unknown as T;

/**
 * Where the contract is parsed: the engine and main are Node processes and know their
 * platform; the renderer has no `process` and accepts either form (the engine re-checks).
 */
const platform = (globalThis as { process?: { platform?: string } }).process?.platform;

/**
 * Absolute on the platform that will open it. A drive or UNC path on Linux or macOS would
 * resolve against the working directory (`C:\x` becomes `<cwd>/C:\x`), so it is refused there.
 */
function isAbsolutePath(p: string): boolean {
  const windows = /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
  if (platform === undefined) return windows || p.startsWith('/');
  // On Windows a path from the root of the current drive ("/x") stays accepted, as before.
  return p.startsWith('/') || (platform === 'win32' && windows);
}

/**
 * A path the engine may open. NUL cannot occur in a file name on any platform, and Node's
 * fs refuses it with a raw TypeError, so it is refused here with a sentence instead.
 */
export const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), { message: 'must not contain a NUL character' })
  .refine(isAbsolutePath, { message: fullPathRule() });

/** Seconds into a video (the inspector's paused frame); a day is more than any video. */
export const frameTime = z.number().min(0).max(86_400);

/** The absolute-path rule as a person reads it, in the form of the platform that checks it. */
function fullPathRule(): string {
  if (platform === 'win32') return 'must be a full path (like C:\\Photos)';
  if (platform === undefined) return 'must be a full path (it starts with / or a drive letter)';
  return 'must be a full path (it starts with /)';
}

/**
 * A model id: it becomes a folder name under the models folder and is echoed in error
 * sentences, so it is short and free of control characters.
 */
export const modelId = z
  .string()
  .min(1)
  .max(200)
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  .refine((id) => !/[\u0000-\u001f\u007f]/.test(id), {
    message: 'must not contain control characters',
  });

/** A tag's id, name or synonym, or a phrase of the person's own (the engine checks more). */
export const tagWords = z.string().trim().min(1).max(200);

/** Added to a tag's calibrated threshold; the engine's MAX_OFFSET (library-vocabulary.ts). */
export const tagOffset = z.number().min(-0.2).max(0.2);

/** A lens label or answer: a few words; each is one more text for the encoder. */
export const lensText = z.string().trim().min(1).max(200);
export const LENS_CHOICES_MAX = 100;

/** A channel that takes no input. */
export const empty = z.object({}).strict();
/** A job's id (jobs:pause / resume / cancel). */
export const jobId = z.object({ id: z.string().min(1).max(100) }).strict();
