import WebSocket from 'ws';

export interface Envelope {
  event: string;
  data?: any;
  id?: string | number;
}

/** A command answered with `error`; `code` is the stable protocol code. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(readonly code: string, message: string, readonly data: unknown) {
    super(`${code}: ${message}`);
  }
}

interface Waiter {
  match: (m: Envelope) => boolean;
  resolve: (m: Envelope) => void;
}

/**
 * A real `ws` client speaking Tandem's envelope: `request()` sends `{event,data,id}` and resolves
 * with the matching `ack` (or rejects with CommandError on `error`); `next()` awaits a pushed event.
 * Every message is kept in order in `received` so tests can check gaps and duplicates.
 */
export class WsTestClient {
  readonly received: Envelope[] = [];
  readonly binary: Buffer[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Waiter[] = [];
  private readonly consumed = new Set<Envelope>();
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (raw, isBinary) => {
      if (isBinary) {
        this.binary.push(Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer));
        return;
      }
      let msg: Envelope;
      try {
        msg = JSON.parse(raw.toString()) as Envelope;
      } catch {
        msg = { event: '(unparseable)', data: raw.toString() };
      }
      this.received.push(msg);
      for (const w of [...this.waiters]) {
        if (w.match(msg)) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(msg);
        }
      }
    });
  }

  /** Connects with a bearer token in the header (or `access_token` in the query when `viaQuery`). */
  static async connect(url: string, token?: string, options: { viaQuery?: boolean; headers?: Record<string, string> } = {}): Promise<WsTestClient> {
    const target = token && options.viaQuery ? `${url}${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}` : url;
    const headers = { ...(token && !options.viaQuery ? { authorization: `Bearer ${token}` } : {}), ...options.headers };
    const ws = new WebSocket(target, { headers });
    // Listen before 'open': the first frames can arrive in the same packet as the upgrade reply.
    const client = new WsTestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
    return client;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(event: string, data: unknown, id?: string | number): void {
    this.ws.send(JSON.stringify(id === undefined ? { event, data } : { event, data, id }));
  }

  sendRaw(payload: string | Buffer, binary = false): void {
    this.ws.send(payload, { binary });
  }

  /** Sends a command with a fresh id; resolves `{event, data}` of the ack or error. */
  async request(event: string, data: unknown, timeoutMs = 5000): Promise<Envelope> {
    const id = `c${this.nextId++}`;
    const reply = this.waitFor((m) => m.id === id && (m.event === 'ack' || m.event === 'error'), timeoutMs, `reply to ${event} #${id}`);
    this.send(event, data, id);
    return reply;
  }

  /** Sends a command and returns the ack's data; throws CommandError when it is refused. */
  async ask<T = any>(event: string, data: unknown, timeoutMs = 5000): Promise<T> {
    const reply = await this.request(event, data, timeoutMs);
    if (reply.event === 'error') throw new CommandError(reply.data?.code, reply.data?.message, reply.data);
    return reply.data as T;
  }

  /** The oldest not-yet-consumed message with this event name (and matching `pred`), waiting if needed. Each message is returned once. */
  async next(event: string, pred: (data: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const found = this.received.find((m) => !this.consumed.has(m) && m.event === event && pred(m.data));
    if (found) {
      this.consumed.add(found);
      return found.data;
    }
    const msg = await this.waitFor((m) => !this.consumed.has(m) && m.event === event && pred(m.data), timeoutMs, `event ${event}`);
    this.consumed.add(msg);
    return msg.data;
  }

  /** All received messages with this event name so far. */
  all(event: string): any[] {
    return this.received.filter((m) => m.event === event).map((m) => m.data);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }

  private waitFor(match: (m: Envelope) => boolean, timeoutMs: number, what: string): Promise<Envelope> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(this.received.slice(-3))}`));
      }, timeoutMs);
      const waiter: Waiter = { match, resolve: (m) => { clearTimeout(timer); resolve(m); } };
      this.waiters.push(waiter);
    });
  }
}
