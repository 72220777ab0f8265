/**
 * @file The contract's lens:* channels (engine service): the CLIP lenses on one photo —
 * classify, describe, ask, and the prompt-fidelity score. Apart from service.ts so the
 * service stays a table of small handlers; the work itself is engine/lenses.
 */
import type { ChannelOutput, ParsedInput } from '../../shared/contract.js';
import {
  askPhoto,
  classifyPhoto,
  DEFAULT_CAPTIONS,
  describePhoto,
  scorePrompt,
} from '../lenses/lenses.js';
import type { Library } from '../library.js';

type LensChannel = 'lens:classify' | 'lens:describe' | 'lens:ask' | 'lens:score';
type LensHandlers = {
  [C in LensChannel]: (input: ParsedInput<C>) => Promise<ChannelOutput<C>>;
};

/**
 * The lens:* handlers. They read the library (its model, its stored vectors) and change
 * none of its data; describe may add tag embeddings to the tagger's cache.
 */
export function lensHandlers(requireLibrary: () => Library): LensHandlers {
  return {
    'lens:classify': ({ path, labels }) => classifyPhoto(requireLibrary(), path, labels),
    'lens:describe': ({ path, limit }) =>
      describePhoto(requireLibrary(), path, limit ?? DEFAULT_CAPTIONS),
    'lens:ask': ({ path, question, answers }) =>
      askPhoto(requireLibrary(), path, question, answers),
    'lens:score': ({ path, prompt }) => scorePrompt(requireLibrary(), path, prompt),
  };
}
