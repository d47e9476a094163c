import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { CLOSE_CODES } from '../protocol/close-codes';
import type { Identity } from './identity';

export type Endpoint = 'console' | 'agent';

/**
 * One WebSocket connection and who is on it. Sending never throws: a closed or closing socket
 * drops the message (the client resumes from its last seq after reconnecting).
 */
export class Connection {
  readonly id = randomBytes(6).toString('hex');
  readonly openedAt = Date.now();
  /** Sessions this connection receives events for (kept by the fan-out, not by policy). */
  readonly sessions = new Set<string>();
  /**
   * Bytes of streams (a command shell's output) this connection missed because its socket held too much,
   * by stream: the next part of the stream it gets says so (see Messenger.sendStream).
   */
  readonly missed = new Map<string, number>();

  /**
   * While set, only these events are dispatched; any other is answered with `code`. A connection let
   * in only to resume (an external representative's reconnect) is fully let in by a successful
   * `session.resume`, whose token only its first connection received.
   */
  restrictedTo: { events: ReadonlySet<string>; code: string; message: string } | null = null;

  constructor(readonly ws: WebSocket, readonly endpoint: Endpoint, readonly identity: Identity) {}

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Bytes queued in the socket and not yet written to the kernel. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(event: string, data: unknown): void {
    this.sendText(JSON.stringify({ event, data }));
  }

  sendText(text: string): void {
    if (this.isOpen) this.ws.send(text);
  }

  sendBinary(frame: Buffer | Uint8Array): void {
    if (this.isOpen) this.ws.send(frame, { binary: true });
  }

  ack(id: string | number | undefined, data: unknown): void {
    if (id !== undefined) this.sendText(JSON.stringify({ event: 'ack', id, data }));
  }

  error(id: string | number | undefined, code: string, message: string, extra?: Record<string, unknown>): void {
    this.sendText(JSON.stringify(id === undefined ? { event: 'error', data: { code, message, ...extra } } : { event: 'error', id, data: { code, message, ...extra } }));
  }

  close(code: (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES], reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }

  describe(): string {
    return `[conn:${this.id}, ${this.endpoint}, ${this.identity.kind}:${this.identity.id}]`;
  }
}
