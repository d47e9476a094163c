/** The error reply of a command: `{code, message}` as the server sent it. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';
type Listener = (data: unknown) => void;
type Envelope = { event?: string; id?: string | number; data?: Record<string, unknown> };

interface Pending {
  resolve: (data: unknown) => void;
  reject: (err: CommandError) => void;
  timer: number;
}

/** Close codes after which reconnecting cannot help (docs/protocol.md, "Close codes"). */
const FINAL_CLOSE = new Set([4401, 4403, 4409]);

/**
 * One `/ws/console` connection speaking the envelope of docs/protocol.md: `ask()` sends a command with an
 * id and resolves with its `ack` (or rejects with its `error`); pushed events go to `on()` listeners.
 * A dropped socket reconnects with backoff; `onOpen` listeners then resume what they had.
 */
export class Connection {
  status: ConnectionStatus = 'connecting';
  /** Why the connection stopped for good: a close code, or `unauthorized` when the upgrade was refused. */
  finalReason: string | null = null;
  private ws: WebSocket | null = null;
  private nextId = 1;
  private attempt = 0;
  private hasOpened = false;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Map<string, Listener[]>();
  private readonly statusListeners: Array<(s: ConnectionStatus) => void> = [];
  private readonly openListeners: Array<(isReconnect: boolean) => void> = [];
  private binaryListener: ((bytes: Uint8Array) => void) | null = null;
  private retryTimer: number | undefined;

  constructor(private readonly token: string) {}

  connect(): void {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws/console?access_token=${encodeURIComponent(this.token)}`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      const isReconnect = this.hasOpened;
      this.hasOpened = true;
      this.attempt = 0;
      this.setStatus('open');
      for (const l of this.openListeners) l(isReconnect);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') {
        this.binaryListener?.(new Uint8Array(ev.data as ArrayBuffer));
        return;
      }
      let msg: Envelope;
      try {
        msg = JSON.parse(ev.data) as typeof msg;
      } catch {
        return;
      }
      this.dispatch(msg);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failPending();
      if (this.status === 'closed') return;
      if (FINAL_CLOSE.has(ev.code)) {
        this.stop(String(ev.code));
        return;
      }
      if (!opened) void this.checkRefused();
      else this.retry();
    };
  }

  /** Sends a command and resolves with the ack's data; rejects with CommandError on `error`. */
  ask<T = unknown>(event: string, data: object = {}, timeoutMs = 10000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject(new CommandError('DISCONNECTED', 'not connected to the server; retrying'));
        return;
      }
      const id = `w${this.nextId++}`;
      const timer = window.setTimeout(() => {
        this.pending.delete(id);
        reject(new CommandError('TIMEOUT', `no answer to ${event}`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (data: unknown) => void, reject, timer });
      this.ws.send(JSON.stringify({ event, data, id }));
    });
  }

  /** Sends without waiting for an answer (pointer and input streams); dropped while disconnected. */
  send(event: string, data: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ event, data }));
  }

  on<T = unknown>(event: string, listener: (data: T) => void): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as Listener);
    this.listeners.set(event, list);
  }

  onStatus(listener: (s: ConnectionStatus) => void): void {
    this.statusListeners.push(listener);
  }

  /** Called after every successful open; `isReconnect` is true after a drop. */
  onOpen(listener: (isReconnect: boolean) => void): void {
    this.openListeners.push(listener);
  }

  onBinary(listener: (bytes: Uint8Array) => void): void {
    this.binaryListener = listener;
  }

  close(): void {
    this.stop('closed');
  }

  /** Test and support hook: drops the socket as a network failure would (the client reconnects). */
  drop(): void {
    this.ws?.close(4000, 'dropped by the client');
  }

  private dispatch(msg: Envelope): void {
    if (msg.id !== undefined && (msg.event === 'ack' || msg.event === 'error')) {
      const p = this.pending.get(String(msg.id));
      if (p) {
        this.pending.delete(String(msg.id));
        window.clearTimeout(p.timer);
        if (msg.event === 'ack') p.resolve(msg.data ?? {});
        else p.reject(new CommandError(String(msg.data?.code ?? 'ERROR'), String(msg.data?.message ?? '')));
        return;
      }
    }
    for (const l of this.listeners.get(msg.event ?? '') ?? []) l(msg.data ?? {});
  }

  /** The upgrade failed: a healthy node that refuses us means the token is no good (HTTP 401). */
  private async checkRefused(): Promise<void> {
    try {
      const res = await fetch('/healthz', { cache: 'no-store' });
      if (res.ok && this.attempt >= 1) {
        this.stop('unauthorized');
        return;
      }
    } catch {
      // The node is unreachable: keep trying.
    }
    this.retry();
  }

  private retry(): void {
    this.setStatus('reconnecting');
    const delay = Math.min(5000, 250 * 2 ** this.attempt++);
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  private stop(reason: string): void {
    this.finalReason = reason;
    window.clearTimeout(this.retryTimer);
    this.setStatus('closed');
    const ws = this.ws;
    this.ws = null;
    ws?.close();
    this.failPending();
  }

  private failPending(): void {
    for (const [id, p] of this.pending) {
      window.clearTimeout(p.timer);
      p.reject(new CommandError('DISCONNECTED', 'the connection dropped before the answer'));
      this.pending.delete(id);
    }
  }

  private setStatus(s: ConnectionStatus): void {
    if (this.status === s) return;
    this.status = s;
    for (const l of this.statusListeners) l(s);
  }
}
