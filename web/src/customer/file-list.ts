import './file-list.css';
import type { Connection } from '../shared/connection';
import { h, replace } from '../shared/dom';
import { bytes } from '../shared/event-text';
import { Reassembly, failureText, fileOutcome } from '../shared/file-transfer';
import type { SessionEvent } from '../shared/protocol';
import type { SessionModel } from '../shared/sessions';
import { toastError } from '../shared/toast';

/**
 * The files of the session in the customer panel: every offer both ways with its state, Accept / Refuse
 * for a technician's. The panel is not where the bytes are saved — the desktop agent receives them into the
 * Downloads folder — but the server relays a technician's file to the panel too, so the panel counts the
 * bytes that reached this computer (and drops them) for its progress bar, and sees `file.done`. Whether the
 * agent's check passed and the name it saved the file under come back as the session's FileDelivered or
 * FileFailed (the agent's `file.result`), which the row shows.
 * For the customer's own files (`send PATH` at the agent) the panel sees the offer, the answer and what the
 * technician's page reported; the progress of the sending shows in the agent's window.
 */
export class CustomerFiles {
  readonly el = h('section', { class: 'card', 'aria-labelledby': 'files-title', 'data-testid': 'customer-files' });
  private readonly counts = new Map<string, Reassembly>();
  private readonly done = new Set<string>();
  /** Answers of this page the server refused (FILE_ANSWERED: the desktop agent's prompt answered first). */
  private readonly refusedAnswers = new Map<string, string>();
  private model: SessionModel | null = null;
  private queued = false;

  constructor(private readonly conn: Connection) {
    conn.on('file.chunk', (d: { sessionId: string; fileId: string; offset: number; data: string }) => {
      const offer = this.offer(d.sessionId, d.fileId);
      if (!offer) return;
      let re = this.counts.get(d.fileId);
      if (!re) this.counts.set(d.fileId, (re = new Reassembly(Number(offer.size), String(offer.sha256), false)));
      re.add(d.offset, d.data);
      this.schedule();
    });
    conn.on('file.done', (d: { sessionId: string; fileId: string }) => {
      this.done.add(d.fileId);
      this.schedule();
    });
  }

  /** Whether the session has any file to show. */
  has(m: SessionModel): boolean {
    return m.events.some((e) => e.type === 'FileOffered');
  }

  /** Redraws for this session (from the panel's render). */
  show(m: SessionModel): HTMLElement {
    this.model = m;
    this.render();
    return this.el;
  }

