import type { Connection } from '../shared/connection';
import { h, replace } from '../shared/dom';
import { MODE_LABEL, type Mode } from '../shared/protocol';
import { toast, toastError } from '../shared/toast';
import './join-screen.css';

interface AttachCode { code: string; expiresAt: number; mode: Mode; server: string | null }

const MODE_HINT: Record<Mode, string> = {
  observe: 'the technician sees your screen, no control',
  interact: 'the technician may also use your mouse and keyboard',
  hold: 'connected, but nothing is shown until you choose',
};

/**
 * "Share your screen" (click-to-chat elevated to the full client): after the customer granted it, a one-time,
 * short-lived code (`attach.code`) and the exact `tandem-agent join` command with a copy button. The agent
 * joins this same session with it; the mode picked here is the one the screen starts in.
 */
export class JoinScreenCard {
  readonly el = h('section', { class: 'card join-screen', 'aria-labelledby': 'join-title', 'data-testid': 'join-screen' });
  private code: AttachCode | null = null;
  private sessionId: string | null = null;
  private mode: Mode = 'observe';
  private asking = false;

  constructor(private readonly conn: Connection) {}

  /** Shows the card for a session waiting for its agent; asks for a code the first time. */
  show(sessionId: string): HTMLElement {
    if (this.sessionId !== sessionId) {
      this.sessionId = sessionId;
      this.code = null;
      void this.newCode();
    }
    this.render();
    return this.el;
  }

  private command(): string {
    const server = this.code?.server || location.origin;
    return `tandem-agent join --server ${server} --code ${this.code?.code ?? '…'}`;
  }

  private async newCode(): Promise<void> {
    if (!this.sessionId || this.asking) return;
    this.asking = true;
    this.render();
    try {
      this.code = await this.conn.ask<AttachCode>('attach.code', { sessionId: this.sessionId, mode: this.mode });
    } catch (err) {
      toastError(err, 'Getting a code');
    } finally {
      this.asking = false;
      this.render();
    }
  }

  private async copy(): Promise<void> {
    const text = this.command();
    try {
      await navigator.clipboard.writeText(text);
      toast('Command copied. Paste it in a terminal on this computer.', 'success');
    } catch {
      // Without clipboard access (an insecure origin), select the text so Ctrl+C copies it.
      const sel = window.getSelection();
      const range = document.createRange();
      range.selectNodeContents(this.el.querySelector('.join-command code')!);
      sel?.removeAllRanges();
      sel?.addRange(range);
      toast('Press Ctrl+C to copy the selected command.');
    }
  }

  private render(): void {
    const expires = this.code ? new Date(this.code.expiresAt) : null;
    const modes = (['observe', 'interact', 'hold'] as Mode[]).map((m) => h('label', { class: 'join-mode' },
      h('input', { type: 'radio', name: 'join-mode', value: m, checked: this.mode === m, onchange: () => { this.mode = m; void this.newCode(); } }),
      h('span', null, h('strong', null, MODE_LABEL[m]), ` — ${MODE_HINT[m]}`)));
    replace(this.el,
      h('div', { class: 'row' }, h('h3', { id: 'join-title', class: 'grow' }, 'Share your screen'), h('span', { class: 'badge primary' }, 'Allowed by you')),
      h('p', null, 'Run this command in a terminal on this computer. The Tandem agent joins this chat and shares your screen; you can stop it at any time with Ctrl+C or by closing the session.'),
      h('fieldset', { class: 'join-modes' }, h('legend', null, 'The screen starts in'), modes),
      h('div', { class: 'join-command', role: 'group', 'aria-label': 'Command to run' },
        h('code', { 'data-testid': 'join-command' }, this.asking && !this.code ? 'Getting a code…' : this.command()),
        h('button', { class: 'primary small', type: 'button', 'data-key': 'join-copy', disabled: !this.code, onclick: () => void this.copy() }, 'Copy')),
      h('p', { class: 'small muted', role: 'status' },
        this.code ? `The code ${this.code.code} works once, until ${expires!.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}. ` : '',
        h('button', { class: 'link small', type: 'button', 'data-key': 'join-new', disabled: this.asking, onclick: () => void this.newCode() }, 'Get a new code')));
  }
}
