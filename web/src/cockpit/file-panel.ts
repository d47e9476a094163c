import './file-panel.css';
import { bytesBase64 } from '../shared/base64';
import { clock, h, replace, uid } from '../shared/dom';
import { bytes } from '../shared/event-text';
import { FILE_CHUNK_BYTES, Reassembly, failureText, fileOutcome, limitOf, resultOf, safeFileName, sha256Hex } from '../shared/file-transfer';
import type { SessionEvent } from '../shared/protocol';
import type { SessionModel } from '../shared/sessions';
import { toast } from '../shared/toast';
import type { Cockpit } from './cockpit';

/**
 * File transfer in a session view's Files tab (docs/protocol.md, "Files").
 *
 * Send file: the page reads the chosen file, computes its SHA-256 (crypto.subtle), sends `file.offer {name,
 * size, sha256}` and waits for the customer's `FileAnswered`; once accepted it streams `file.chunk`s of
 * 256 KiB (a few in flight, progress from their acks) and ends with `file.done`. The customer's desktop
 * agent checks size and hash, saves the file in the Downloads folder and reports it (`FileDelivered` with the
 * name it saved it under, or `FileFailed` with why): the row says which.
 * A file the customer offers (`FileOffered` by the customer) gets Accept / Refuse; once any member accepted,
 * every member's page receives the chunks, checks size and SHA-256 at `file.done` and offers Save (a Blob URL
 * under a safe name); the page of the member who accepted it reports the check (`file.result`), which the
 * customer's agent and panel show. Every offer of the session is listed, from anyone, with its state.
 * Transfers live per page, not per view: switching sessions does not stop a sending or a receiving.
 */

type Failure = { code: string; message: string };

/** A file this page sends: `fileId` once the server took the offer. */
interface Outgoing {
  localId: string;
  sessionId: string;
  fileId: string | null;
  file: File;
  phase: 'hashing' | 'offering' | 'waiting' | 'sending' | 'sent' | 'refused' | 'failed';
  sent: number;
  failure: Failure | null;
  at: number;
}

/** A customer's file this page receives. */
interface Incoming {
  sessionId: string;
  re: Reassembly;
  phase: 'receiving' | 'checking' | 'ready' | 'failed';
  url: string | null;
  failure: Failure | null;
}

/** Chunks in flight at once while sending (each acked before the window moves on). */
const WINDOW = 3;

const outgoing: Outgoing[] = [];
const incoming = new Map<string, Incoming>();
const toasted = new Set<string>();
const panels = new Set<FilePanel>();
const wired = new WeakSet<object>();
/** The server's files.maxBytes once a FILE_TOO_LARGE told it: later files over it are refused before hashing. */
let knownLimit: number | null = null;
let nextLocal = 0;

const offersOf = (m: SessionModel): SessionEvent[] => m.events.filter((e) => e.type === 'FileOffered');
const answerOf = (m: SessionModel, fileId: string): SessionEvent | undefined => m.events.find((e) => e.type === 'FileAnswered' && e.fileId === fileId);

function redraw(sessionId: string): void {
  for (const p of panels) if (p.sessionId === sessionId) p.schedule();
}

/** One set of listeners per connection for every panel (the connection has no way to remove one). */
function wire(app: Cockpit): void {
  if (wired.has(app.conn)) return;
  wired.add(app.conn);
  app.conn.on('file.chunk', (d: { sessionId: string; fileId: string; offset: number; data: string }) => {
    const inc = receiving(app, d.sessionId, d.fileId);
    if (!inc || inc.phase !== 'receiving') return;
    inc.re.add(d.offset, d.data);
    redraw(d.sessionId);
  });
  app.conn.on('file.done', (d: { sessionId: string; fileId: string }) => void finish(app, d.sessionId, d.fileId));
  app.store.onChange((m) => {
    for (const o of outgoing) if (o.sessionId === m.sessionId && o.phase === 'waiting') answered(app, m, o);
    for (const e of offersOf(m)) {
      if (e.actor.kind !== 'customer' || toasted.has(e.fileId) || answerOf(m, e.fileId) || m.ended || m.out) continue;
      toasted.add(e.fileId);
      toast(`${m.state?.customer?.name ?? e.actor.name} offers you a file: ${String(e.name)} (${bytes(Number(e.size))}). Accept or refuse it under Files.`);
    }
    redraw(m.sessionId);
  });
}

