import { CommandError, WsTestClient } from './ws-client';

/** Codes after which a command was certainly not applied and may be sent again. */
const RETRYABLE = new Set(['FENCED', 'STORE_UNAVAILABLE', 'BUSY']);

export interface StreamLog {
  /** Every session.event seq received for the session, over all connections, in arrival order. */
  seqs: number[];
  token: string | null;
  events: Array<{ seq: number; type: string; [k: string]: unknown }>;
}

/**
 * A client that survives its node dying: it reconnects through the load balancer, runs `onConnect`
 * (e.g. agent.hello), resumes every session it knows from its last seq, and retries commands that were
 * certainly not applied. It records every stream so a test can check for gaps and repeats.
 */
export class ResilientClient {
  readonly streams = new Map<string, StreamLog>();
  readonly pushes: Array<{ event: string; data: any; at: number }> = [];
  reconnects = 0;
  private current: WsTestClient | null = null;
  private connecting: Promise<WsTestClient> | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly onConnect: (c: WsTestClient) => Promise<void> = async () => undefined,
  ) {}

  async start(): Promise<void> {
    await this.connection();
  }

  stream(sessionId: string): StreamLog {
    let s = this.streams.get(sessionId);
    if (!s) this.streams.set(sessionId, (s = { seqs: [], token: null, events: [] }));
    return s;
  }

  /** Sends a command, riding out reconnects and retryable refusals until `deadlineMs`. */
  async ask<T = any>(event: string, data: unknown, deadlineMs = 20_000): Promise<T> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const c = await this.connection();
      try {
        return await c.ask<T>(event, data, 5000);
      } catch (err) {
        const retry = !(err instanceof CommandError) || RETRYABLE.has(err.code);
        if (!retry || Date.now() > until || this.closed) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.current?.close();
  }

  private async connection(): Promise<WsTestClient> {
    if (this.current?.isOpen) return this.current;
    this.connecting ??= this.connect().finally(() => { this.connecting = null; });
    return this.connecting;
  }

  private async connect(): Promise<WsTestClient> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new Error('client closed');
      try {
        const c = await WsTestClient.connect(this.url, this.token);
        this.watch(c);
        this.current = c;
        if (attempt > 0 || this.reconnects > 0 || this.streams.size > 0) this.reconnects++;
        await this.onConnect(c);
        for (const s of this.streams.values()) if (s.token) await this.resume(c, s);
        return c;
      } catch {
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  }

  /**
   * Resumes one stream from its last seq, as a real client does: a refusal that says the store or the
   * session's owner is busy or failing over (or no answer) is asked again; a final answer (NOT_MEMBER,
   * SESSION_ENDED, RESUME_INVALID, …) ends it. A connection that closes meanwhile throws, so the caller
   * reconnects and resumes again.
   */
  private async resume(c: WsTestClient, s: StreamLog): Promise<void> {
    for (let attempt = 0; attempt < 40; attempt++) {
      const last = s.seqs.length > 0 ? s.seqs[s.seqs.length - 1]! : 0;
      try {
        await c.ask('session.resume', { token: s.token, lastSeq: last }, 10_000);
        return;
      } catch (err) {
        if (!c.isOpen) throw err;
        if (err instanceof CommandError && !RETRYABLE.has(err.code)) return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private watch(c: WsTestClient): void {
    c.ws.on('message', (raw, isBinary) => {
      if (isBinary) return;
      let msg: { event: string; data: any };
      try { msg = JSON.parse(raw.toString()); } catch { return; }
      if (msg.event === 'session.event') {
        const s = this.stream(msg.data.sessionId);
        s.seqs.push(msg.data.seq);
        s.events.push(msg.data);
      } else if (msg.event === 'session.resumable') {
        this.stream(msg.data.sessionId).token = msg.data.resumeToken;
      } else if (msg.event !== 'ack' && msg.event !== 'error' && msg.event !== 'session.state') {
        this.pushes.push({ event: msg.event, data: msg.data, at: Date.now() });
      }
    });
  }
}
