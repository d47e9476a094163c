import '@xterm/xterm/css/xterm.css';
import './shell-panel.css';
import { Terminal } from '@xterm/xterm';
import { h } from '../shared/dom';
import type { SessionModel } from '../shared/sessions';
import { toastError } from '../shared/toast';
import type { Cockpit } from './cockpit';

/**
 * The remote command shell of an elevated session (issue #12), in the session view's Admin tab.
 *
 * `shell.open {sessionId, cols, rows}` (an audited admin action, elevated sessions only) starts a shell in a
 * pseudo-terminal on the desktop, sized to this page's xterm.js terminal; `shell.resize {sessionId, shellId,
 * cols, rows}` follows the terminal's size. The terminal is a real one: every keystroke (or paste) goes out
 * as `shell.input {sessionId, shellId, data}` — in order, coalesced while one is on its way — and the remote
 * terminal's output (prompt, echo, full-screen programs) comes back as `shell.output {sessionId, shellId,
 * data}`, the end as `shell.exit {sessionId, shellId, code}`; either carries `skipped` (bytes) when the node
 * left output out because this connection fell behind, which the terminal says. What a shell printed stays
 * (per session) while the user switches sessions or tabs.
 */

interface ShellState {
  shellId: string | null;
  opening: boolean;
  /** Everything written to the terminal, to redraw it in a new view (bounded). */
  transcript: string;
  exitCode: number | null;
  /** Why the shell is over, when the page knows it before `shell.exit` (elevation ended). */
  over: string | null;
  /** Output for a shell whose `shell.open` ack has not come yet. */
  early: Array<{ shellId: string; data: string }>;
  /** Keystrokes not sent yet (one `shell.input` is on its way at a time, so they arrive in order). */
  outbox: string;
  sending: boolean;
  /** The size the remote terminal was last given. */
  size: { cols: number; rows: number } | null;
}

const MAX_TRANSCRIPT = 256 * 1024;
/** At most this much typed or pasted text per `shell.input` (its limit is 65,536). */
const MAX_INPUT = 16_384;
const FONT_SIZE = 12.5;
const FONT = '"DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace';
const DIM = '\x1b[2m';
const RED = '\x1b[91m';
const OFF = '\x1b[0m';

const states = new Map<string, ShellState>();
const panels = new Set<ShellPanel>();
const wired = new WeakSet<object>();

function stateOf(sessionId: string): ShellState {
  let s = states.get(sessionId);
  if (!s) {
    s = { shellId: null, opening: false, transcript: '', exitCode: null, over: null, early: [], outbox: '', sending: false, size: null };
    states.set(sessionId, s);
  }
  return s;
}

/** What this page missed of a shell's output while its connection was behind (the server skipped it), as a terminal line. */
function skippedNote(skipped: number | undefined): string {
  if (!skipped) return '';
  const size = skipped >= 1048576 ? `${(skipped / 1048576).toFixed(1)} MiB` : skipped >= 1024 ? `${Math.round(skipped / 1024)} KiB` : `${skipped} bytes`;
  return `\r\n${DIM}[${size} of output not shown: this connection fell behind]${OFF}\r\n`;
}

/** Appends to a session's transcript and to its terminal if one is shown. */
function emit(sessionId: string, text: string): void {
  const s = stateOf(sessionId);
  s.transcript = (s.transcript + text).slice(-MAX_TRANSCRIPT);
  for (const p of panels) if (p.sessionId === sessionId) p.write(text);
}

function running(s: ShellState): boolean {
  return s.shellId !== null && s.exitCode === null && s.over === null;
}

/** Sends what was typed, in order: one `shell.input` at a time, what is typed meanwhile goes in the next. */
async function flush(app: Cockpit, sessionId: string): Promise<void> {
  const s = stateOf(sessionId);
  if (s.sending) return;
  s.sending = true;
  try {
    while (s.outbox && running(s)) {
      let end = Math.min(s.outbox.length, MAX_INPUT);
      if (end < s.outbox.length && /[\uD800-\uDBFF]/.test(s.outbox[end - 1]!)) end -= 1;
      const data = s.outbox.slice(0, end);
      s.outbox = s.outbox.slice(end);
      try {
        await app.conn.ask('shell.input', { sessionId, shellId: s.shellId, data });
      } catch (err) {
        const e = err as { code?: string; message?: string };
        s.outbox = '';
        emit(sessionId, `\r\n${RED}[not sent: ${e.code ?? 'ERROR'} — ${e.message ?? ''}]${OFF}\r\n`);
      }
    }
  } finally {
    s.sending = false;
    if (!running(s)) s.outbox = '';
  }
}

/** Gives the remote terminal the size of this page's terminal, when it differs from the last one it was given. */
function sendSize(app: Cockpit, sessionId: string, size: { cols: number; rows: number }): void {
  const s = stateOf(sessionId);
  if (!running(s) || (s.size?.cols === size.cols && s.size.rows === size.rows)) return;
  s.size = { cols: size.cols, rows: size.rows };
  // Refused (elevation just ended, say): the next size is sent again, whatever it is.
  app.conn.ask('shell.resize', { sessionId, shellId: s.shellId, ...s.size }).catch(() => { s.size = null; });
}

