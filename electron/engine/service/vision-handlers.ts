/**
 * @file The contract's vision:* channels (engine service): the inspector's detection,
 * segmentation and exports on one photo. (Being built for issue 11; the channels answer
 * that they are not available until then.)
 */
import type { ChannelOutput, ParsedInput } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';

type VisionChannel = 'vision:detect' | 'vision:segment' | 'vision:export';
type VisionHandlers = {
  [C in VisionChannel]: (input: ParsedInput<C>) => Promise<ChannelOutput<C>>;
};

const notYet = () =>
  Promise.reject(
    new LanternError('INVALID_INPUT', 'The inspector is not available in this build.'),
  );

export function visionHandlers(): VisionHandlers {
  return { 'vision:detect': notYet, 'vision:segment': notYet, 'vision:export': notYet };
}
