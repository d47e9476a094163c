/** What the shells' output needs from the agent's connection. */
export interface ShellLink {
  /** Whether a message sent now goes out (the socket is open). */
  isOpen(): boolean;
  /** Sends now; `answered` runs once the server acknowledged or refused the message. */
  send(event: 'shell.output' | 'shell.exit', data: Record<string, unknown>, answered?: () => void): void;
  /** Bytes the socket holds that are not yet written to the kernel. */
  buffered(): number;
}

/** The pseudo-terminal's reading, which the flow stops and starts. */
export interface OutputSource {
  pause(): void;
  resume(): void;
}

export interface ShellOutputOptions {
  /** Bytes of a shell's output read and not yet acknowledged by the server (waiting here or on the wire) at which its terminal stops being read. */
  windowBytes: number;
  /** No shell output is sent while the socket holds more than this (the screen or a file shares it). */
  maxBufferedBytes: number;
  /** `shell.output` messages per second, all shells together, and the burst allowed above that rate. */
  messagesPerSecond: number;
  burst: number;
  now: () => number;
}

/** Characters of one `shell.output` (its DTO allows 65,536). */
export const MAX_CHUNK = 65_536;
/** The default window: 256 KiB in flight per shell. */
export const WINDOW_BYTES = 256 * 1024;
/** How soon the flow looks again at a socket that holds too much (ws has no drain event). */
const BACKLOG_RETRY_MS = 25;

/** The share of the server's message rate (ws.rateLimit.messagesPerSecond) that shell output uses; the rest is the agent's other messages'. */
export const SHELL_SHARE_OF_RATE = 0.4;
const DEFAULTS: ShellOutputOptions = { windowBytes: WINDOW_BYTES, maxBufferedBytes: 1024 * 1024, messagesPerSecond: 20, burst: 10, now: () => performance.now() };

interface Stream {
  readonly sessionId: string;
  readonly shellId: string;
  readonly source: OutputSource;
  /** Read from the terminal, not sent yet. */
  chunks: string[];
  pendingBytes: number;
  /** Sent, and neither acknowledged nor refused yet. */
  unacked: number;
  isPaused: boolean;
  /** Closed by the server: what it still prints is read and thrown away. */
  isDropped: boolean;
  /** The exit code, once the shell ended: sent after the last of its output. */
  exitCode: number | null;
}

/** Counters for tests and diagnostics. */
export interface ShellOutputStats {
  /** Bytes read from the terminals. */
  readBytes: number;
  /** Bytes sent in `shell.output`. */
  sentBytes: number;
  /** The most a shell ever had read and not acknowledged (waiting here plus on the wire). */
  peakInFlight: number;
  /** How often a terminal's reading was paused. */
  pauses: number;
}

/**
 * Flow control of the command shells' output, as a terminal's own: output is read from a pseudo-terminal
 * only while less than a window of it is waiting here or unacknowledged by the server (whose ack of a
 * `shell.output` says it was relayed); past that the terminal is not read, the kernel's buffer fills and
 * the program writing blocks, as on a slow serial line. Ctrl-C still reaches it: input is never held.
 * Sending is paced, all shells together, under the server's message rate limit (pieces grow instead), and
 * waits while the socket is backed up. So `yes` costs the agent, the server and every viewer a bounded
 * amount of memory and a bounded message rate, however fast it prints.
 */
export class ShellOutput {
  private readonly streams = new Map<string, Stream>();
  private readonly opts: ShellOutputOptions;
  private tokens: number;
  private last: number;
  private timer: NodeJS.Timeout | null = null;
  /** Bumped when the connection drops: answers to what was sent before are never coming. */
  private epoch = 0;
  readonly stats: ShellOutputStats = { readBytes: 0, sentBytes: 0, peakInFlight: 0, pauses: 0 };

  constructor(private readonly link: ShellLink, options: Partial<ShellOutputOptions> = {}) {
    this.opts = { ...DEFAULTS, ...options };
    this.tokens = this.opts.burst;
    this.last = this.opts.now();
  }

  /** The window, for tests: a shell's output in flight stays under it plus one message. */
  get windowBytes(): number {
    return this.opts.windowBytes;
  }

  /** Paces to a share of the server's message rate (the `agent.hello` ack's `limits.messagesPerSecond`). */
  setServerRate(messagesPerSecond: number): void {
    if (!Number.isFinite(messagesPerSecond) || messagesPerSecond <= 0) return;
    this.opts.messagesPerSecond = Math.max(1, messagesPerSecond * SHELL_SHARE_OF_RATE);
    this.opts.burst = Math.max(1, Math.min(this.opts.burst, this.opts.messagesPerSecond));
  }

