import { h } from '../dom';

export interface ModalButton {
  label: string;
  cls?: string;
  /** Return an error text to keep the dialog open and show it; nothing to close it. */
  run: () => Promise<string | void> | string | void;
  attrs?: Record<string, string>;
  describe?: string;
}

export interface ModalOptions {
  kind: string;
  title: string;
  intro?: (Node | string)[];
  body?: Node[];
  buttons: ModalButton[];
  /** Label of the button that closes without deciding (always offered, also Esc). */
  dismissLabel?: string;
  onClose?: (decided: boolean) => void;
  /** Stack the option buttons vertically with their explanations. */
  stacked?: boolean;
}

let openCount = 0;
export const modalOpen = (): boolean => openCount > 0;
let focusFallback: (() => void) | undefined;
/** Where focus goes when the element that opened a dialog is gone by the time it closes. */
export function setFocusFallback(fn: () => void): void {
  focusFallback = fn;
}

export interface ModalHandle {
  close(): void;
  element: HTMLDialogElement;
  /** True while a button's decision is being sent (the dialog then closes by itself). */
  busy(): boolean;
}

/** A native modal <dialog>: focus is trapped, Esc closes, focus returns to where it was. */
export function modal(opts: ModalOptions): ModalHandle {
  const previous = document.activeElement as HTMLElement | null;
  const titleId = `dlg-title-${Math.random().toString(36).slice(2, 8)}`;
  const error = h('p', { class: 'dialog-error', role: 'alert' });
  let decided = false;
  let busy = false;

  const buttons = opts.buttons.map((b) => {
    const descId = b.describe ? `${titleId}-${Math.random().toString(36).slice(2, 6)}` : undefined;
    const el = h('button', { type: 'button', class: b.cls ?? 'btn', 'aria-describedby': descId, ...(b.attrs ?? {}) }, b.label);
    el.addEventListener('click', async () => {
      if (busy) return;
      busy = true;
      error.textContent = '';
      for (const x of dialog.querySelectorAll('button')) x.disabled = true;
      try {
        const result = await b.run();
        if (typeof result === 'string' && result) {
          error.textContent = result;
          return;
        }
        decided = true;
        close();
      } finally {
        busy = false;
        for (const x of dialog.querySelectorAll('button')) x.disabled = false;
      }
    });
    return opts.stacked && b.describe ? h('div', { class: 'option' }, el, h('p', { class: 'option-help', id: descId }, b.describe)) : el;
  });
  const dismiss = h('button', { type: 'button', class: 'btn ghost', 'data-action': 'dismiss' }, opts.dismissLabel ?? 'Cancel');
  dismiss.addEventListener('click', () => close());

  const dialog = h(
    'dialog',
    { class: `dialog dialog-${opts.kind}`, 'aria-labelledby': titleId, 'data-dialog': opts.kind },
    h('h2', { id: titleId }, opts.title),
    opts.intro ? h('div', { class: 'dialog-intro' }, opts.intro) : null,
    opts.body ?? [],
    error,
    h('div', { class: opts.stacked ? 'dialog-options' : 'dialog-buttons' }, buttons),
    h('div', { class: 'dialog-buttons' }, dismiss),
  );

  let closed = false;
  function close(): void {
    if (closed) return;
    closed = true;
    openCount--;
    if (dialog.open) dialog.close();
    dialog.remove();
    opts.onClose?.(decided);
    if (previous && document.contains(previous)) previous.focus();
    else focusFallback?.();
  }
  dialog.addEventListener('cancel', (ev) => {
    ev.preventDefault();
    close();
  });
  document.body.appendChild(dialog);
  openCount++;
  dialog.showModal();
  const first = dialog.querySelector<HTMLElement>('input, textarea, select') ?? dialog.querySelector<HTMLElement>('button');
  first?.focus();
  return { close, element: dialog, busy: () => busy };
}