  private offer(sessionId: string, fileId: string): SessionEvent | undefined {
    return this.model?.sessionId === sessionId ? this.model.events.find((e) => e.type === 'FileOffered' && e.fileId === fileId) : undefined;
  }

  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.render();
    });
  }

  private render(): void {
    const m = this.model;
    if (!m) return;
    const me = m.state?.customer?.id;
    const rows = m.events.filter((e) => e.type === 'FileOffered').map((e) => (e.actor.kind === 'customer' || e.actor.id === me ? this.mine(m, e) : this.toMe(m, e)));
    replace(this.el, h('h3', { id: 'files-title' }, 'Files'), h('ul', { class: 'list cust-files' }, rows));
  }

  /** A technician's file for this computer. */
  private toMe(m: SessionModel, e: SessionEvent): HTMLElement {
    const fileId = String(e.fileId);
    const size = Number(e.size);
    const a = m.events.find((x) => x.type === 'FileAnswered' && x.fileId === fileId);
    const re = this.counts.get(fileId);
    const outcome = fileOutcome(m.events, fileId);
    let state: string;
    let badge = 'primary';
    let actions: HTMLElement[] = [];
    let received: number | null = null;
    if (outcome?.type === 'FileDelivered') {
      state = outcome.savedAs ? `Saved in your Downloads folder as ${String(outcome.savedAs)}` : 'Saved in your Downloads folder';
      badge = 'ok';
      received = size;
    } else if (outcome?.type === 'FileFailed') {
      state = `Not saved: ${failureText(outcome.code)}`;
      badge = 'danger';
    } else if (!a) {
      state = 'Offered to you — nothing is saved unless you accept';
      badge = 'warn';
      const answer = (accept: boolean): void => {
        void this.conn.ask('file.respond', { sessionId: m.sessionId, fileId, accept }).catch((err: { code?: string; message?: string }) => {
          this.refusedAnswers.set(fileId, `${accept ? 'Accept' : 'Refuse'} came too late: ${err.code ?? 'ERROR'}${err.message ? ` — ${err.message}` : ''}`);
          toastError(err, accept ? 'Accept file' : 'Refuse file');
          this.render();
        });
      };
      actions = [
        h('button', { class: 'primary small', type: 'button', 'data-key': `fa-${fileId}`, onclick: () => answer(true) }, 'Accept'),
        h('button', { class: 'small', type: 'button', 'data-key': `fr-${fileId}`, onclick: () => answer(false) }, 'Refuse'),
      ];
    } else if (!a.accept) {
      state = 'You refused it';
      badge = 'danger';
    } else if (this.done.has(fileId) && (re?.received ?? 0) >= size) {
      state = 'Transferred to this computer — the desktop agent checks it and saves it in your Downloads folder';
      received = size;
    } else {
      state = 'Accepted — saving to your Downloads folder via the desktop agent';
      received = re?.received ?? 0;
    }
    return this.row(fileId, String(e.name), size, `From ${e.actor.name}`, state, badge, actions, received, this.refusedAnswers.get(fileId));
  }

  /** A file of this computer, offered to the technicians from the desktop agent. */
  private mine(m: SessionModel, e: SessionEvent): HTMLElement {
    const fileId = String(e.fileId);
    const a = m.events.find((x) => x.type === 'FileAnswered' && x.fileId === fileId);
    const outcome = fileOutcome(m.events, fileId);
    const [state, badge] = outcome?.type === 'FileDelivered' ? [`Received by ${outcome.actor.name} — SHA-256 checked`, 'ok']
      : outcome?.type === 'FileFailed' ? [`Failed: ${failureText(outcome.code)}`, 'danger']
        : !a ? ['Waiting for a technician to accept', 'primary']
          : a.accept ? [`Accepted by ${a.actor.name} — the desktop agent sends it (its window shows the progress)`, 'primary']
            : [`Refused by ${a.actor.name}`, 'danger'];
    return this.row(fileId, String(e.name), Number(e.size), 'From you, to the technicians', state, badge, [], null);
  }

  private row(fileId: string, name: string, size: number, who: string, state: string, badge: string, actions: HTMLElement[], received: number | null, note?: string): HTMLElement {
    const pct = received === null ? 0 : size === 0 ? 100 : Math.floor((100 * received) / size);
    return h('li', { class: 'cust-file', 'data-file': fileId, 'data-testid': 'file-row' },
      h('div', { class: 'row' }, h('strong', { class: 'grow cust-file-name', title: name }, name), h('span', { class: 'small muted' }, bytes(size))),
      h('div', { class: 'small muted' }, who),
      h('div', { class: 'row' }, h('span', { class: `badge ${badge} cust-file-state`, 'data-testid': 'file-state' }, state), h('span', { class: 'grow' }), actions),
      note ? h('div', { class: 'small cust-file-note', role: 'status', 'data-testid': 'file-note' }, note) : null,
      // Saved: the bar is complete and green; a failed file shows no bar (its state says why).
      received === null ? null : h('div', { class: 'cust-file-progress', 'data-outcome': badge === 'ok' ? 'complete' : badge === 'danger' ? 'failed' : 'running' },
        h('progress', { max: Math.max(1, size), value: size === 0 ? 1 : received, 'aria-label': `Progress of ${name}` }),
        h('span', { class: 'small muted', 'data-testid': 'file-bytes' }, `${pct} % · ${bytes(received)} of ${bytes(size)} reached this computer`)));
  }
}
