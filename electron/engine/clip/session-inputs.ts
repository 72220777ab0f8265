/**
 * @file What the encoder pair checks and adapts at a session's inputs: the input the
 * manifest names must exist, and token ids go in the integer type the export declares.
 */
import type { LoadedSession } from '../../../native/onnx/index.js';
import { LanternError } from '../../shared/errors.js';

/** Throw MODEL_INVALID when the session has no input `name` (its models.json does not match). */
export function checkInput(names: readonly string[], name: string, role: string, id: string): void {
  if (!names.includes(name)) {
    throw new LanternError(
      'MODEL_INVALID',
      `The ${role} encoder of model ${id} has no input named "${name}" (it has ${names.join(', ')}); its models.json does not match the file.`,
    );
  }
}

/**
 * Token ids in the integer type the export declares: int64 for the Hugging Face exports,
 * int32 for Immich's open_clip exports (SigLIP), read from the session, not assumed.
 */
export function asDeclared(
  session: LoadedSession,
  name: string,
  values: BigInt64Array,
): BigInt64Array | Int32Array {
  const declared = session.inputs.find((info) => info.name === name)?.type;
  return declared === 'int32' ? Int32Array.from(values, (v) => Number(v)) : values;
}