function receiving(app: Cockpit, sessionId: string, fileId: string): Incoming | null {
  const known = incoming.get(fileId);
  if (known) return known;
  const offer = app.store.get(sessionId)?.events.find((e) => e.type === 'FileOffered' && e.fileId === fileId);
  if (!offer) return null;
  const inc: Incoming = { sessionId, re: new Reassembly(Number(offer.size), String(offer.sha256)), phase: 'receiving', url: null, failure: null };
  incoming.set(fileId, inc);
  return inc;
}

async function finish(app: Cockpit, sessionId: string, fileId: string): Promise<void> {
  const inc = receiving(app, sessionId, fileId);
  if (!inc || inc.phase !== 'receiving') return;
  inc.phase = 'checking';
  redraw(sessionId);
  const r = await inc.re.finish();
  if (r.ok) {
    inc.url = URL.createObjectURL(r.blob);
    inc.phase = 'ready';
  } else {
    inc.failure = { code: r.code, message: r.message };
    inc.phase = 'failed';
  }
  redraw(sessionId);
  // The member who accepted it tells the customer how it arrived (a second report, from another window, is refused: FILE_REPORTED).
  const m = app.store.get(sessionId);
  if (m && answerOf(m, fileId)?.actor.id === app.me && !fileOutcome(m.events, fileId)) {
    void app.conn.ask('file.result', { sessionId, fileId, ...resultOf(r) }).catch(() => undefined);
  }
}

/** The customer answered one of my offers: stream it, or stop there. */
function answered(app: Cockpit, m: SessionModel, o: Outgoing): void {
  const a = o.fileId ? answerOf(m, o.fileId) : undefined;
  if (!a) {
    if (m.ended) fail(o, { code: 'SESSION_ENDED', message: 'the session ended before the customer answered' });
    return;
  }
  if (!a.accept) {
    o.phase = 'refused';
    return;
  }
  o.phase = 'sending';
  void stream(app, o);
}

function fail(o: Outgoing, err: unknown): void {
  const e = err as { code?: string; message?: string };
  o.failure = { code: e.code ?? 'ERROR', message: e.message ?? String(err) };
  o.phase = 'failed';
  redraw(o.sessionId);
}

async function start(app: Cockpit, sessionId: string, file: File): Promise<void> {
  const o: Outgoing = { localId: `l${++nextLocal}`, sessionId, fileId: null, file, phase: 'hashing', sent: 0, failure: null, at: Date.now() };
  outgoing.push(o);
  if (knownLimit !== null && file.size > knownLimit) return fail(o, { code: 'FILE_TOO_LARGE', message: `${bytes(file.size)} is over the limit of ${bytes(knownLimit)} (files.maxBytes)` });
  redraw(sessionId);
  try {
    const sha256 = await sha256Hex(await file.arrayBuffer());
    o.phase = 'offering';
    redraw(sessionId);
    const ack = await app.conn.ask<{ fileId: string }>('file.offer', { sessionId, name: file.name, size: file.size, sha256 });
    o.fileId = ack.fileId;
    o.phase = 'waiting';
    const m = app.store.get(sessionId);
    if (m) answered(app, m, o);
    redraw(sessionId);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'FILE_TOO_LARGE') knownLimit = limitOf(e.message ?? '') ?? knownLimit;
    fail(o, e.code ? err : { code: 'FILE_UNREADABLE', message: `the browser could not read the file (${e.message ?? String(err)})` });
  }
}

