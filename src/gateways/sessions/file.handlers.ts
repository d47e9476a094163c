import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Forwarder } from '../../actors/forwarder';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { authorizeFileChunk, fileReceivers, type SessionState } from '../../domain';
import type { FileChunkDto, FileDoneDto } from '../../protocol/messages/console.dto';
import type { Connection } from '../connection';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { Messenger, type Recipient } from './messenger';
import { SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';

interface ChunkPayload { actorId: string; fileId: string; offset: number; data: string | null }
type Verdict = { ok: true; received: number } | { ok: false; code: string; message: string };

/**
 * File bytes in a session: after the receiver accepted an offer (a journaled event with name, size and
 * SHA-256), the sender streams the content in base64 chunks that the session's owner node checks (domain:
 * authorizeFileChunk) and relays to the receiver — the customer's desktop for a representative's file, the
 * members for the customer's. The content is never journaled or logged; the receiver checks the size and the
 * hash and answers `file.result` (SessionHandlers: a journaled FileDelivered or FileFailed the sender sees).
 */
@Injectable()
export class FileHandlers implements OnModuleInit {
  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly messenger: Messenger,
    private readonly forwarder: Forwarder,
  ) {}

  onModuleInit(): void {
    this.forwarder.procedure('file', (state, payload) => this.relay(state as SessionState, payload as ChunkPayload & { sessionId: string }));
    this.handlers.on('file.chunk', (conn, d: FileChunkDto) => this.send(conn, d.sessionId, d.fileId, d.offset, d.data));
    this.handlers.on('file.done', (conn, d: FileDoneDto) => this.send(conn, d.sessionId, d.fileId, 0, null));
  }

  private async send(conn: Connection, sessionId: string, fileId: string, offset: number, data: string | null): Promise<object> {
    const payload = { sessionId, actorId: this.sessions.actorOf(conn).id, fileId, offset, data };
    const verdict = await this.router.run<Verdict>(SESSION, sessionId, 'file', payload);
    if (!verdict.ok) throw new ProtocolError(verdict.code, verdict.message);
    return { sessionId, fileId, received: verdict.received };
  }

  /** In the owner's mailbox: check, then relay (in order with the session's commits). */
  private relay(state: SessionState, p: ChunkPayload & { sessionId: string }): Verdict {
    const length = p.data === null ? 0 : Buffer.byteLength(p.data, 'base64');
    const verdict = authorizeFileChunk(state, p.actorId, p.fileId, p.offset, length);
    if ('rejection' in verdict) return { ok: false, code: verdict.rejection.code, message: verdict.rejection.message };
    const receivers = fileReceivers(state, p.fileId);
    const to: Recipient[] = receivers.customer && state.customer
      ? [{ kind: 'agent', id: state.customer.id }, { kind: 'customer', id: state.customer.id }]
      : receivers.memberIds.map((id) => ({ kind: 'person' as const, id }));
    if (p.data === null) this.messenger.send(to, 'file.done', { sessionId: p.sessionId, fileId: p.fileId, size: state.files[p.fileId]!.size, sha256: state.files[p.fileId]!.sha256 });
    else this.messenger.send(to, 'file.chunk', { sessionId: p.sessionId, fileId: p.fileId, offset: p.offset, data: p.data });
    return { ok: true, received: p.offset + length };
  }
}
