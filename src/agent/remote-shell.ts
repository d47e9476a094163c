import { homedir } from 'node:os';
import { spawn, type IPty } from 'node-pty';

/** A terminal's size in character cells (what the cockpit's xterm.js shows). */
export interface TermSize { cols: number; rows: number }

const DEFAULT_SIZE: TermSize = { cols: 80, rows: 24 };
/** Output goes out in pieces of at most this many characters (a `shell.output` carries at most 65,536). */
const MAX_CHUNK = 32_768;
/** After SIGHUP (the shell passes it on to its jobs), a shell still running this long later is killed. */
const KILL_AFTER_MS = 1500;

/** The user's shell: $SHELL on Unix, %ComSpec% on Windows. */
function defaultShell(): string {
  if (process.platform === 'win32') return process.env.ComSpec ?? 'cmd.exe';
  return process.env.SHELL || '/bin/sh';
}

/** Splits output into pieces of at most MAX_CHUNK characters, never between the halves of a surrogate pair. */
function pieces(text: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length;) {
    let end = Math.min(text.length, at + MAX_CHUNK);
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end -= 1;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

/**
 * The command shells a technician opened in an elevated session: a shell per id in its own pseudo-terminal
 * (node-pty), so it has a prompt, line editing, job control and a size, and `sudo`, `passwd`, `top` or `vi`
 * work as on a local terminal. The terminal's output (which includes the echo of what is typed while echo is
 * on — never what is typed at a no-echo prompt) is streamed back; the cockpit's size arrives with the open
 * and with every resize. Closed on request or when the server says elevation (or the session) is over. The
 * server decides when a shell may exist; this only runs what it was told to, and ends it when told.
 */
export class RemoteShells {
  private readonly shells = new Map<string, { sessionId: string; term: IPty }>();

  constructor(
    private readonly out: (event: 'shell.output' | 'shell.exit', data: Record<string, unknown>) => void,
    private readonly shell: string = defaultShell(),
  ) {}

  open(sessionId: string, shellId: string, size: Partial<TermSize> = {}): void {
    if (this.shells.has(shellId)) return;
    let term: IPty;
    try {
      term = spawn(this.shell, [], {
        name: 'xterm-256color', cols: size.cols ?? DEFAULT_SIZE.cols, rows: size.rows ?? DEFAULT_SIZE.rows, cwd: homedir(),
        env: { ...process.env, TERM: 'xterm-256color', COLORTERM: 'truecolor' } as Record<string, string>,
      });
    } catch (err) {
      this.out('shell.output', { sessionId, shellId, data: `shell failed: ${(err as Error).message}\r\n` });
      this.out('shell.exit', { sessionId, shellId, code: -1 });
      return;
    }
    this.shells.set(shellId, { sessionId, term });
    term.onData((text) => {
      for (const data of pieces(text)) this.out('shell.output', { sessionId, shellId, data });
    });
    term.onExit(({ exitCode, signal }) => {
      if (this.shells.get(shellId)?.term === term) this.shells.delete(shellId);
      this.out('shell.exit', { sessionId, shellId, code: signal ? 128 + signal : exitCode });
    });
  }

  /**
   * A shell the agent will not run (asked for a session it is not in now): the technician reads why and
   * the server hears it exit, which closes its record.
   */
  refuse(sessionId: string, shellId: string, why: string): void {
    this.out('shell.output', { sessionId, shellId, data: `command shell refused by the desktop: ${why}\r\n` });
    this.out('shell.exit', { sessionId, shellId, code: -1 });
  }

  /** Input (keystrokes, pasted text) for a shell of that session (none of another session's shells). */
  input(sessionId: string, shellId: string, data: string): void {
    const shell = this.shells.get(shellId);
    if (shell?.sessionId === sessionId) shell.term.write(data);
  }

  /** The technician's terminal changed size: the shell's terminal follows (its programs get SIGWINCH). */
  resize(sessionId: string, shellId: string, size: TermSize): void {
    const shell = this.shells.get(shellId);
    if (shell?.sessionId !== sessionId) return;
    try {
      shell.term.resize(size.cols, size.rows);
    } catch {
      // The shell just exited: its exit is on its way.
    }
  }

  /** The process ids of the running shells (tests and diagnostics). */
  get pids(): number[] {
    return [...this.shells.values()].map((s) => s.term.pid);
  }

  /**
   * Closes one session's shells (or all): SIGHUP, as when a terminal is closed, which a shell passes on to
   * its jobs; SIGKILL for one still running shortly after.
   */
  close(sessionId?: string): void {
    for (const [id, s] of this.shells) {
      if (sessionId !== undefined && s.sessionId !== sessionId) continue;
      this.shells.delete(id);
      let exited = false;
      s.term.onExit(() => { exited = true; });
      if (process.platform === 'win32') {
        s.term.kill();
        continue;
      }
      s.term.kill('SIGHUP');
      setTimeout(() => { if (!exited) s.term.kill('SIGKILL'); }, KILL_AFTER_MS).unref();
    }
  }

  get count(): number {
    return this.shells.size;
  }
}