/** One listener per connection for every panel (the connection has no way to remove one). */
function wire(app: Cockpit): void {
  if (wired.has(app.conn)) return;
  wired.add(app.conn);
  app.conn.on('shell.output', (d: { sessionId: string; shellId: string; data: string; skipped?: number }) => {
    const s = states.get(d.sessionId);
    if (!s) return;
    const data = skippedNote(d.skipped) + d.data;
    if (s.opening && s.shellId === null) s.early.push({ shellId: d.shellId, data });
    else if (d.shellId === s.shellId) emit(d.sessionId, data);
  });
  app.conn.on('shell.exit', (d: { sessionId: string; shellId: string; code: number; skipped?: number }) => {
    const s = states.get(d.sessionId);
    if (!s || d.shellId !== s.shellId || s.exitCode !== null) return;
    s.exitCode = d.code;
    emit(d.sessionId, `${skippedNote(d.skipped)}\r\n${DIM}[the shell ended${s.over ? ` — ${s.over}` : ''}; exit code ${d.code}]${OFF}\r\n`);
    for (const p of panels) if (p.sessionId === d.sessionId) p.update();
  });
  app.store.onChange((m) => {
    for (const p of panels) if (p.sessionId === m.sessionId) p.update();
  });
}

/** Width in pixels of one character of the terminal font (xterm.js measures the same way). */
let charWidth = 0;
function cellWidth(): number {
  if (!charWidth) {
    const ctx = document.createElement('canvas').getContext('2d');
    if (ctx) {
      ctx.font = `${FONT_SIZE}px ${FONT}`;
      charWidth = ctx.measureText('W').width;
    }
    charWidth ||= FONT_SIZE * 0.6;
  }
  return charWidth;
}

class ShellPanel {
  readonly el: HTMLElement;
  private readonly status = h('p', { class: 'hint', role: 'status' });
  private readonly openBtn = h('button', { type: 'button', class: 'primary' }, 'Open terminal');
  private readonly endBtn = h('button', { type: 'button', title: 'Clear the line and send exit to the shell' }, 'End shell');
  private readonly expandBtn = h('button', { type: 'button', 'aria-pressed': 'false', title: 'Show the terminal larger' }, 'Expand');
  private readonly screen = h('div', { class: 'shell-screen', 'aria-label': 'Remote terminal', role: 'log' });
  private readonly box: HTMLElement;
  private term: Terminal | null = null;
  private resize: ResizeObserver | null = null;

  constructor(private readonly app: Cockpit, private readonly model: SessionModel) {
    this.openBtn.addEventListener('click', () => void this.open());
    // Ctrl-U first: whatever was half typed at the prompt is dropped, not run.
    this.endBtn.addEventListener('click', () => this.type('\x15exit\r'));
    this.expandBtn.addEventListener('click', () => this.expand(!this.box.classList.contains('expanded')));
    // Escape belongs to the remote programs (vi); Shrink gives the page back.
    this.box = h('div', { class: 'shell-box', hidden: true },
      h('div', { class: 'shell-bar' }, h('span', { class: 'grow small', title: 'Click the terminal and type: every key goes to the remote shell' }, 'Remote terminal'), this.expandBtn),
      this.screen);
    this.el = h('fieldset', { class: 'shell-panel', 'data-testid': 'shell-panel' },
      h('legend', null, 'Command shell'),
      this.status,
      h('div', { class: 'row' }, this.openBtn, this.endBtn),
      this.box);
  }

  private expand(on: boolean): void {
    this.box.classList.toggle('expanded', on);
    this.expandBtn.setAttribute('aria-pressed', String(on));
    this.expandBtn.textContent = on ? 'Shrink' : 'Expand';
    this.fit();
    this.term?.focus();
  }

  get sessionId(): string {
    return this.model.sessionId;
  }

  private get state(): ShellState {
    return stateOf(this.model.sessionId);
  }

  /** The session lets me use a shell: active, elevated, its customer still connected, and I take part (observers and externals do not). */
  private get allowed(): boolean {
    const s = this.model.state;
    return !this.model.ended && !this.model.out && s?.status === 'active' && s.elevated && s.customer?.connected !== false && ['owner', 'participant'].includes(s.you);
  }

  private get running(): boolean {
    return running(this.state);
  }

