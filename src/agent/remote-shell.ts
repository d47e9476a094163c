import { readSync } from 'node:fs';
import { homedir } from 'node:os';
import type { Readable } from 'node:stream';
import { spawn, type IPty } from 'node-pty';
import { ShellOutput, type OutputSource, type ShellLink, type ShellOutputOptions, type ShellOutputStats } from './shell-output';

/** A terminal's size in character cells (what the cockpit's xterm.js shows). */
export interface TermSize { cols: number; rows: number }

const DEFAULT_SIZE: TermSize = { cols: 80, rows: 24 };
/** After SIGHUP (the shell passes it on to its jobs), a shell still running this long later is killed. */
const KILL_AFTER_MS = 1500;

/**
 * How long a terminal whose shell exited is still read (while its flow lets it be read: paused time does not
 * count) before it is closed though not at its end: a background job of the shell still has it open.
 */
const CLOSE_AFTER_MS = 200;

/**
 * The terminal's reading as the flow control stops and starts it, kept to the terminal's end. node-pty
 * destroys the terminal 200 ms after its shell exited, read or not, which would lose what the kernel still
 * held if the terminal is paused then (the window full, acks slow, or the connection down). That destroy is
 * held back until the terminal has reached its end (EIO/EOF, after the last output: readToTheEnd) or, if
 * something else still holds the terminal open, until it was read for CLOSE_AFTER_MS in all since; the
 * reading meanwhile goes on under the window, as acks free it. Relies on node-pty's UnixTerminal calling
 * `_socket.destroy()` (no error) for that close.
 */
function readingOf(term: IPty): OutputSource & { stop(): void } {
  let isPaused = false;
  /** Once node-pty wants to close the terminal: the reading time left, and since when it is being read. */
  let closing: { destroy: () => void; leftMs: number; since: number; timer: NodeJS.Timeout | null } | null = null;
  const clock = (): void => {
    if (!closing || isPaused || closing.timer) return;
    closing.since = performance.now();
    closing.timer = setTimeout(() => {
      closing!.timer = null;
      closing!.leftMs = 0;
      closing!.destroy();
    }, closing.leftMs);
    closing.timer.unref();
  };
  const stopClock = (): void => {
    if (!closing?.timer) return;
    clearTimeout(closing.timer);
    closing.timer = null;
    closing.leftMs = Math.max(0, closing.leftMs - (performance.now() - closing.since));
  };
  const socket = process.platform === 'win32' ? undefined : (term as unknown as { _socket?: Readable })._socket;
  if (socket && typeof socket.destroy === 'function') {
    const destroy = socket.destroy.bind(socket);
    socket.destroy = (err?: Error): Readable => {
      if (err || socket.readableEnded || socket.destroyed || closing?.leftMs === 0) return destroy(err);
      closing ??= { destroy: () => destroy(), leftMs: CLOSE_AFTER_MS, since: 0, timer: null };
      clock();
      return socket;
    };
  }
  return {
    pause: () => {
      isPaused = true;
      stopClock();
      term.pause();
    },
    resume: () => {
      isPaused = false;
      term.resume();
      clock();
    },
    stop: stopClock,
  };
}

/** The most a terminal's end is drained of (the kernel never holds near as much for a closed terminal). */
const MAX_DRAIN_BYTES = 1024 * 1024;

/**
 * Reads a terminal to its true end when libuv says it ended. When the last process that has the terminal
 * open (the shell) exits, the kernel marks the master side POLLHUP at once, though output the program wrote
 * last may still be on its way through the terminal's buffers; libuv takes a POLLHUP after a short read
 * (and a pty master's reads are always short: at most its 4 KiB line-discipline buffer) for the end of the
 * stream without reading again (uv__stream_io), so Node ends the terminal's stream (EOF) with up to a few
 * KiB unread, which node-pty then closes. Linux returns what the buffers hold until the master reads EIO;
 * so at that EOF the rest is read here, synchronously (the slave is closed: nothing more can come, and it is
 * at most what the kernel held), and goes before the end into the stream, in order, under its pause.
 * Relies on node-pty's UnixTerminal reading its master with a tty.ReadStream (`_socket`, fd `fd`).
 */
