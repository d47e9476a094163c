import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Forwarder } from '../../actors/forwarder';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { authorizeShell, shellCloseReason, shellRecipients, type SessionEvent, type SessionState, type ShellCloseReason } from '../../domain';
import type { ShellDataDto, ShellExitDto, ShellOpenDto, ShellResizeDto } from '../../protocol/messages/console.dto';
import type { Connection } from '../connection';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { Messenger, type Recipient } from './messenger';
import { SessionFanout } from './session-fanout';
import { newId, SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';
import { ShellTranscripts } from '../../recording/shell-transcripts';
import { SYSTEM_ACTOR } from './actor-of';
import { CONFIG } from '../../config/config.token';
import type { TandemConfig } from '../../config/config.schema';

interface ShellPayload { sessionId: string; shellId: string; from: 'member' | 'agent'; actorId: string; event: string; data: Record<string, unknown> }
type Verdict = { ok: true; closed?: { bytes: number; omitted: number; gapBytes: number; reason: ShellCloseReason } } | { ok: false; code: string; message: string };

/**
 * The remote command shell of an elevated session. Opening it is an audited admin action (a journaled
 * event); its bytes — input, output, and the technician's terminal size (`shell.resize`) — are relayed,
 * never journaled, by the session's owner node after the domain allowed them (elevated, active, a
 * taking-part member; or the session's own agent for output). The output — only what the agent's
 * pseudo-terminal printed: command lines it echoed, never what was typed with echo off, such as a password
 * at a prompt — goes to a transcript file the journal refers to (ShellOpened, then ShellClosed with the
 * byte count when the shell exits; a transcript stops at `shell.transcriptMaxBytes`). The agent's ack of a
 * `shell.output` is its flow control (it reads on only while little is unacknowledged), and the output
 * reaches each member's connection only while that socket is not backed up (`shell.viewerBufferBytes`):
 * a slow viewer misses output, and is told how much, rather than slowing or bloating anyone. When
 * elevation ends (the owner disconnecting
 * the customer ends it too) or the session ends, the agent is told to close the session's shells; their
 * exits reach the members and close the records.
 */
@Injectable()
export class ShellHandlers implements OnModuleInit {
  private readonly logger = new Logger('shell');

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly messenger: Messenger,
    private readonly forwarder: Forwarder,
    private readonly fanout: SessionFanout,
    private readonly transcripts: ShellTranscripts,
    @Inject(CONFIG) private readonly config: TandemConfig,
  ) {}

  onModuleInit(): void {
    this.forwarder.procedure('shell', (state, payload) => this.relay(state as SessionState, payload as ShellPayload));
    this.handlers.on('shell.open', (conn, d: ShellOpenDto) => this.open(conn, d));
    this.handlers.on('shell.input', (conn, d: ShellDataDto) => this.pass(conn, d.sessionId, d.shellId, 'member', 'shell.input', { data: d.data }));
    this.handlers.on('shell.resize', (conn, d: ShellResizeDto) => this.pass(conn, d.sessionId, d.shellId, 'member', 'shell.resize', { cols: d.cols, rows: d.rows }));
    this.handlers.on('shell.output', (conn, d: ShellDataDto) => this.pass(conn, d.sessionId, d.shellId, 'agent', 'shell.output', { data: d.data }));
    this.handlers.on('shell.exit', (conn, d: ShellExitDto) => this.pass(conn, d.sessionId, d.shellId, 'agent', 'shell.exit', { code: d.code }));
    // Elevation over (by a member, the customer, or the customer's disconnection) or the session: the shells close, on the node where the agent is.
    this.fanout.on('session', (msg) => {
      const events = msg.events as SessionEvent[];
      const state = msg.state as SessionState;
      if (state.agentId && events.some((e) => e.type === 'ElevationEnded' || e.type === 'SessionEnded')) {
        this.messenger.deliverLocal([{ kind: 'agent', id: state.agentId }], 'shell.close', { sessionId: msg.id });
      }
    });
  }

  private async open(conn: Connection, d: ShellOpenDto): Promise<object> {
    const { sessionId, cols, rows } = d;
    const actor = this.sessions.actorOf(conn);
    const shellId = newId('sh');
    const commit = await this.router.ask(SESSION, sessionId, { type: 'OpenShell', shellId, transcript: ShellTranscripts.ref(sessionId, shellId) }, actor);
    const verdict = await this.router.run<Verdict>(SESSION, sessionId, 'shell', { sessionId, shellId, from: 'member', actorId: actor.id, event: 'shell.open', data: { by: { id: actor.id, name: actor.name }, cols, rows } } satisfies ShellPayload);
    if (!verdict.ok) throw new ProtocolError(verdict.code, verdict.message);
    return { sessionId, seq: commit.version, shellId };
  }

  private async pass(conn: Connection, sessionId: string, shellId: string, from: 'member' | 'agent', event: string, data: Record<string, unknown>): Promise<object> {
    const payload: ShellPayload = { sessionId, shellId, from, actorId: from === 'agent' ? conn.identity.id : this.sessions.actorOf(conn).id, event, data };
    const verdict = await this.router.run<Verdict>(SESSION, sessionId, 'shell', payload);
    if (!verdict.ok) throw new ProtocolError(verdict.code, verdict.message);
    // The shell exited: the audit records its end and the size of its transcript.
    if (verdict.closed) {
      const closed = verdict.closed;
      const truncated = closed.omitted > 0 ? { truncated: { omittedBytes: closed.omitted } } : {};
      const gaps = closed.gapBytes > 0 ? { gaps: { omittedBytes: closed.gapBytes } } : {};
      void this.router.ask(SESSION, sessionId, { type: 'CloseShell', shellId, bytes: closed.bytes, reason: closed.reason, ...truncated, ...gaps }, SYSTEM_ACTOR)
        .catch((err: unknown) => this.logger.warn({ err }, `shell close not recorded [session:${sessionId}, shell:${shellId}]`));
    }
    return {};
  }

  /** In the owner's mailbox: member → agent needs authorizeShell; agent → members needs an elevated session of that agent. */
  private relay(state: SessionState, p: ShellPayload): Verdict {
    if (p.from === 'member') {
      const verdict = authorizeShell(state, p.actorId);
      if ('rejection' in verdict) return { ok: false, code: verdict.rejection.code, message: verdict.rejection.message };
      if (state.agentId) this.messenger.send([{ kind: 'agent', id: state.agentId }], p.event, { sessionId: p.sessionId, shellId: p.shellId, ...p.data });
      return { ok: true };
    }
    if (state.agentId !== p.actorId) return { ok: false, code: 'NOT_MEMBER', message: 'not this session\'s agent' };
    if (p.event === 'shell.output' && !state.elevated) return { ok: false, code: 'NOT_ELEVATED', message: 'the session is no longer elevated' };
    const to: Recipient[] = shellRecipients(state).map((id) => ({ kind: 'person' as const, id }));
    const text = p.event === 'shell.output' ? String(p.data.data ?? '') : '';
    // Output may be skipped for a backed-up viewer; the exit always arrives (with what that viewer missed).
    const key = `shell:${p.sessionId}:${p.shellId}`;
    const part = p.event === 'shell.output' ? { key, bytes: Buffer.byteLength(text, 'utf8'), maxBuffered: this.config.shell.viewerBufferBytes } : { key, bytes: 0 };
    this.messenger.sendStream(to, p.event, { sessionId: p.sessionId, shellId: p.shellId, ...p.data }, part);
    const opened = (state.shells ?? {})[p.shellId] !== undefined;
    if (p.event === 'shell.output' && opened) this.transcripts.append(p.sessionId, p.shellId, text);
    if (p.event === 'shell.exit' && opened) {
      const { bytes, omitted, gapBytes } = this.transcripts.end(p.sessionId, p.shellId);
      void this.transcripts.finish(p.sessionId, p.shellId).catch((err: unknown) => this.logger.error({ err }, `transcript write failed [session:${p.sessionId}, shell:${p.shellId}]`));
      return { ok: true, closed: { bytes, omitted, gapBytes, reason: shellCloseReason(state) } };
    }
    return { ok: true };
  }
}