  update(): void {
    const st = this.state;
    const s = this.model.state;
    if (!this.allowed && this.running) {
      // The server closes the shell when elevation (or the session) ends; say so at once.
      st.over = this.model.ended ? 'the session ended' : s?.customer?.connected === false ? 'the customer was disconnected' : 'elevation ended';
      emit(this.sessionId, `\r\n${DIM}[closed: ${st.over}]${OFF}\r\n`);
    }
    const running = this.running;
    this.openBtn.hidden = running;
    this.openBtn.disabled = !this.allowed || st.opening;
    this.openBtn.textContent = st.opening ? 'Opening…' : st.shellId ? 'Open a new terminal' : 'Open terminal';
    this.endBtn.hidden = !running;
    this.box.hidden = !st.shellId && !st.transcript && !st.opening;
    if (!this.box.hidden) this.ensureTerminal();
    if (this.term) {
      this.term.options.disableStdin = !running;
      this.term.options.cursorInactiveStyle = running ? 'outline' : 'none';
    }
    this.screen.toggleAttribute('data-running', running);
    this.status.textContent = running ? 'Commands run on the remote computer with administrator rights. Every shell is recorded in the audit trail.'
      : !s?.elevated ? 'Available once the session is elevated; the shell closes when elevation ends.'
        : s.you === 'observer' ? 'Observers cannot use the command shell.'
          : s.you === 'external' ? 'External representatives cannot use the command shell.'
          : !this.allowed ? 'Available while the session is active.'
            : 'Open a command shell on the remote computer (an audited administrator action).';
  }

  write(text: string): void {
    this.term?.write(text);
  }

  private ensureTerminal(): void {
    if (this.term) return;
    // The remote pseudo-terminal sends CR LF itself: no end-of-line conversion here (full-screen programs move the cursor).
    const term = new Terminal({
      convertEol: false, disableStdin: !this.running, cursorBlink: false, cursorStyle: 'block', cursorInactiveStyle: this.running ? 'outline' : 'none',
      fontFamily: FONT, fontSize: FONT_SIZE, scrollback: 5000, rows: 16, cols: 40,
      theme: { background: '#11161f', foreground: '#d8dee9', cursor: '#d8dee9', cursorAccent: '#11161f', selectionBackground: '#3b4a6b' },
    });
    term.open(this.screen);
    if (this.state.transcript) term.write(this.state.transcript);
    this.term = term;
    term.onData((data) => this.type(data));
    term.onResize((size) => sendSize(this.app, this.sessionId, size));
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(this.box);
    this.fit();
  }

  private fit(): void {
    const term = this.term;
    // The box, not the screen: the terminal's own width must not decide how wide it may be.
    const w = this.box.clientWidth;
    if (!term || w === 0) return; // hidden (another tab): fitted when shown
    const cols = Math.max(20, Math.floor((w - 24) / cellWidth()));
    // The cell height xterm.js chose is on its row elements; until they exist, an estimate.
    const cell = parseFloat(this.screen.querySelector<HTMLElement>('.xterm-rows > div')?.style.height ?? '') || FONT_SIZE * 1.25;
    const rows = this.box.classList.contains('expanded') ? Math.max(10, Math.floor((this.screen.clientHeight - 12) / cell)) : 16;
    if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
  }

  /** A keystroke or a paste for the remote shell. */
  private type(data: string): void {
    const st = this.state;
    if (!this.running) return;
    st.outbox += data;
    void flush(this.app, this.sessionId);
  }

  private async open(): Promise<void> {
    const st = this.state;
    st.opening = true;
    st.early = [];
    this.update(); // shows the terminal, so it has a size to give the remote one
    this.fit();
    const size = this.term ? { cols: this.term.cols, rows: this.term.rows } : { cols: 80, rows: 24 };
    try {
      const ack = await this.app.conn.ask<{ shellId: string }>('shell.open', { sessionId: this.sessionId, ...size });
      st.shellId = ack.shellId;
      st.exitCode = null;
      st.over = null;
      st.outbox = '';
      st.size = size;
      emit(this.sessionId, `${st.transcript ? '\r\n' : ''}${DIM}[shell opened on the remote computer]${OFF}\r\n`);
      for (const e of st.early) if (e.shellId === ack.shellId) emit(this.sessionId, e.data);
      // The terminal may have changed size while the shell was opening.
      if (this.term) sendSize(this.app, this.sessionId, { cols: this.term.cols, rows: this.term.rows });
    } catch (err) {
      toastError(err, 'Command shell');
      const e = err as { code?: string; message?: string };
      if (st.transcript || st.shellId) emit(this.sessionId, `${RED}[${e.code ?? 'ERROR'}: ${e.message ?? ''}]${OFF}\r\n`);
    } finally {
      st.opening = false;
      st.early = [];
      this.update();
      if (this.running) this.term?.focus();
    }
  }

  destroy(): void {
    panels.delete(this);
    this.resize?.disconnect();
    this.term?.dispose();
    this.term = null;
  }

  mount(container: HTMLElement): void {
    container.append(this.el);
    panels.add(this);
    this.update();
  }
}

/**
 * Puts the command shell into a session view's Admin area and keeps it up to date; returns the cleanup
 * for the view's destroy(). One call from session-view.ts.
 */
export function mountShellPanel(app: Cockpit, model: SessionModel, container: HTMLElement): () => void {
  wire(app);
  const panel = new ShellPanel(app, model);
  panel.mount(container);
  return () => panel.destroy();
}