function readToTheEnd(term: IPty): void {
  if (process.platform === 'win32') return;
  const inner = term as unknown as { _socket?: Readable; fd?: number };
  const socket = inner._socket;
  const fd = inner.fd;
  if (!socket || typeof fd !== 'number' || typeof socket.push !== 'function') return;
  const push = socket.push.bind(socket);
  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk === null && !socket.readableEnded) {
      const buf = Buffer.allocUnsafe(64 * 1024);
      for (let total = 0; total < MAX_DRAIN_BYTES;) {
        let n: number;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch {
          break; // EIO: the end; EAGAIN: nothing more now
        }
        if (n <= 0) break;
        total += n;
        push(Buffer.from(buf.subarray(0, n)));
      }
    }
    return push(chunk, encoding);
  };
}

/** The user's shell: $SHELL on Unix, %ComSpec% on Windows. */
function defaultShell(): string {
  if (process.platform === 'win32') return process.env.ComSpec ?? 'cmd.exe';
  return process.env.SHELL || '/bin/sh';
}

/**
 * The command shells a technician opened in an elevated session: a shell per id in its own pseudo-terminal
 * (node-pty), so it has a prompt, line editing, job control and a size, and `sudo`, `passwd`, `top` or `vi`
 * work as on a local terminal. The terminal's output (which includes the echo of what is typed while echo is
 * on — never what is typed at a no-echo prompt) is streamed back; the cockpit's size arrives with the open
 * and with every resize. Closed on request or when the server says elevation (or the session) is over. The
 * server decides when a shell may exist; this only runs what it was told to, and ends it when told. The
 * output is flow-controlled (ShellOutput): a terminal printing faster than the server relays is not read.
 */
export class RemoteShells {
  private readonly shells = new Map<string, { sessionId: string; term: IPty }>();
  /** The output on its way to the server, paced and windowed. */
  readonly output: ShellOutput;

  constructor(
    private readonly link: ShellLink,
    private readonly shell: string = defaultShell(),
    flow: Partial<ShellOutputOptions> = {},
  ) {
    this.output = new ShellOutput(link, flow);
  }

  /** What the terminals printed and what went out (tests and diagnostics). */
  get stats(): ShellOutputStats {
    return this.output.stats;
  }

  open(sessionId: string, shellId: string, size: Partial<TermSize> = {}): void {
    if (this.shells.has(shellId)) return;
    let term: IPty;
    try {
      term = spawn(this.shell, [], {
        name: 'xterm-256color', cols: size.cols ?? DEFAULT_SIZE.cols, rows: size.rows ?? DEFAULT_SIZE.rows, cwd: homedir(),
        env: { ...process.env, TERM: 'xterm-256color', COLORTERM: 'truecolor' } as Record<string, string>,
      });
    } catch (err) {
      this.link.send('shell.output', { sessionId, shellId, data: `shell failed: ${(err as Error).message}\r\n` });
      this.link.send('shell.exit', { sessionId, shellId, code: -1 });
      return;
    }
    readToTheEnd(term);
    this.shells.set(shellId, { sessionId, term });
    const reading = readingOf(term);
    this.output.open(sessionId, shellId, reading);
    term.onData((text) => this.output.push(shellId, text));
    term.onExit(({ exitCode, signal }) => {
      reading.stop();
      if (this.shells.get(shellId)?.term === term) this.shells.delete(shellId);
      this.output.exited(shellId, signal ? 128 + signal : exitCode);
    });
  }

  /**
   * A shell the agent will not run (asked for a session it is not in now): the technician reads why and
   * the server hears it exit, which closes its record.
   */
  refuse(sessionId: string, shellId: string, why: string): void {
    this.link.send('shell.output', { sessionId, shellId, data: `command shell refused by the desktop: ${why}\r\n` });
    this.link.send('shell.exit', { sessionId, shellId, code: -1 });
  }

  /** Input (keystrokes, pasted text) for a shell of that session (none of another session's shells); never held back, so Ctrl-C stops a flood. */
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
      this.output.drop(id);
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
