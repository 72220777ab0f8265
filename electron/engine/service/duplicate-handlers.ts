/**
 * @file The duplicates:* handlers of the engine service (issue 13, near-duplicates).
 * PLACEHOLDER written by the lead so the contract compiles: the near-duplicates helper
 * replaces this file with the real handlers.
 */
import type { ParsedInput, ChannelOutput } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';

type DuplicateChannel = 'duplicates:find' | 'duplicates:cancel' | 'duplicates:trash';
export type DuplicateHandlers = {
  [C in DuplicateChannel]: (input: ParsedInput<C>) => Promise<ChannelOutput<C>>;
};

export function duplicateHandlers(): DuplicateHandlers {
  const notYet = () => Promise.reject(new LanternError('INTERNAL', 'not built yet'));
  return { 'duplicates:find': notYet, 'duplicates:cancel': notYet, 'duplicates:trash': notYet };
}
