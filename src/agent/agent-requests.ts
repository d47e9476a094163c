import WebSocket from 'ws';

/** A server refusal: the `error` reply's code and message. */
export interface Refusal { code: string; message: string }

/**
 * The agent's requests to the server over its one socket: ids, the replies (ack or error) callers
 * wait for, and the customer's answers sent strictly one after the other.
 */
export class AgentRequests {
  private nextId = 1;
  /** Replies (ack or error) the customer's commands wait for, by request id. */
  private readonly replies = new Map<string, (data?: unknown) => void>();
  /** Errors a request waits for (the attach code's hello, `support.start`), by request id. */
  private readonly refusals = new Map<string, (err: Refusal) => void>();
  private inOrder: Promise<void> = Promise.resolve();

  constructor(private readonly socket: () => WebSocket | undefined) {}

  /** Sends now (dropped while offline); returns the request id its reply will carry. */
  send(event: string, data: unknown): string {
    const id = `a${this.nextId++}`;
    const ws = this.socket();
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ event, data, id }));
    return id;
  }

  /** Runs `onReply` with the ack's data (undefined for an error reply) of request `id`. */
  onReply(id: string, onReply: (data?: unknown) => void): void {
    this.replies.set(id, onReply);
  }

  /** Runs `onRefused` when request `id` gets an error reply. */
  onRefused(id: string, onRefused: (err: Refusal) => void): void {
    this.refusals.set(id, onRefused);
  }

  /** An `ack` or `error` from the server: the request it answers is settled. */
  settle(event: 'ack' | 'error', id: string, data: Record<string, unknown>): void {
    this.replies.get(id)?.(event === 'ack' ? data : undefined);
    this.replies.delete(id);
    if (event === 'error') this.refusals.get(id)?.({ code: String(data.code), message: String(data.message) });
    this.refusals.delete(id);
  }

  /**
   * The customer's answers and choices go one at a time, each after the server answered the one
   * before: "y" then "observe" typed together must not reach the session in the other order. A payload that
   * resolves to undefined (a question withdrawn before the customer answered) sends nothing.
   */
  sendInOrder(event: string, data: unknown): void {
    this.inOrder = this.inOrder.then(async () => {
      const payload: unknown = await data;
      if (payload === undefined) return;
      await new Promise<void>((resolve) => {
        const id = this.send(event, payload);
        const timer = setTimeout(() => { this.replies.delete(id); resolve(); }, 5000);
        this.replies.set(id, () => { clearTimeout(timer); resolve(); });
      });
    });
  }

  /** A command whose ack the caller needs: resolves with the ack's data, rejects with the error's `{code, message}`. */
  request(event: string, data: unknown, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const id = this.send(event, data);
      const timer = setTimeout(() => {
        this.replies.delete(id);
        this.refusals.delete(id);
        reject(Object.assign(new Error(`no answer to ${event}`), { code: 'TIMEOUT' }));
      }, timeoutMs);
      this.refusals.set(id, (err) => { clearTimeout(timer); reject(Object.assign(new Error(err.message), err)); });
      this.replies.set(id, (ack) => { if (ack !== undefined) { clearTimeout(timer); resolve(ack as Record<string, unknown>); } });
    });
  }
}
