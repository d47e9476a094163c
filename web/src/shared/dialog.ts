import './dialog.css';
import { h } from './dom';

export interface AskOptions {
  title: string;
  /** One or more paragraphs explaining what will happen. */
  body: string | string[];
  confirm: string;
  danger?: boolean;
  /** With an input: its label, placeholder and maximum length; the answer is its trimmed text. */
  input?: { label: string; placeholder?: string; maxLength?: number; value?: string };
}

/**
 * A modal confirmation (a native `<dialog>`, so focus is trapped and Escape cancels). Resolves with the
 * input's text (or `''` without an input) on confirm, `null` on cancel.
 */
export function ask(opts: AskOptions): Promise<string | null> {
  return new Promise((resolve) => {
    const input = opts.input ? h('input', { id: 'dialog-input', autocomplete: 'off', maxlength: opts.input.maxLength ?? 200, placeholder: opts.input.placeholder ?? '', value: opts.input.value ?? '' }) : null;
    const ok = h('button', { class: opts.danger ? 'danger solid' : 'primary', type: 'submit', value: 'ok' }, opts.confirm);
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const form = h('form', { method: 'dialog', class: 'dialog-form' },
      h('h3', { id: 'dialog-title' }, opts.title),
      (Array.isArray(opts.body) ? opts.body : [opts.body]).map((p) => h('p', { class: 'muted' }, p)),
      input ? h('div', { class: 'field' }, h('label', { for: 'dialog-input' }, opts.input!.label), input) : null,
      h('div', { class: 'dialog-actions' }, cancel, ok));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title' }, form);
    let answer: string | null = null;
    form.addEventListener('submit', () => { answer = input ? input.value.trim() : ''; });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    (input ?? ok).focus();
  });
}
