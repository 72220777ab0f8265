/**
 * @file Keeping Tab inside a modal dialog, as `aria-modal` promises (the lightbox, the
 * trainer, confirmations): Tab from the last control goes to the first, Shift+Tab from the
 * first (or from the dialog itself) to the last, and focus found outside the dialog is
 * brought in.
 */

/** Everything Tab can reach inside a dialog. */
export const FOCUSABLE =
  'button:not(:disabled), input:not(:disabled), select:not(:disabled), video[controls], [tabindex="0"]:not([role="dialog"])';

/** Handle a Tab keydown inside `dialog`; other keys are left alone. */
export function trapTab(event: KeyboardEvent, dialog: HTMLElement | undefined): void {
  if (event.key !== 'Tab' || !dialog) return;
  const focusable = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = focusable[0];
  const last = focusable.at(-1);
  if (!first || !last) return;
  const at = document.activeElement;
  if (!at || !dialog.contains(at)) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  } else if (event.shiftKey && (at === first || at === dialog)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && at === last) {
    event.preventDefault();
    first.focus();
  }
}
