import type { Connection } from '../shared/connection';
import { ask } from '../shared/dialog';
import { h, replace } from '../shared/dom';
import { type AssistanceRequest, fromLocalInput, REQUEST_STATUS_LABEL, requestBadgeClass, type RequestStore, when } from '../shared/requests';
import { toast, toastError } from '../shared/toast';

const errText = (err: unknown): string => {
  const e = err as { code?: string; message?: string };
  return `${e?.code ?? 'ERROR'}${e?.message && e.message !== e.code ? ` — ${e.message}` : ''}`;
};

/** What each status means for the user. */
const STATUS_FOR_YOU: Record<AssistanceRequest['status'], string> = {
  open: 'Waiting for an assistant to pick it up.',
  waiting: 'An assistant is connecting: allow or decline above.',
  'in-progress': 'An assistant is helping you now.',
  inactive: 'The last session ended; the request stays until it is closed.',
  closed: 'Closed.',
};

/**
 * The customer panel's "My remote assistance requests" (issue #11): the requests filed for this desktop
 * (`request.list`, live with `request.changed`), withdrawing one (`request.delete`), and a form to file one
 * (`request.file`: description, available from a time or any time, One-Time, an e-mail for updates).
 */
export class MyRequests {
  readonly el: HTMLElement;
  private readonly list = h('ul', { class: 'list', 'aria-label': 'My remote assistance requests' });
  private readonly count = h('span', { class: 'badge' }, '0');
  private readonly description = h('textarea', { id: 'req-description', rows: 3, maxlength: 2000, placeholder: 'For example: Outlook closes as soon as I open the calendar.' });
  private readonly anyTime = h('input', { type: 'radio', name: 'req-avail', id: 'req-any', value: 'any', checked: true });
  private readonly fromRadio = h('input', { type: 'radio', name: 'req-avail', id: 'req-from', value: 'from' });
  private readonly from = h('input', { id: 'req-from-at', type: 'datetime-local', 'aria-label': 'Available from', disabled: true });
  private readonly oneTime = h('input', { type: 'checkbox', id: 'req-once' });
  private readonly email = h('input', { id: 'req-email', type: 'email', autocomplete: 'email', placeholder: 'you@example.com' });
  private readonly error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  private readonly submit = h('button', { class: 'primary', type: 'submit' }, 'Send request');
  private readonly formBox: HTMLElement;

  /** `signIn`: the panel's "Sign in with your account" box, shown above the form. */
  constructor(private readonly conn: Connection, private readonly requests: RequestStore, signIn?: HTMLElement) {
    const toggle = (): void => {
      this.from.disabled = !this.fromRadio.checked;
      if (this.fromRadio.checked) this.from.focus();
    };
    this.anyTime.addEventListener('change', toggle);
    this.fromRadio.addEventListener('change', toggle);
    const form = h('form', { class: 'req-editor', 'aria-labelledby': 'req-form-title' },
      h('h3', { id: 'req-form-title' }, 'Ask for remote assistance'),
      h('p', { class: 'small muted' }, 'Describe the problem. An assistant connects to this computer when you are available; you still allow each session here.'),
      h('div', { class: 'field' }, h('label', { for: this.description.id }, 'What do you need help with?'), this.description),
      h('fieldset', null, h('legend', null, 'I am available'),
        h('div', { class: 'check' }, this.anyTime, h('label', { for: this.anyTime.id }, 'Any time')),
        h('div', { class: 'check' }, this.fromRadio, h('label', { for: this.fromRadio.id }, 'From'), this.from)),
      h('div', { class: 'check' }, this.oneTime, h('label', { for: this.oneTime.id }, 'One-Time: close the request after the first session')),
      h('div', { class: 'field' }, h('label', { for: this.email.id }, 'E-mail for updates (optional)'), this.email),
      this.error,
      h('div', { class: 'row' }, this.submit));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.file();
    });
    this.formBox = form;
    this.el = h('section', { class: 'card my-requests', 'aria-labelledby': 'my-req-title' },
      h('div', { class: 'row' }, h('h3', { id: 'my-req-title', class: 'grow' }, 'My remote assistance requests'), this.count),
      this.list,
      signIn ?? null,
      this.formBox);
    requests.onChange(() => this.render());
    this.render();
  }

  render(): void {
    const mine = this.requests.list();
    this.count.textContent = String(mine.length);
    replace(this.list, mine.length === 0
      ? h('li', { class: 'empty' }, this.requests.loaded ? 'You have no open request.' : 'Loading your requests…')
      : mine.map((r) => h('li', { class: 'req-item', 'data-request': r.requestId },
        h('div', { class: 'row' },
          h('strong', { class: 'grow req-desc' }, r.description),
          h('span', { class: requestBadgeClass(r.status), 'data-testid': 'my-req-status' }, REQUEST_STATUS_LABEL[r.status])),
        h('div', { class: 'small muted' }, [
          r.availableFrom === null ? 'Available any time' : `Available from ${when(r.availableFrom)}`,
          r.oneTime ? 'One-Time' : null,
          r.assignee ? `Assistant: ${r.assignee.name}` : null,
          r.scheduledAt !== null ? `Scheduled for ${when(r.scheduledAt)}` : null,
        ].filter(Boolean).join(' · ')),
        h('div', { class: 'row' },
          h('span', { class: 'small grow' }, STATUS_FOR_YOU[r.status]),
          r.status === 'open' || r.status === 'inactive'
            ? h('button', { class: 'small danger', type: 'button', 'data-key': `withdraw-${r.requestId}`, onclick: () => void this.withdraw(r) }, 'Withdraw')
            : null))));
  }

  private showError(text: string): void {
    this.error.textContent = text;
    this.error.hidden = false;
    this.error.scrollIntoView({ block: 'nearest' });
  }

  private async file(): Promise<void> {
    const description = this.description.value.trim();
    if (!description) {
      this.description.focus();
      return this.showError('INVALID_DATA — please describe what you need help with.');
    }
    const availableFrom = this.fromRadio.checked ? fromLocalInput(this.from.value) : '*';
    if (!availableFrom) {
      this.from.focus();
      return this.showError('INVALID_DATA — choose the time you are available from, or “Any time”.');
    }
    this.error.hidden = true;
    this.submit.disabled = true;
    try {
      const email = this.email.value.trim();
      const ack = await this.conn.ask<{ request: AssistanceRequest }>('request.file', { description, availableFrom, oneTime: this.oneTime.checked, ...(email ? { email } : {}) });
      this.requests.apply(ack.request);
      this.description.value = '';
      toast('Your request was sent. You will be asked before anyone connects.', 'success');
    } catch (err) {
      this.showError(errText(err));
      toastError(err, 'Request');
    } finally {
      this.submit.disabled = false;
    }
  }

  private async withdraw(r: AssistanceRequest): Promise<void> {
    const ok = await ask({ title: 'Withdraw this request?', body: `“${r.description.length > 80 ? `${r.description.slice(0, 80)}…` : r.description}” will be closed.`, confirm: 'Withdraw', danger: true });
    if (ok === null) return;
    try {
      const ack = await this.conn.ask<{ request: AssistanceRequest }>('request.delete', { requestId: r.requestId });
      this.requests.apply(ack.request);
      toast('Request withdrawn.');
    } catch (err) {
      toastError(err, 'Withdraw');
    }
  }
}
