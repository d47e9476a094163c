import '@xterm/xterm/css/xterm.css';
import './shell-panel.css';
import { Terminal } from '@xterm/xterm';
import { h, uid } from '../shared/dom';
import type { SessionModel } from '../shared/sessions';
import { toastError } from '../shared/toast';
import type { Cockpit } from './cockpit';

/**
 * The remote command shell of an elevated session (issue #12), in the session view's Admin tab.
 *
 * `shell.open {sessionId}` (an audited admin action, elevated sessions only) starts a shell on the desktop;
 * every line typed goes out as `shell.input {sessionId, shellId, data}`; the desktop's output comes back as
 * `shell.output {sessionId, shellId, data}` and the end as `shell.exit {sessionId, shellId, code}`. The agent
 * runs the shell on pipes (no terminal on its side: no prompt, no echo), so the page shows the output in an
 * xterm.js terminal (colours, scrollback) and edits the command in a line below it, echoing it as `$ cmd`.
 * What a shell printed stays (per session) while the user switches sessions or tabs.
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
  history: string[];
}

const MAX_TRANSCRIPT = 256 * 1024;
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
    s = { shellId: null, opening: false, transcript: '', exitCode: null, over: null, early: [], history: [] };
    states.set(sessionId, s);
  }
  return s;
}

/** Appends to a session's transcript and to its terminal if one is shown. */
function emit(sessionId: string, text: string): void {
  const s = stateOf(sessionId);
  s.transcript = (s.transcript + text).slice(-MAX_TRANSCRIPT);
  for (const p of panels) if (p.sessionId === sessionId) p.write(text);
}

