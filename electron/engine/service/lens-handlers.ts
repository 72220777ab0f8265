/**
 * @file The contract's lens:* channels (engine service): the CLIP lenses on one photo —
 * classify, describe, ask, and the prompt-fidelity score. Apart from service.ts so the
 * service stays a table of small handlers; the work itself is engine/lenses.
 */
import { basename } from 'node:path';
import { clipTime } from '../../../native/ffmpeg/index.js';
import type { ChannelOutput, ParsedInput } from '../../shared/contract.js';
import {
  askPhoto,
  classifyPhoto,
  DEFAULT_CAPTIONS,
  describePhoto,
  scorePrompt,
  type LensPhoto,
} from '../lenses/lenses.js';
import type { Library } from '../library.js';
import type { VideoFrame } from '../vision/frames.js';

type LensChannel = 'lens:classify' | 'lens:describe' | 'lens:ask' | 'lens:score';
type LensHandlers = {
  [C in LensChannel]: (input: ParsedInput<C>) => Promise<ChannelOutput<C>>;
};

/** The frame of a library video at a time (vision-handlers.ts libraryFrame). */
export type LensFrameOf = (requested: string, time: number) => Promise<VideoFrame>;

/**
 * The lens:* handlers. They read the library (its model, its stored vectors) and change
 * none of its data; describe may add tag embeddings to the tagger's cache. With `time` a
 * lens looks at that frame of a library video ([Note: a paused video frame]), the same
 * bytes the inspector's detector sees.
 */
export function lensHandlers(requireLibrary: () => Library, frameOf: LensFrameOf): LensHandlers {
  const photo = async (path: string, time: number | undefined): Promise<LensPhoto> => {
    if (time === undefined) return path;
    const frame = await frameOf(path, time);
    return {
      path: frame.video,
      frame: frame.png,
      name: `${basename(frame.video)} at ${clipTime(frame.time)}`,
    };
  };
  return {
    'lens:classify': async ({ path, time, labels }) =>
      classifyPhoto(requireLibrary(), await photo(path, time), labels),
    'lens:describe': async ({ path, time, limit }) =>
      describePhoto(requireLibrary(), await photo(path, time), limit ?? DEFAULT_CAPTIONS),
    'lens:ask': async ({ path, time, question, answers }) =>
      askPhoto(requireLibrary(), await photo(path, time), question, answers),
    'lens:score': ({ path, prompt }) => scorePrompt(requireLibrary(), path, prompt),
  };
}