/** Sends the accepted file in chunks, WINDOW of them in flight, then `file.done`. */
async function stream(app: Cockpit, o: Outgoing): Promise<void> {
  const { sessionId, fileId, file } = o;
  let failure: unknown = null;
  const one = async (offset: number): Promise<void> => {
    try {
      const part = new Uint8Array(await file.slice(offset, offset + FILE_CHUNK_BYTES).arrayBuffer());
      if (failure) return;
      await app.conn.ask('file.chunk', { sessionId, fileId, offset, data: bytesBase64(part) }, 30000);
      o.sent += part.length;
      redraw(sessionId);
    } catch (err) {
      failure ??= err;
    }
  };
  const inFlight: Array<Promise<void>> = [];
  for (let offset = 0; offset < file.size && !failure; offset += FILE_CHUNK_BYTES) {
    if (inFlight.length >= WINDOW) await inFlight.shift();
    inFlight.push(one(offset));
  }
  await Promise.all(inFlight);
  if (failure) return fail(o, failure);
  try {
    await app.conn.ask('file.done', { sessionId, fileId });
    o.phase = 'sent';
    redraw(sessionId);
  } catch (err) {
    fail(o, err);
  }
}

/** One row's look: its state in words, a badge, and the progress where the page knows it. */
interface RowView { state: string; badge: 'ok' | 'warn' | 'danger' | 'primary' | ''; done?: number; actions?: HTMLElement[] }

class FilePanel {
  readonly el: HTMLElement;
  private readonly picker = h('input', { type: 'file', id: uid('file-pick'), 'data-key': 'file-pick' }) as HTMLInputElement;
  private readonly sendBtn = h('button', { class: 'primary', type: 'submit', 'data-key': 'file-send' }, 'Send file');
  private readonly sendHint = h('p', { class: 'hint', role: 'status' });
  private readonly list = h('ul', { class: 'list file-list', 'aria-label': 'File transfers' });
  private queued = false;

