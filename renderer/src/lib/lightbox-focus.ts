/**
 * @file Where the lightbox's keys and focus go (renderer): focus that falls to the page
 * body comes back to the dialog ([Note: focus stays in the lightbox] in Lightbox.svelte),
 * and which focused controls keep the arrow keys (and letters) to themselves.
 */

/** Whether focus is nowhere: on the page body, as after its element went away. */
function focusLost(): boolean {
  const at = document.activeElement;
  return !at || at === document.body || at === document.documentElement;
}

/**
 * Bring focus lost while `dialog` is open back to it; returns the function that stops.
 * Chromium blurs a focused control once it is disabled or removed (focusout without a
 * relatedTarget) and the body holds focus after it; not every engine fires that blur for a
 * removal (Chromium 156 does, jsdom does not), so removals are watched too.
 */
export function holdFocus(dialog: HTMLElement): () => void {
  const recover = () => {
    if (dialog.isConnected && focusLost()) dialog.focus({ preventScroll: true });
  };
  const observer = new MutationObserver(recover);
  observer.observe(dialog, { childList: true, subtree: true });
  const onfocusout = (event: FocusEvent) => {
    if (event.relatedTarget === null) queueMicrotask(recover);
  };
  dialog.addEventListener('focusout', onfocusout);
  return () => {
    observer.disconnect();
    dialog.removeEventListener('focusout', onfocusout);
  };
}

/**
 * A key pressed while focus was on the body still belongs to the modal `dialog`: focus
 * goes back to it and the caller handles the key. Answers whether it did.
 */
export function claimBodyKey(event: KeyboardEvent, dialog: HTMLElement): boolean {
  if (event.target !== document.body && event.target !== document.documentElement) return false;
  dialog.focus({ preventScroll: true });
  return true;
}

/** A control that uses the arrow keys itself: a video (seeking), a field, a slider. */
export function ownsArrows(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLVideoElement ||
    target instanceof HTMLInputElement ||
    target instanceof HTMLSelectElement ||
    target instanceof HTMLTextAreaElement ||
    (target instanceof HTMLElement && target.getAttribute('role') === 'slider')
  );
}

/**
 * A control that takes typed letters (a field, a slider): I there is not the inspector's.
 * A video takes only its own keys (Space, arrows): I on it opens its frame.
 */
export function ownsLetters(target: EventTarget | null): boolean {
  return ownsArrows(target) && !(target instanceof HTMLVideoElement);
}
