/**
 * @file The one wrapper every `ipcMain.handle` goes through (main process): it checks
 * the sender, validates the input against the contract, routes shell channels to main's
 * own handlers and the rest to the engine worker, and always answers a Result. A raw
 * Error never crosses to the renderer. Calls that hand the engine a folder must name one
 * the person chose ([Note: chosen folders], chosen-folders.ts). Electron is injected, so
 * this runs in tests.
 */
import {
  CHANNELS,
  isChannel,
  isShellChannel,
  parseInput,
  type ChannelOutput,
  type EngineChannel,
  type ParsedInput,
  type Result,
  type ShellChannel,
} from '../shared/contract.js';
import { ERROR_CODES, encodeError, type ErrorCode } from '../shared/errors.js';
import { refuseUnchosenFolders, type FolderAccess } from './chosen-folders.js';

/** The part of Electron's ipcMain the router uses. */
export interface IpcMainLike<E> {
  handle(channel: string, listener: (event: E, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** Main's own answers to the shell channels (DESIGN.md: the browser shell refuses these). */
export type ShellHandlers = {
  [C in ShellChannel]: (input: ParsedInput<C>) => Promise<Result<ChannelOutput<C>>>;
};

export interface ContractRouter<E> {
  /** Whether the call comes from the app's own window and page. */
  isTrustedSender(event: E): boolean;
  engine: { invoke(channel: EngineChannel, input: unknown): Promise<Result<unknown>> };
  shell: ShellHandlers;
  /**
   * What the person chose in this window. Without it every call that names a folder for
   * the engine is refused (fail closed).
   */
  chosenFolders?: FolderAccess;
}

/** Answer one call. Never throws: every failure becomes `{ ok: false, error }`. */
export async function routeCall<E>(
  router: ContractRouter<E>,
  event: E,
  channel: unknown,
  input: unknown,
): Promise<Result<unknown>> {
  try {
    // The sender first: a page that is not Lantern's learns nothing, not even which
    // channels exist.
    if (!router.isTrustedSender(event))
      return refuse('INVALID_INPUT', "Refused: the call did not come from Lantern's window.");
    if (!isChannel(channel))
      return refuse('INVALID_INPUT', `Unknown channel "${String(channel)}".`);
    if (isShellChannel(channel)) {
      const parsed = parseInput(channel, input);
      if (!parsed.ok) return parsed;
      return sanitize(await callShell(router.shell, channel, parsed.value));
    }
    // Parsed here so bad input never reaches the worker; the service parses again, being
    // the authority for the browser shell too.
    const parsed = parseInput(channel, input);
    if (!parsed.ok) return parsed;
    const refused = await refuseUnchosenFolders(router.chosenFolders, channel, parsed.value);
    if (refused) return refused;
    return sanitize(await router.engine.invoke(channel, parsed.value));
  } catch (error) {
    return { ok: false, error: encodeError(error) };
  }
}

/** Register one handler per contract channel; returns the function that removes them. */
export function registerContractHandlers<E>(
  ipc: IpcMainLike<E>,
  router: ContractRouter<E>,
): () => void {
  for (const channel of CHANNELS)
    ipc.handle(channel, (event, input) => routeCall(router, event, channel, input));
  return () => {
    for (const channel of CHANNELS) ipc.removeHandler(channel);
  };
}

function callShell<C extends ShellChannel>(
  shell: ShellHandlers,
  channel: C,
  input: ParsedInput<C>,
): Promise<Result<unknown>> {
  // The mapped type loses the link between C and its handler; the contract guarantees it.
  const handler = shell[channel] as (input: ParsedInput<C>) => Promise<Result<unknown>>;
  return handler(input);
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * Rebuild a Result from its parts, so only `{ ok, value }` or `{ ok, error: { code,
 * message } }` leaves main, whatever a handler returned.
 */
function sanitize(result: unknown): Result<unknown> {
  if (typeof result === 'object' && result !== null) {
    const r = result as { ok?: unknown; value?: unknown; error?: unknown };
    if (r.ok === true) return { ok: true, value: r.value };
    if (r.ok === false && typeof r.error === 'object' && r.error !== null) {
      const { code, message } = r.error as { code?: unknown; message?: unknown };
      return {
        ok: false,
        error: {
          code:
            typeof code === 'string' && KNOWN_CODES.has(code) ? (code as ErrorCode) : 'INTERNAL',
          message: typeof message === 'string' ? message : 'Something went wrong in Lantern.',
        },
      };
    }
  }
  return refuse('INTERNAL', 'The Lantern engine gave an answer that is not a result.');
}

function refuse(code: ErrorCode, message: string): Result<never> {
  return { ok: false, error: { code, message } };
}