  open(sessionId: string, shellId: string, source: OutputSource): void {
    this.streams.set(shellId, { sessionId, shellId, source, chunks: [], pendingBytes: 0, unacked: 0, isPaused: false, isDropped: false, exitCode: null });
  }

  /** Output the terminal printed. */
  push(shellId: string, text: string): void {
    const s = this.streams.get(shellId);
    if (!s || s.isDropped || text.length === 0) return;
    const bytes = Buffer.byteLength(text, 'utf8');
    s.chunks.push(text);
    s.pendingBytes += bytes;
    this.stats.readBytes += bytes;
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, s.pendingBytes + s.unacked);
    this.regulate(s);
    this.pump();
  }

  /** The shell ended: its exit follows the last of its output. */
  exited(shellId: string, code: number): void {
    const s = this.streams.get(shellId);
    if (!s) return;
    s.exitCode = code;
    this.pump();
  }

  /** The server closed the shell: its output is not sent any more (the server refuses it), only its exit. */
  drop(shellId: string): void {
    const s = this.streams.get(shellId);
    if (!s) return;
    s.isDropped = true;
    s.chunks = [];
    s.pendingBytes = 0;
    // Read on, so the terminal reaches its end and the exit comes.
    if (s.isPaused) {
      s.isPaused = false;
      s.source.resume();
    }
  }

  /** The connection dropped: what was in flight is lost, output waits here (and the terminals stay paused) until it is back. */
  disconnected(): void {
    this.epoch++;
    for (const s of this.streams.values()) {
      s.unacked = 0;
      this.regulate(s);
    }
  }

  /** The connection is back: what waited goes out. */
  connected(): void {
    this.pump();
  }

  /** Pauses the terminal when a window of its output is in flight; resumes it once half of that is through. */
  private regulate(s: Stream): void {
    if (s.isDropped) return;
    const inFlight = s.pendingBytes + s.unacked;
    if (!s.isPaused && inFlight >= this.opts.windowBytes) {
      s.isPaused = true;
      this.stats.pauses++;
      s.source.pause();
    } else if (s.isPaused && inFlight < this.opts.windowBytes / 2) {
      s.isPaused = false;
      s.source.resume();
    }
  }

  /** Sends what may go now; schedules itself again when the rate or the socket holds the rest back. */
  private pump(): void {
    if (this.timer) return;
    while (this.link.isOpen()) {
      const s = this.nextReady();
      if (!s) return;
      if (this.link.buffered() > this.opts.maxBufferedBytes) return this.later(BACKLOG_RETRY_MS);
      const wait = this.waitForToken();
      if (wait > 0) return this.later(wait);
      this.tokens -= 1;
      this.sendFrom(s);
    }
  }

  private later(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.ceil(ms));
    this.timer.unref();
  }

  /** Milliseconds until a message may be sent (0: now). */
  private waitForToken(): number {
    const now = this.opts.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.last) / 1000) * this.opts.messagesPerSecond);
    this.last = now;
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.opts.messagesPerSecond) * 1000;
  }

  /** The first stream with something to send (output within its window, or its exit); streams take turns. */
  private nextReady(): Stream | undefined {
    for (const s of this.streams.values()) {
      if (s.pendingBytes > 0 ? s.unacked < this.opts.windowBytes : s.exitCode !== null) return s;
    }
    return undefined;
  }

  private sendFrom(s: Stream): void {
    // Its turn is over: it goes behind the others.
    this.streams.delete(s.shellId);
    const base = { sessionId: s.sessionId, shellId: s.shellId };
    if (s.pendingBytes === 0) {
      this.link.send('shell.exit', { ...base, code: s.exitCode });
      return;
    }
    this.streams.set(s.shellId, s);
    const data = this.take(s);
    const bytes = Buffer.byteLength(data, 'utf8');
    s.pendingBytes -= bytes;
    s.unacked += bytes;
    this.stats.sentBytes += bytes;
    const epoch = this.epoch;
    this.link.send('shell.output', { ...base, data }, () => {
      if (epoch !== this.epoch) return;
      s.unacked -= bytes;
      this.regulate(s);
      this.pump();
    });
  }

  /** Takes up to MAX_CHUNK characters of what waits, never between the halves of a surrogate pair. */
  private take(s: Stream): string {
    let n = 0;
    let size = 0;
    while (n < s.chunks.length && size < MAX_CHUNK) size += s.chunks[n++]!.length;
    const text = n === 1 ? s.chunks[0]! : s.chunks.slice(0, n).join('');
    let end = Math.min(text.length, MAX_CHUNK);
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end -= 1;
    const rest = text.slice(end);
    s.chunks.splice(0, n, ...(rest ? [rest] : []));
    return text.slice(0, end);
  }
}