/** One listener per connection for every panel (the connection has no way to remove one). */
function wire(app: Cockpit): void {
  if (wired.has(app.conn)) return;
  wired.add(app.conn);
  app.conn.on('shell.output', (d: { sessionId: string; shellId: string; data: string }) => {
    const s = states.get(d.sessionId);
    if (!s) return;
    if (s.opening && s.shellId === null) s.early.push({ shellId: d.shellId, data: d.data });
    else if (d.shellId === s.shellId) emit(d.sessionId, d.data);
  });
  app.conn.on('shell.exit', (d: { sessionId: string; shellId: string; code: number }) => {
    const s = states.get(d.sessionId);
    if (!s || d.shellId !== s.shellId || s.exitCode !== null) return;
    s.exitCode = d.code;
    emit(d.sessionId, `\r\n${DIM}[the shell ended${s.over ? ` — ${s.over}` : ''}; exit code ${d.code}]${OFF}\r\n`);
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
  private readonly endBtn = h('button', { type: 'button', title: 'Send exit to the shell' }, 'End shell');
  private readonly expandBtn = h('button', { type: 'button', 'aria-pressed': 'false', title: 'Show the terminal larger' }, 'Expand');
  private readonly screen = h('div', { class: 'shell-screen', 'aria-label': 'Remote shell output', role: 'log' });
  private readonly input = h('input', { id: uid('shell-input'), class: 'mono', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', placeholder: 'Type a command and press Enter', maxlength: 60000 });
  private readonly inputRow: HTMLElement;
  private readonly box: HTMLElement;
  private term: Terminal | null = null;
  private resize: ResizeObserver | null = null;
  private historyAt = -1;

  constructor(private readonly app: Cockpit, private readonly model: SessionModel) {
    this.openBtn.addEventListener('click', () => void this.open());
    this.endBtn.addEventListener('click', () => void this.send('exit\n', 'exit'));
    this.expandBtn.addEventListener('click', () => this.expand(!this.box.classList.contains('expanded')));
    const form = h('form', { class: 'shell-input' }, h('label', { for: this.input.id, class: 'shell-prompt', title: 'Command' }, '$'), this.input,
      h('button', { type: 'submit', class: 'small' }, 'Run'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const line = this.input.value;
      this.input.value = '';
      this.historyAt = -1;
      if (line.trim()) this.state.history = [...this.state.history.filter((x) => x !== line), line].slice(-100);
      void this.send(`${line}\n`, line);
    });
    this.input.addEventListener('keydown', (ev: KeyboardEvent) => this.historyKey(ev));
    this.inputRow = form;
    this.box = h('div', { class: 'shell-box', hidden: true },
      h('div', { class: 'shell-bar' }, h('span', { class: 'grow small' }, 'Remote shell'), this.expandBtn),
      this.screen, this.inputRow);
    this.box.addEventListener('keydown', (ev: KeyboardEvent) => {
      if (ev.key === 'Escape' && this.box.classList.contains('expanded')) this.expand(false);
    });
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
    this.input.focus();
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
    const st = this.state;
    return st.shellId !== null && st.exitCode === null && st.over === null;
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
    this.input.disabled = !running;
    for (const b of this.inputRow.querySelectorAll('button')) b.disabled = !running;
    this.box.hidden = !st.shellId && !st.transcript;
    if (!this.box.hidden) this.ensureTerminal();
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
    const term = new Terminal({
      convertEol: true, disableStdin: true, cursorBlink: false, cursorInactiveStyle: 'none', fontFamily: FONT, fontSize: FONT_SIZE,
      scrollback: 5000, rows: 16, cols: 40,
      theme: { background: '#11161f', foreground: '#d8dee9', cursor: '#11161f', selectionBackground: '#3b4a6b' },
    });
    term.open(this.screen);
    if (this.state.transcript) term.write(this.state.transcript);
    this.term = term;
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

  private async open(): Promise<void> {
    const st = this.state;
    st.opening = true;
    st.early = [];
    this.update();
    try {
      const ack = await this.app.conn.ask<{ shellId: string }>('shell.open', { sessionId: this.sessionId });
      st.shellId = ack.shellId;
      st.exitCode = null;
      st.over = null;
      st.history = st.history ?? [];
      emit(this.sessionId, `${st.transcript ? '\r\n' : ''}${DIM}[shell opened on the remote computer]${OFF}\r\n`);
      for (const e of st.early) if (e.shellId === ack.shellId) emit(this.sessionId, e.data);
    } catch (err) {
      toastError(err, 'Command shell');
      const e = err as { code?: string; message?: string };
      if (st.transcript || st.shellId) emit(this.sessionId, `${RED}[${e.code ?? 'ERROR'}: ${e.message ?? ''}]${OFF}\r\n`);
    } finally {
      st.opening = false;
      st.early = [];
      this.update();
      if (this.running) this.input.focus();
    }
  }

  private async send(data: string, echo: string): Promise<void> {
    const st = this.state;
    if (!st.shellId || !this.running) return;
    emit(this.sessionId, `${DIM}$ ${OFF}${echo.replaceAll('\x1b', '^[')}\r\n`);
    try {
      await this.app.conn.ask('shell.input', { sessionId: this.sessionId, shellId: st.shellId, data });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      emit(this.sessionId, `${RED}[not sent: ${e.code ?? 'ERROR'} — ${e.message ?? ''}]${OFF}\r\n`);
    }
  }

  private historyKey(ev: KeyboardEvent): void {
    const hist = this.state.history;
    if (ev.key === 'ArrowUp' && hist.length) {
      ev.preventDefault();
      this.historyAt = this.historyAt < 0 ? hist.length - 1 : Math.max(0, this.historyAt - 1);
      this.input.value = hist[this.historyAt];
    } else if (ev.key === 'ArrowDown' && this.historyAt >= 0) {
      ev.preventDefault();
      this.historyAt = this.historyAt + 1 < hist.length ? this.historyAt + 1 : -1;
      this.input.value = this.historyAt < 0 ? '' : hist[this.historyAt];
    } else if (ev.key === 'l' && ev.ctrlKey) {
      ev.preventDefault();
      this.term?.clear();
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