  constructor(private readonly app: Cockpit, private readonly model: SessionModel, private readonly tab: HTMLElement | undefined) {
    const form = h('form', { class: 'file-send' }, h('fieldset', null,
      h('legend', null, 'Send a file to the customer'),
      h('div', { class: 'field' }, h('label', { for: this.picker.id }, 'File to send'), this.picker),
      h('div', { class: 'row' }, this.sendBtn),
      this.sendHint));
    this.picker.addEventListener('change', () => this.update());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const file = this.picker.files?.[0];
      if (!file || !this.canSend) return;
      this.picker.value = '';
      void start(this.app, this.sessionId, file);
      this.update();
    });
    this.el = h('div', { class: 'stack file-panel', 'data-testid': 'file-panel' }, form, h('h2', null, 'Transfers in this session'), this.list);
  }

  get sessionId(): string {
    return this.model.sessionId;
  }

  /** Active, the customer connected, and I take part (observers do not send). */
  private get canSend(): boolean {
    const s = this.model.state;
    return !this.model.ended && !this.model.out && s?.status === 'active' && ['owner', 'participant', 'external'].includes(s.you) && Boolean(s.customer?.connected);
  }

  private get canAnswer(): boolean {
    const s = this.model.state;
    return !this.model.ended && !this.model.out && Boolean(s && ['owner', 'participant', 'observer', 'external'].includes(s.you));
  }

  schedule(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.update();
    });
  }

  update(): void {
    const s = this.model.state;
    this.sendBtn.disabled = !this.canSend || !this.picker.files?.length;
    this.picker.disabled = !this.canSend;
    this.sendHint.textContent = this.canSend
      ? `The customer is asked first; an accepted file is saved in their Downloads folder.${knownLimit !== null ? ` At most ${bytes(knownLimit)}.` : ''}`
      : s?.you === 'observer' ? 'Observers cannot send files.' : 'Available while the session is active and the customer is connected.';
    const offers = offersOf(this.model);
    const local = outgoing.filter((o) => o.sessionId === this.sessionId && o.fileId === null);
    // Newest first: a new offer shows at the top, next to the Send form.
    const rows = [...local.map((o) => this.localRow(o)).reverse(), ...offers.map((e) => this.offerRow(e)).reverse()];
    replace(this.list, rows.length ? rows : h('li', { class: 'empty' }, 'No file was offered in this session yet.'));
    const waiting = offers.filter((e) => e.actor.kind === 'customer' && !answerOf(this.model, e.fileId)).length;
    if (this.tab) replace(this.tab, 'Files', waiting > 0 && this.canAnswer ? h('span', { class: 'count', 'aria-label': `${waiting} waiting for an answer` }, String(waiting)) : null);
  }

  private offerRow(e: SessionEvent): HTMLElement {
    const fileId = String(e.fileId);
    const size = Number(e.size);
    const fromCustomer = e.actor.kind === 'customer';
    const mine = !fromCustomer && e.actor.id === this.app.me;
    const who = fromCustomer ? `${this.model.state?.customer?.name ?? e.actor.name} (customer) → technicians` : `${mine ? 'You' : e.actor.name} → ${this.model.state?.customer?.name ?? 'the customer'}`;
    const view = fromCustomer ? this.fromCustomer(fileId, size) : this.toCustomer(fileId, size, mine, e.actor.name);
    return this.row(fileId, String(e.name), size, who, e.at, view);
  }

  /** A technician's file to the customer: the sender sees the progress of its acks, the others what the events say. */
  private toCustomer(fileId: string, size: number, mine: boolean, sender: string): RowView {
    const a = answerOf(this.model, fileId);
    const o = outgoing.find((x) => x.fileId === fileId);
    // What the customer's desktop reported (or the server's CANCELLED) says more than this page's own view.
    const outcome = fileOutcome(this.model.events, fileId);
    if (outcome?.type === 'FileDelivered') {
      return { state: outcome.savedAs ? `Saved on the customer's desktop as ${String(outcome.savedAs)}` : 'Saved on the customer\'s desktop', badge: 'ok', done: size };
    }
    if (outcome?.type === 'FileFailed') return { state: `Failed: ${failureText(outcome.code)}`, badge: 'danger', ...(o && o.sent > 0 ? { done: o.sent } : {}) };
    if (o?.phase === 'failed') return failed(o.failure, o.sent);
    if (!a) return { state: this.model.ended ? 'Not answered before the session ended' : 'Waiting for the customer to accept', badge: 'primary' };
    if (!a.accept) return { state: 'Refused by the customer', badge: 'danger' };
    if (o?.phase === 'sent') return { state: 'Sent — the customer\'s desktop checks the SHA-256…', badge: 'primary', done: size };
    if (o) return { state: `Accepted — sending ${percent(o.sent, size)}`, badge: 'primary', done: o.sent };
    return { state: mine ? 'Accepted (sent from another window)' : `Accepted — ${sender} sends it`, badge: 'primary' };
  }

  /** The customer's file to the technicians: Accept / Refuse, then received here, checked, saved. */
  private fromCustomer(fileId: string, size: number): RowView {
    const a = answerOf(this.model, fileId);
    const outcome = fileOutcome(this.model.events, fileId);
    if (!a) {
      // Withdrawn before anyone answered (the customer was disconnected): nothing to accept any more.
      if (outcome?.type === 'FileFailed') return { state: `Withdrawn: ${failureText(outcome.code)}`, badge: 'danger' };
      if (!this.canAnswer) return { state: 'Not answered', badge: '' };
      const respond = (accept: boolean): void => {
        void this.app.conn.ask('file.respond', { sessionId: this.sessionId, fileId, accept }).catch((err: Failure) => toast(`${accept ? 'Accept' : 'Refuse'}: ${err.code} — ${err.message}`, 'error'));
      };
      return {
        state: 'Offered to you', badge: 'warn',
        actions: [
          h('button', { class: 'primary small', type: 'button', 'data-key': `fa-${fileId}`, onclick: () => respond(true) }, 'Accept'),
          h('button', { class: 'small', type: 'button', 'data-key': `fr-${fileId}`, onclick: () => respond(false) }, 'Refuse'),
        ],
      };
    }
    const by = a.actor.id === this.app.me ? 'you' : a.actor.name;
    if (!a.accept) return { state: `Refused by ${by}`, badge: 'danger' };
    const inc = incoming.get(fileId);
    if (outcome?.type === 'FileFailed' && inc?.phase !== 'ready') return { state: `Failed: ${failureText(outcome.code)}`, badge: 'danger', ...(inc && inc.re.received > 0 ? { done: inc.re.received } : {}) };
    if (!inc) return { state: `Accepted by ${by} — waiting for the first bytes`, badge: 'primary', done: 0 };
    if (inc.phase === 'failed') return failed(inc.failure, inc.re.received);
    if (inc.phase === 'checking') return { state: 'Checking the SHA-256…', badge: 'primary', done: size };
    if (inc.phase === 'ready' && inc.url) {
      const name = safeFileName(String(this.model.events.find((e) => e.type === 'FileOffered' && e.fileId === fileId)?.name ?? ''));
      return {
        state: 'Received — SHA-256 checked', badge: 'ok', done: size,
        actions: [h('a', { class: 'button-link primary', href: inc.url, download: name, 'data-key': `fs-${fileId}` }, 'Save')],
      };
    }
    return { state: `Accepted by ${by} — receiving ${percent(inc.re.received, size)}`, badge: 'primary', done: inc.re.received };
  }

  private localRow(o: Outgoing): HTMLElement {
    const view: RowView = o.phase === 'failed' ? failed(o.failure, 0)
      : { state: o.phase === 'hashing' ? 'Computing the SHA-256…' : 'Offering…', badge: 'primary' };
    return this.row(o.localId, o.file.name, o.file.size, `You → ${this.model.state?.customer?.name ?? 'the customer'}`, o.at, view);
  }

  private row(key: string, name: string, size: number, who: string, at: number, v: RowView): HTMLElement {
    const bar = v.done !== undefined
      // A delivered (or checked) file's bar is complete and green, a failed one's red where it stopped.
      ? h('div', { class: 'file-progress', 'data-outcome': v.badge === 'ok' ? 'complete' : v.badge === 'danger' ? 'failed' : 'running' },
        h('progress', { max: Math.max(1, size), value: size === 0 ? 1 : v.done, 'aria-label': `Progress of ${name}` }),
        h('span', { class: 'small muted', 'data-testid': 'file-bytes' }, `${percent(v.done, size)} · ${bytes(v.done)} of ${bytes(size)}`))
      : null;
    return h('li', { class: 'file-row', 'data-file': key, 'data-testid': 'file-row' },
      h('div', { class: 'row' },
        h('span', { class: 'grow file-name', title: name }, name),
        h('span', { class: 'small muted' }, bytes(size))),
      h('div', { class: 'small muted' }, `${who} · ${clock(at)}`),
      h('div', { class: 'row' }, h('span', { class: `badge ${v.badge} file-state`, 'data-testid': 'file-state' }, v.state), h('span', { class: 'grow' }), v.actions ?? null),
      bar);
  }

  destroy(): void {
    panels.delete(this);
  }

  mount(container: HTMLElement): void {
    container.append(this.el);
    panels.add(this);
    this.update();
  }
}

function percent(done: number, size: number): string {
  return `${size === 0 ? 100 : Math.floor((100 * done) / size)} %`;
}

function failed(f: Failure | null, done: number): RowView {
  const code = f?.code ?? 'ERROR';
  return { state: `Failed: ${code}${f?.message ? ` — ${f.message}` : ''}`, badge: 'danger', ...(done > 0 ? { done } : {}) };
}

/**
 * Puts the Files panel into a session view (its Files tab; `tab` is that tab's button, which shows how many
 * offers wait for an answer) and keeps it up to date; returns the cleanup for the view's destroy().
 */
export function mountFilePanel(app: Cockpit, model: SessionModel, container: HTMLElement, tab?: HTMLElement): () => void {
  wire(app);
  const panel = new FilePanel(app, model, tab);
  panel.mount(container);
  return () => panel.destroy();
}
